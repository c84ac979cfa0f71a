"""Chinese word segmentation for search: jieba's dictionary is loaded once, on first use."""

import logging
import re
import threading

_lock = threading.Lock()
_ready = False
# Party-work terms jieba's general dictionary splits apart; whole, they search better.
TERMS = [
    "三会一课",
    "主题党日",
    "组织生活会",
    "民主评议党员",
    "谈心谈话",
    "支部委员会",
    "支委会",
    "党员大会",
    "党小组会",
    "党务工作者",
    "两委",
    "村两委",
    "学时",
    "集中学习",
    "发展党员",
    "入党积极分子",
    "预备党员",
    "党费",
    "换届选举",
    "乡村振兴",
    "接诉即办",
    "网格化",
    "党群服务中心",
    "规范化建设",
]
_WORD = re.compile(r"[\w\u3400-\u9fff]+", re.UNICODE)


def _jieba():
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for term in TERMS:
                    jieba.add_word(term, freq=20000)
                _ready = True
    return jieba


def tokens(text: str) -> list[str]:
    """Search tokens of `text` (jieba's search mode: words and their shorter parts), lower-cased."""
    if not text:
        return []
    out = []
    for word in _jieba().cut_for_search(text):
        word = word.strip().lower()
        if word and _WORD.fullmatch(word):
            out.append(word)
    return out


def index_text(text: str) -> str:
    """The token text stored for the full-text index: tokens separated by spaces."""
    return " ".join(tokens(text))


def query_groups(query: str) -> list[list[str]]:
    """The query as groups of alternatives: every word must match, as itself or one of its parts.

    "三会一课制度" → [["三会一课", "三会", "一课"], ["制度"]]; punctuation, operators and quotes
    are dropped, so any input is safe to pass on.
    """
    jieba = _jieba()
    groups = []
    for word in jieba.cut(query[:200]):
        word = word.strip().lower()
        if not word or not _WORD.fullmatch(word):
            continue
        alts = [word] + [
            p for p in (w.strip().lower() for w in jieba.cut_for_search(word)) if p and p != word
        ]
        alts = [a for a in dict.fromkeys(alts) if _WORD.fullmatch(a)]
        groups.append(alts)
    # Drop one-character function words when the query has real words too.
    if any(len(g[0]) > 1 for g in groups):
        groups = [g for g in groups if len(g[0]) > 1 or not g[0].isascii() and g[0] not in "的了和与及在是"]
    return groups[:12]
