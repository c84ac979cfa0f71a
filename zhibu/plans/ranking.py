"""因材施教: what one person should study, drill and attend next, each with its reasons — pure Python.

The facts about a person (their layer and domain, exam topics they got wrong, weak drill criteria,
their branch's compliance findings, learning hours still owed) and the candidates (library items, drill
scripts, upcoming classes) come in as plain data; `recommend` gives the ranked list. Nothing here
counts volume: a candidate ranks by how directly it answers a shortfall of this person, and every
point of its score comes with a reason in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# The layers of 分层分类 and their names.
LAYERS = {
    "secretary": "支部书记",
    "committee": "支委委员",
    "group_leader": "党小组长",
    "member": "党员",
}
DOMAINS = {
    "rural": "农村",
    "community": "社区",
    "agency": "机关",
    "enterprise": "企业",
    "school": "学校",
    "other": "其他",
}
# Library role tags that suit each layer.
LAYER_TAGS = {
    "secretary": {"secretary"},
    "committee": {"affairs_worker", "two_committees"},
    "group_leader": {"affairs_worker"},
    "member": {"member"},
}
# Training-class categories that suit each layer.
LAYER_CATEGORIES = {
    "secretary": {"secretary", "rotation"},
    "committee": {"affairs", "new_committee", "rotation"},
    "group_leader": {"affairs", "rotation"},
    "member": {"member", "rotation"},
}


@dataclass(frozen=True)
class Remedy:
    """What answers a compliance rule: who in the branch must learn it, and the matching drill/topic."""

    title: str  # e.g. 如何召开支部党员大会
    layers: frozenset[str]
    meeting: str = ""  # a drill script's meeting (练), e.g. 支部党员大会
    topics: frozenset[str] = frozenset()  # library topic tags
    categories: frozenset[str] = frozenset()  # training-class categories
    keywords: tuple[str, ...] = ()  # words an item's title may carry


def _r(title, layers, meeting="", topics=(), categories=(), keywords=()) -> Remedy:
    return Remedy(
        title, frozenset(layers), meeting, frozenset(topics), frozenset(categories), tuple(keywords)
    )


_GENERAL = _r(
    "如何召开支部党员大会",
    ["secretary"],
    "支部党员大会",
    ["three-one"],
    ["secretary", "retraining", "rotation"],
    ["党员大会"],
)
_COMMITTEE = _r(
    "如何召开支部委员会",
    ["secretary", "committee"],
    "支部委员会",
    ["three-one"],
    ["secretary", "affairs", "new_committee"],
    ["支委会", "支部委员会"],
)
_GROUP = _r(
    "如何开好党小组会", ["group_leader", "secretary"], "党小组会", ["three-one"], ["affairs"], ["党小组"]
)
_ORG_LIFE = _r(
    "如何召开组织生活会和民主评议党员",
    ["secretary"],
    "组织生活会",
    ["org-life"],
    ["secretary", "rotation"],
    ["组织生活会", "民主评议"],
)
_RECORD = _r(
    "如何记好会议纪实",
    ["secretary", "committee"],
    "",
    ["three-one"],
    ["affairs", "secretary"],
    ["纪实", "记录", "台账"],
)
_LECTURE = _r("如何上好党课", ["secretary"], "", ["three-one", "theory"], ["secretary"], ["党课"])
_THEME_DAY = _r("如何开展主题党日", ["secretary", "committee"], "", ["theme-day"], ["affairs"], ["主题党日"])
_LEARNING = _r(
    "如何组织党员集中学习、督促学时达标",
    ["secretary"],
    "",
    ["theory"],
    ["secretary"],
    ["学习", "读本", "党课"],
)
_STRUCTURE = _r(
    "支部设置与按期换届",
    ["secretary"],
    "",
    ["three-one"],
    ["secretary", "new_committee"],
    ["换届", "支委会"],
)

# Compliance rule (or rule prefix ending in ".") → its remedy.
RULE_REMEDIES: dict[str, Remedy] = {
    "general_meeting.": _GENERAL,
    "election.quorum": _GENERAL,
    "democratic_appraisal.": _ORG_LIFE,
    "org_life_meeting.": _ORG_LIFE,
    "committee_meeting.": _COMMITTEE,
    "group_meeting.": _GROUP,
    "party_lecture.": _LECTURE,
    "theme_day.": _THEME_DAY,
    "record.": _RECORD,
    "structure.": _STRUCTURE,
    "learning.": _LEARNING,
}
# Weak drill criterion (a rubric item name, or part of it) → remedy.
CRITERION_REMEDIES: dict[str, Remedy] = {
    "人数": _GENERAL,
    "计票": _GENERAL,
    "表决": _GENERAL,
    "记录": _RECORD,
    "程序": _GENERAL,
}


def remedy_for(rule: str) -> Remedy | None:
    if rule in RULE_REMEDIES:
        return RULE_REMEDIES[rule]
    for key, remedy in RULE_REMEDIES.items():
        if key.endswith(".") and rule.startswith(key):
            return remedy
    return None


def criterion_remedy(name: str) -> Remedy | None:
    return next((r for key, r in CRITERION_REMEDIES.items() if key in name), None)


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str  # the rule's short title, e.g. 党员大会到会人数不足
    message: str = ""


@dataclass(frozen=True)
class Facts:
    layers: frozenset[str]
    domain: str = ""
    wrong_topics: dict[str, int] = field(default_factory=dict)  # exam topic → wrong answers
    weak_criteria: tuple[tuple[str, float], ...] = ()  # (criterion, share of full marks)
    findings: tuple[Finding, ...] = ()
    hours_owed: float = 0.0
    hours_required: float = 0.0


@dataclass(frozen=True)
class Candidate:
    kind: str  # "item" | "drill" | "class"
    key: str
    title: str
    url: str = ""
    tags: frozenset[str] = frozenset()  # library tag codes (role, domain, topic)
    text: str = ""  # title, summary and tag names, for matching exam topics
    meeting: str = ""  # drill: its meeting; class: meetings its drills play
    category: str = ""  # class category
    studied: bool = False  # item: studying it earns learning hours
    done: bool = False  # already finished / attended


@dataclass
class Recommendation:
    kind: str
    key: str
    title: str
    url: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # a drill: its procedure, shown with it

    def add(self, points: float, reason: str) -> None:
        self.score += points
        if reason not in self.reasons:
            self.reasons.append(reason)


# What each reason is worth: the person's own shortfalls first, their layer and domain last.
W_FINDING, W_CRITERION, W_TOPIC, W_HOURS, W_LAYER, W_DOMAIN = 40.0, 25.0, 20.0, 10.0, 5.0, 2.0
FIT_ONLY = 4


def _matches_remedy(c: Candidate, remedy: Remedy) -> bool:
    if c.kind == "drill":
        return bool(remedy.meeting) and c.meeting == remedy.meeting
    if c.kind == "class":
        return (bool(remedy.meeting) and remedy.meeting in c.meeting) or c.category in remedy.categories
    return bool(c.tags & remedy.topics) and any(k in c.text for k in remedy.keywords)


def recommend(facts: Facts, candidates: Iterable[Candidate], limit: int = 12) -> list[Recommendation]:
    """The candidates that answer something about this person, best first, each with its reasons."""
    layer_names = "、".join(LAYERS[x] for x in sorted(facts.layers) if x in LAYERS)
    layer_tags = set().union(*(LAYER_TAGS.get(x, set()) for x in facts.layers)) if facts.layers else set()
    layer_cats = (
        set().union(*(LAYER_CATEGORIES.get(x, set()) for x in facts.layers)) if facts.layers else set()
    )
    remedies = []
    for f in facts.findings:
        remedy = remedy_for(f.rule)
        if remedy and remedy.layers & facts.layers:
            remedies.append(
                (remedy, f"本支部合规检查发现“{f.title}”，{_layer_names(remedy)}需掌握“{remedy.title}”")
            )
    weak = []
    for name, share in facts.weak_criteria:
        remedy = criterion_remedy(name)
        if remedy:
            weak.append((remedy, f"模拟演练“{name}”一项仅得 {round(share * 100)}% 的分"))
    out: dict[str, Recommendation] = {}
    for c in candidates:
        if c.done:
            continue
        rec = Recommendation(c.kind, c.key, c.title, c.url)
        for remedy, reason in remedies:
            if _matches_remedy(c, remedy):
                rec.add(W_FINDING, reason)
        for remedy, reason in weak:
            if c.kind in ("drill", "class") and _matches_remedy(c, remedy):
                rec.add(W_CRITERION, reason)
        if c.kind == "item":
            for topic, wrong in sorted(facts.wrong_topics.items()):
                if topic and topic in c.text:
                    rec.add(W_TOPIC + min(wrong, 5), f"考试中“{topic}”专题答错 {wrong} 题")
            if c.studied and facts.hours_owed > 0 and c.tags & layer_tags:
                rec.add(
                    W_HOURS, f"本年度学时尚差 {facts.hours_owed:g} 学时（应完成 {facts.hours_required:g}）"
                )
        if (c.kind == "item" and c.tags & layer_tags) or (c.kind == "class" and c.category in layer_cats):
            rec.add(W_LAYER, f"适合{layer_names}")
        if rec.score and facts.domain and facts.domain in c.tags:  # a domain fit only adds to another reason
            rec.add(W_DOMAIN, f"适合{DOMAINS.get(facts.domain, facts.domain)}支部")
        if rec.score:
            out[c.key] = rec
    ranked = sorted(
        out.values(), key=lambda r: (-r.score, {"drill": 0, "class": 1, "item": 2}[r.kind], r.title)
    )
    # A mere fit of layer and domain answers no shortfall: a few such suggestions, not a flood.
    fit_only = {r.key for r in ranked if r.score <= W_LAYER + W_DOMAIN}
    keep = set([r.key for r in ranked if r.key in fit_only][:FIT_ONLY])
    return [r for r in ranked if r.key not in fit_only or r.key in keep][:limit]


def _layer_names(remedy: Remedy) -> str:
    return "、".join(LAYERS[x] for x in sorted(remedy.layers, key=list(LAYERS).index))


def layer_of(roles: Iterable[str]) -> frozenset[str]:
    """The layers of a person from their MemberRole kinds in office (none → ordinary member)."""
    roles = set(roles)
    layers = set()
    if "secretary" in roles:
        layers.add("secretary")
    if roles & {"deputy_secretary", "committee_member"}:
        layers.add("committee")
    if "group_leader" in roles:
        layers.add("group_leader")
    return frozenset(layers or {"member"})
