"""The compliance engine (一规): a ledger and a window in, a `zhibu.compliance-report/1` dict out.

Pure standard-library Python; the rules are those of the spec, section 3, and every number comes from
the rule configuration (section 4). Rule texts and citations are data in `RULES` and can be replaced
through the configuration key `messages`.
"""

from __future__ import annotations

import copy
import string
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from .ledger import DOMAINS, MEETING_TYPES, Ledger, Meeting

REPORT_FORMAT = "zhibu.compliance-report/1"

VIOLATION = "violation"
WARNING = "warning"

DEFAULT_CONFIG: dict[str, Any] = {
    "frequency": {
        "general_meeting": "quarter",
        "committee_meeting": "month",
        "group_meeting": "month",
        "party_lecture": "quarter",
        "theme_day": "month",
        "org_life_meeting": "year",
        "democratic_appraisal": "year",
    },
    "quorum_inclusive_half": False,
    "submit_within_days": 7,
    "learning_hours": {"member": 32, "committee": 56},
    "min_full_members": 3,
    "committee_threshold": 7,
    "committee_min": 3,
    "committee_max": 7,
    "size_max": 50,
    "term_years": {"rural": 5, "community": 5, "default": 3},
    "secretary_lecture": True,
}

COMMITTEE_ROLES = frozenset({"secretary", "deputy_secretary", "committee_member"})
PERIODS = ("month", "quarter", "year")

TYPE_NAMES = {
    "theme_day": "主题党日",
    "general_meeting": "支部党员大会",
    "party_lecture": "党课",
    "committee_meeting": "支委会",
    "group_meeting": "党小组会",
    "org_life_meeting": "组织生活会",
    "democratic_appraisal": "民主评议党员",
}
FIELD_NAMES = {
    "place": "会议地点",
    "chair": "主持人",
    "recorder": "记录人",
    "topic": "议题",
    "minutes": "会议记录",
    "present": "到会人员名单",
    "lecturer": "授课人",
    "group": "党小组",
}
EVERY = {"month": "每月", "quarter": "每季度", "year": "每年"}
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")


# ---------------------------------------------------------------------------------------------------
# The rule catalogue: severity, message template and citation are data

_BRANCH_RULES = "《中国共产党支部工作条例（试行）》"
_EDUCATION_RULES = "《中国共产党党员教育管理工作条例》"
_RECORD_CITATION = f"{_BRANCH_RULES}第十六条；一规·组织生活纪实要求"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    title: str
    message: str
    citation: str


def _rule(rule_id: str, severity: str, title: str, message: str, citation: str) -> tuple[str, Rule]:
    return rule_id, Rule(rule_id, severity, title, message, citation)


RULES: dict[str, Rule] = dict(
    [
        # 3.1 record rules: {date} {meeting} name the record, e.g. "2024年3月5日" "主题党日、党课"
        _rule(
            "record.attendance_unknown",
            VIOLATION,
            "出缺席名单有非本支部党员",
            "{date}{meeting}记录的出缺席名单中，{people}在会议当天不是本支部党员；请核对名单，删除或更正这些人员",
            _RECORD_CITATION,
        ),
        _rule(
            "record.attendance_conflict",
            VIOLATION,
            "出缺席名单重复",
            "{date}{meeting}记录中，{people}在到会和缺席名单里重复出现；请核对，每人只保留一处",
            _RECORD_CITATION,
        ),
        _rule(
            "record.absence_reason",
            WARNING,
            "缺席未写原因",
            "{date}{meeting}记录中，{people}缺席但没有写原因；请补填请假或缺席原因",
            _RECORD_CITATION,
        ),
        _rule(
            "record.attendance_incomplete",
            WARNING,
            "出缺席登记不全",
            "{date}{meeting}应到{expected}人，其中{people}既不在到会名单也不在缺席名单；请补全出缺席登记",
            _RECORD_CITATION,
        ),
        _rule(
            "record.missing_fields",
            VIOLATION,
            "纪实要素不全",
            "{date}{meeting}记录缺少{fields}；请补充完整后重新提交",
            _RECORD_CITATION,
        ),
        _rule(
            "record.group_unknown",
            VIOLATION,
            "党小组不存在",
            "{date}党小组会记录填写的党小组“{group}”在本支部不存在；请改为本支部已有的党小组",
            f"{_BRANCH_RULES}第十三条",
        ),
        _rule(
            "record.signin",
            VIOLATION,
            "缺少签到表",
            "{date}{meeting}记录没有上传签到表；请补传签到簿照片或电子签到记录",
            _RECORD_CITATION,
        ),
        _rule(
            "record.photo",
            WARNING,
            "主题党日缺少照片",
            "{date}主题党日记录没有上传活动照片；请补传现场照片",
            f"{_BRANCH_RULES}第十七条",
        ),
        _rule(
            "record.dates",
            VIOLATION,
            "提交日期早于会议日期",
            "{date}{meeting}记录的提交日期（{submitted}）早于会议日期；请核对会议日期和提交日期",
            _RECORD_CITATION,
        ),
        _rule(
            "record.late",
            WARNING,
            "纪实上传不及时",
            "{date}{meeting}记录到{submitted}才提交，比会后{limit}天内提交的要求晚了{late}天；今后请在会后{limit}天内上传纪实",
            _RECORD_CITATION,
        ),
        # 3.2 validity
        _rule(
            "general_meeting.quorum",
            VIOLATION,
            "党员大会到会人数不足",
            "{date}支部党员大会到会正式党员{present}人，应到{expected}人，{shortfall}，会议无效；"
            "请重新召开并确保至少{needed}名正式党员到会",
            f"{_BRANCH_RULES}第十一条",
        ),
        _rule(
            "election.quorum",
            VIOLATION,
            "选举到会人数不足五分之四",
            "{date}支部党员大会进行选举，到会正式党员{present}人，应到{expected}人，未超过五分之四"
            "（至少需{needed}人），选举无效；请另行召开党员大会重新选举",
            "《中国共产党基层组织选举工作条例》",
        ),
        _rule(
            "general_meeting.vote_count",
            VIOLATION,
            "表决票数多于到会人数",
            "{date}支部党员大会表决“{title}”共{votes}票（赞成{yes}、反对{no}、弃权{abstain}），"
            "多于到会正式党员{present}人；请核对票数，预备党员没有表决权",
            f"{_BRANCH_RULES}第十一条",
        ),
        _rule(
            "general_meeting.resolution",
            VIOLATION,
            "赞成票未过应到会半数",
            "{date}支部党员大会表决“{title}”赞成{yes}票，应到会有表决权的党员{expected}人，"
            "赞成票未超过半数（至少需{needed}票），不能宣布通过；请更正表决结果或重新表决",
            f"{_BRANCH_RULES}第十一条",
        ),
        _rule(
            "committee_meeting.quorum",
            VIOLATION,
            "支委会到会委员不足",
            "{date}支委会到会委员{present}人，支委会共有委员{committee}人，{shortfall}，会议无效；"
            "请重新召开并确保至少{needed}名委员到会",
            f"{_BRANCH_RULES}第十二条",
        ),
        # 3.3 frequency: {period} is e.g. "2024年第二季度", {every} "每季度", {failed} notes invalid records
        _rule(
            "general_meeting.frequency",
            VIOLATION,
            "未按期召开党员大会",
            "{period}未召开有效的支部党员大会{failed}；党员大会{every}至少召开1次，请尽快召开并上传会议纪实",
            f"{_BRANCH_RULES}第十一条",
        ),
        _rule(
            "committee_meeting.frequency",
            VIOLATION,
            "未按期召开支委会",
            "{period}未召开有效的支委会{failed}；支委会一般{every}召开1次，请尽快召开并上传会议纪实",
            f"{_BRANCH_RULES}第十二条",
        ),
        _rule(
            "group_meeting.frequency",
            VIOLATION,
            "未按期召开党小组会",
            "{period}{group}未召开党小组会{failed}；党小组会一般{every}召开1次，请党小组长组织召开并上传纪实",
            f"{_BRANCH_RULES}第十三条",
        ),
        _rule(
            "party_lecture.frequency",
            VIOLATION,
            "未按期上党课",
            "{period}未上党课；党课{every}至少1次，请安排授课并上传纪实",
            f"{_BRANCH_RULES}第十六条",
        ),
        _rule(
            "theme_day.frequency",
            VIOLATION,
            "未开展主题党日",
            "{period}未开展主题党日；主题党日{every}开展1次，请尽快组织并上传纪实",
            f"{_BRANCH_RULES}第十七条",
        ),
        _rule(
            "org_life_meeting.frequency",
            VIOLATION,
            "未召开组织生活会",
            "{period}未召开组织生活会；组织生活会{every}至少召开1次，请召开并上传纪实",
            f"{_BRANCH_RULES}第十八条",
        ),
        _rule(
            "democratic_appraisal.frequency",
            VIOLATION,
            "未开展民主评议党员",
            "{period}未开展民主评议党员；民主评议{every}开展1次，请召开党员大会组织评议并上传纪实",
            f"{_BRANCH_RULES}第十九条",
        ),
        _rule(
            "party_lecture.secretary",
            VIOLATION,
            "书记未讲党课",
            "{year}年支部书记{name}没有给党员讲党课；书记每年至少讲1次党课，请安排并在党课纪实中登记授课人",
            f"{_BRANCH_RULES}第十六条",
        ),
        # 3.4 learning
        _rule(
            "learning.hours",
            VIOLATION,
            "学习培训学时不足",
            "{year}年{name}{role}集中学习培训{hours}学时，不足{required}学时（还差{short}学时）；"
            "请督促参加集中学习或网上学习补足学时",
            f"{_EDUCATION_RULES}第二十条",
        ),
        # 3.5 structure: {date} is the evaluation day
        _rule(
            "structure.min_full_members",
            VIOLATION,
            "正式党员不足",
            "截至{date}，支部只有正式党员{full}人，不足{min}人；请报上级党组织，按规定与邻近单位联合成立党支部",
            f"{_BRANCH_RULES}第五条",
        ),
        _rule(
            "structure.committee",
            VIOLATION,
            "应设未设支部委员会",
            "截至{date}，支部有正式党员{full}人（{threshold}人以上应设支部委员会），但委员只有{committee}人，"
            "不足{min}人；请召开党员大会选举产生支部委员会",
            f"{_BRANCH_RULES}第二十二条",
        ),
        _rule(
            "structure.committee_size",
            WARNING,
            "支委会人数过多",
            "截至{date}，支部委员会有{committee}人，超过{max}人；请按规定调整委员职数",
            f"{_BRANCH_RULES}第二十二条",
        ),
        _rule(
            "structure.size",
            WARNING,
            "支部党员人数过多",
            "截至{date}，支部有党员{members}人，超过{max}人；请报上级党组织研究分设党支部或成立党总支",
            f"{_BRANCH_RULES}第六条",
        ),
        _rule(
            "structure.secretary",
            VIOLATION,
            "没有支部书记",
            "截至{date}，支部没有书记；请尽快按程序选举产生书记并报上级党组织批准",
            f"{_BRANCH_RULES}第二十二条",
        ),
        _rule(
            "structure.term",
            VIOLATION,
            "支委会任期已满",
            "支部委员会于{elected}选举产生，每届任期{term}年，已于{expires}届满；请及时召开党员大会进行换届选举",
            f"{_BRANCH_RULES}第二十三条",
        ),
        _rule(
            "structure.term_unknown",
            WARNING,
            "换届时间不明",
            "台账中没有支部委员会上次选举日期，无法判断是否按期换届；请补填换届选举日期",
            f"{_BRANCH_RULES}第二十三条",
        ),
    ]
)


# ---------------------------------------------------------------------------------------------------
# Configuration


class ConfigError(ValueError):
    """A malformed rule configuration; `path` is the JSON path of the problem."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(path, message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def merge_config(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` overridden key by key by `override`; nested objects merge, anything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@dataclass(frozen=True, slots=True)
class Settings:
    """A validated configuration, ready for the engine."""

    frequency: dict[str, str | None]
    inclusive_half: bool
    submit_within_days: int
    learning_hours: tuple[float, float] | None  # (member, committee); None switches the rule off
    min_full_members: int
    committee_threshold: int
    committee_min: int
    committee_max: int
    size_max: int
    term_years: dict[str, int]
    secretary_lecture: bool
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule -> (message, citation)


_COUNT_KEYS = (
    "submit_within_days",
    "min_full_members",
    "committee_threshold",
    "committee_min",
    "committee_max",
    "size_max",
)
_KNOWN_KEYS = frozenset(DEFAULT_CONFIG) | {"messages"}


def settings_from_config(config: Mapping[str, Any] | None = None) -> Settings:
    """Merge `config` over DEFAULT_CONFIG and validate it; problems raise ConfigError."""
    if config is not None and not isinstance(config, Mapping):
        raise ConfigError("", "the configuration is not an object")
    merged = merge_config(DEFAULT_CONFIG, config or {})
    for key in merged:
        if key not in _KNOWN_KEYS:
            raise ConfigError(key, "unknown configuration key")
    counts = {key: _config_count(merged[key], key) for key in _COUNT_KEYS}
    return Settings(
        frequency=_config_frequency(merged["frequency"]),
        inclusive_half=_config_bool(merged["quorum_inclusive_half"], "quorum_inclusive_half"),
        learning_hours=_config_hours(merged["learning_hours"]),
        term_years=_config_terms(merged["term_years"]),
        secretary_lecture=_config_bool(merged["secretary_lecture"], "secretary_lecture"),
        texts=_config_texts(merged.get("messages") or {}),
        **counts,
    )


def _config_frequency(value: Any) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise ConfigError("frequency", "not an object")
    for kind, period in value.items():
        if kind not in MEETING_TYPES:
            raise ConfigError(f"frequency.{kind}", "unknown meeting type")
        if period is not None and period not in PERIODS:
            raise ConfigError(f"frequency.{kind}", f"not month, quarter, year or null: {period!r}")
    return dict(value)


def _config_bool(value: Any, at: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(at, f"not true or false: {value!r}")
    return value


def _config_count(value: Any, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(at, f"not a whole number >= 0: {value!r}")
    return value


def _config_number(value: Any, at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ConfigError(at, f"not a number >= 0: {value!r}")
    return value


def _config_hours(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError("learning_hours", "not an object")
    return (
        _config_number(value.get("member"), "learning_hours.member"),
        _config_number(value.get("committee"), "learning_hours.committee"),
    )


def _config_terms(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ConfigError("term_years", "not an object")
    for domain, years in value.items():
        if domain != "default" and domain not in DOMAINS:
            raise ConfigError(f"term_years.{domain}", "unknown domain")
        _config_count(years, f"term_years.{domain}")
    if "default" not in value:
        raise ConfigError("term_years.default", "missing")
    return dict(value)


def _config_texts(value: Any) -> dict[str, tuple[str, str]]:
    if not isinstance(value, Mapping):
        raise ConfigError("messages", "not an object")
    texts = {}
    for rule_id, entry in value.items():
        at = f"messages.{rule_id}"
        if rule_id not in RULES:
            raise ConfigError(at, "unknown rule")
        if not isinstance(entry, Mapping):
            raise ConfigError(at, "not an object")
        message = entry.get("message", RULES[rule_id].message)
        citation = entry.get("citation", RULES[rule_id].citation)
        _check_template(message, f"{at}.message")
        if not isinstance(citation, str):
            raise ConfigError(f"{at}.citation", "not a string")
        texts[rule_id] = (message, citation)
    return texts


def _check_template(template: Any, at: str) -> None:
    if not isinstance(template, str):
        raise ConfigError(at, "not a string")
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ConfigError(at, f"not a valid template: {exc}") from None
    for name in names:
        if not name.isidentifier():
            raise ConfigError(at, f"placeholders are plain names like {{date}}, not {{{name}}}")


# ---------------------------------------------------------------------------------------------------
# Window and periods


@dataclass(frozen=True, slots=True)
class Window:
    """One evaluation: `from_` and `to` inclusive; `as_of` defaults to `to`."""

    from_: date
    to: date
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.as_of is None:
            object.__setattr__(self, "as_of", self.to)


class Period(NamedTuple):
    key: str  # "2024-03", "2024-Q2" or "2024"
    first: date
    last: date


def period_key(day: date, kind: str) -> str:
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


@lru_cache(maxsize=1024)
def evaluated_periods(start: date, end: date, kind: str) -> tuple[Period, ...]:
    """The months, quarters or years lying wholly inside [start, end], in order."""
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    periods = []
    year, month = start.year, 1 + (start.month - 1) // months * months
    while date(year, month, 1) <= end:
        first = date(year, month, 1)
        next_year, next_month = (year + 1, 1) if month + months > 12 else (year, month + months)
        last = date(next_year, next_month, 1) - timedelta(days=1)
        if first >= start and last <= end:
            periods.append(Period(period_key(first, kind), first, last))
        year, month = next_year, next_month
    return tuple(periods)


def period_label(key: str) -> str:
    """A period key in Chinese: "2024年3月", "2024年第二季度", "2024年"."""
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return f"{year}年{QUARTER_NAMES[int(quarter) - 1]}"
    if "-" in key:
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    return f"{key}年"


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------------------------------------------
# Who is where, when


class Snapshot(NamedTuple):
    """The branch on one day."""

    in_branch: frozenset[str]
    full: frozenset[str]
    excluded: frozenset[str]
    committee: frozenset[str]
    secretaries: frozenset[str]


class People:
    """Member intervals precomputed once; snapshots are cached per stretch of days without a change."""

    def __init__(self, ledger: Ledger) -> None:
        self.by_id = {m.id: m for m in ledger.members}
        self.in_group: dict[str | None, frozenset[str]] = defaultdict(frozenset)
        for group in {m.group for m in ledger.members}:
            self.in_group[group] = frozenset(m.id for m in ledger.members if m.group == group)
        self._spans = [(m.id, m.joined, m.left, m.full_since) for m in ledger.members]
        self._exclusions = [(e.member, e.from_, e.to) for e in ledger.exclusions]
        self._roles = [
            (m.id, r.role, r.from_, r.to)
            for m in ledger.members
            for r in m.roles
            if r.role in COMMITTEE_ROLES
        ]
        # The first days on which anyone's standing changes; between two of them every snapshot is equal.
        changes = {day for span in self._spans for day in span[1:] if day is not None}
        inclusive_ends: list[tuple[date, date | None]] = [(start, end) for _, start, end in self._exclusions]
        inclusive_ends += [(start, end) for _, _, start, end in self._roles]
        for start, end in inclusive_ends:
            changes.add(start)
            if end is not None and end < date.max:
                changes.add(end + timedelta(days=1))
        self._changes = sorted(changes)
        self._cache: dict[int, Snapshot] = {}

    def at(self, day: date) -> Snapshot:
        stretch = bisect_right(self._changes, day)
        snapshot = self._cache.get(stretch)
        if snapshot is None:
            snapshot = self._cache[stretch] = self._snapshot(day)
        return snapshot

    def _snapshot(self, day: date) -> Snapshot:
        in_branch, full = set(), set()
        for member_id, joined, left, full_since in self._spans:
            if joined <= day and (left is None or day < left):
                in_branch.add(member_id)
                if full_since is not None and full_since <= day:
                    full.add(member_id)
        excluded = {m for m, start, end in self._exclusions if start <= day <= end}
        committee, secretaries = set(), set()
        for member_id, role, start, end in self._roles:
            if start <= day and (end is None or day <= end) and member_id in in_branch:
                committee.add(member_id)
                if role == "secretary":
                    secretaries.add(member_id)
        return Snapshot(
            frozenset(in_branch),
            frozenset(full),
            frozenset(excluded),
            frozenset(committee),
            frozenset(secretaries),
        )

    def name(self, member_id: str) -> str:
        """The member's name; an id that is nobody in the ledger is shown quoted as written."""
        member = self.by_id.get(member_id)
        if member is None:
            return f"“{member_id}”"
        return member.name or member_id

    def names(self, member_ids: Iterable[str], limit: int = 5) -> str:
        """Up to `limit` names joined with 、, then "等N人"."""
        ids = list(member_ids)
        shown = "、".join(self.name(m) for m in ids[:limit])
        return shown if len(ids) <= limit else f"{shown}等{len(ids)}人"


# ---------------------------------------------------------------------------------------------------
# The check


class Finding(NamedTuple):
    rule: str
    period: str
    subject: str | None
    records: list[str]
    params: dict[str, Any]


def check(
    ledger: Ledger, window: Window, config: Mapping[str, Any] | Settings | None = None
) -> dict[str, Any]:
    """Evaluate `ledger` over `window`; `config` overrides DEFAULT_CONFIG key by key (or is ready Settings)."""
    settings = config if isinstance(config, Settings) else settings_from_config(config)
    findings = _Evaluation(ledger, window, settings).run()
    return _report(ledger, window, settings, findings)


def _report(ledger: Ledger, window: Window, settings: Settings, findings: list[Finding]) -> dict[str, Any]:
    findings.sort(key=lambda f: (f.period, f.rule, f.subject or ""))
    rendered = [_render(f, settings) for f in findings]
    violations = sum(1 for f in rendered if f["severity"] == VIOLATION)
    as_of = window.as_of or window.to
    return {
        "format": REPORT_FORMAT,
        "branch": ledger.branch.code,
        "window": {"from": window.from_.isoformat(), "to": window.to.isoformat(), "as_of": as_of.isoformat()},
        "findings": rendered,
        "summary": {"violations": violations, "warnings": len(rendered) - violations},
    }


class _Defaulting(dict[str, Any]):
    """Leaves an unknown placeholder as it is, so an edited template never breaks a report."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(finding: Finding, settings: Settings) -> dict[str, Any]:
    rule = RULES[finding.rule]
    template, citation = settings.texts.get(rule.id, (rule.message, rule.citation))
    try:
        message = template.format_map(_Defaulting(finding.params))
    except (ValueError, AttributeError, IndexError, KeyError):
        message = rule.message.format_map(_Defaulting(finding.params))
    return {
        "rule": rule.id,
        "severity": rule.severity,
        "period": finding.period,
        "subject": finding.subject,
        "message": message,
        "citation": citation,
        "records": finding.records,
    }


class _Tally(NamedTuple):
    """One live record seen by a frequency rule."""

    day: date
    id: str
    counts: bool
    group: str | None


class _Evaluation:
    def __init__(self, ledger: Ledger, window: Window, settings: Settings) -> None:
        self.ledger = ledger
        self.settings = settings
        self.as_of = window.as_of or window.to
        established = ledger.branch.established
        self.start = max(window.from_, established) if established else window.from_
        self.end = min(window.to, self.as_of)
        self.people = People(ledger)
        self.group_ids = {g.id for g in ledger.groups}
        self.findings: list[Finding] = []
        # (type, period key) -> live records of that type in that period
        self.tallies: dict[tuple[str, str], list[_Tally]] = defaultdict(list)
        # year -> lecturers of the live party lectures held that year
        self.lecturers: dict[int, set[str | None]] = defaultdict(set)

    def run(self) -> list[Finding]:
        for record in self.ledger.meetings:
            if self._is_live(record):
                self._check_record(record)
        self._check_frequency()
        self._check_secretary_lectures()
        self._check_learning()
        self._check_structure()
        return self.findings

    def _add(self, rule: str, key: str, subject: str | None, records: list[str], **params: Any) -> None:
        """Record a finding; `key` is its period, `params` fill the message template."""
        self.findings.append(Finding(rule, key, subject, records, params))

    def _is_live(self, record: Meeting) -> bool:
        submitted = record.submitted
        return submitted is not None and submitted <= self.as_of and self.start <= record.date <= self.end

    # -- 3.1 and 3.2: one live record ------------------------------------------------------------

    def _check_record(self, record: Meeting) -> None:
        snap = self.people.at(record.date)
        base = {"date": cn_date(record.date), "meeting": "、".join(TYPE_NAMES[t] for t in record.types)}
        period = period_key(record.date, "month")
        self._check_attendance(record, snap, period, base)
        self._check_contents(record, period, base)
        self._check_dates(record, period, base)
        present = snap.in_branch.intersection(record.present)
        counts = {t: True for t in record.types}
        if "general_meeting" in counts:
            counts["general_meeting"] = self._check_general_meeting(record, snap, present, period, base)
        if "committee_meeting" in counts:
            counts["committee_meeting"] = self._check_committee_meeting(record, snap, present, period, base)
        if "group_meeting" in counts:
            counts["group_meeting"] = record.group in self.group_ids
        if "party_lecture" in counts:
            self.lecturers[record.date.year].add(record.lecturer)
        for kind, ok in counts.items():
            frequency = self.settings.frequency.get(kind)
            if frequency is not None:
                tally = _Tally(record.date, record.id, ok, record.group)
                self.tallies[(kind, period_key(record.date, frequency))].append(tally)

    def _check_attendance(self, record: Meeting, snap: Snapshot, period: str, base: dict[str, Any]) -> None:
        named = list(record.present) + [a.member for a in record.absent]
        unknown = [m for m in dict.fromkeys(named) if m not in snap.in_branch]
        if unknown:
            self._flag(record, "record.attendance_unknown", period, base, people=self.people.names(unknown))
        if len(set(named)) < len(named):
            twice = [m for m, times in Counter(named).items() if times > 1]
            self._flag(record, "record.attendance_conflict", period, base, people=self.people.names(twice))
        no_reason = [a.member for a in record.absent if _blank(a.reason)]
        if no_reason:
            self._flag(record, "record.absence_reason", period, base, people=self.people.names(no_reason))
        expected = self._expected(record, snap)
        missing = expected.difference(named)
        if missing:
            people = self.people.names(sorted(missing))
            self._flag(
                record, "record.attendance_incomplete", period, base, people=people, expected=len(expected)
            )

    def _expected(self, record: Meeting, snap: Snapshot) -> set[str]:
        expected: set[str] = set()
        types = record.types
        if "general_meeting" in types or "theme_day" in types:
            expected |= snap.in_branch - snap.excluded
        if "committee_meeting" in types:
            expected |= snap.committee
        if "group_meeting" in types and record.group in self.group_ids:
            expected |= (snap.in_branch - snap.excluded) & self.people.in_group[record.group]
        return expected

    def _check_contents(self, record: Meeting, period: str, base: dict[str, Any]) -> None:
        missing = [
            name
            for name in ("place", "chair", "recorder", "topic", "minutes")
            if _blank(getattr(record, name))
        ]
        if not record.present:
            missing.append("present")
        if "party_lecture" in record.types and _blank(record.lecturer):
            missing.append("lecturer")
        is_group_meeting = "group_meeting" in record.types
        if is_group_meeting and _blank(record.group):
            missing.append("group")
        if missing:
            fields = "、".join(FIELD_NAMES[name] for name in missing)
            self._flag(record, "record.missing_fields", period, base, fields=fields)
        if is_group_meeting and not _blank(record.group) and record.group not in self.group_ids:
            self._flag(record, "record.group_unknown", period, base, group=record.group)
        types = record.types
        needs_signin = "general_meeting" in types or "committee_meeting" in types or "theme_day" in types
        if needs_signin and "signin" not in record.attachments:
            self._flag(record, "record.signin", period, base)
        if "theme_day" in types and "photo" not in record.attachments:
            self._flag(record, "record.photo", period, base)

    def _check_dates(self, record: Meeting, period: str, base: dict[str, Any]) -> None:
        submitted = record.submitted
        assert submitted is not None  # live records are submitted
        if submitted < record.date:
            self._flag(record, "record.dates", period, base, submitted=cn_date(submitted))
            return
        limit = self.settings.submit_within_days
        days = (submitted - record.date).days
        if days > limit:
            lateness: dict[str, Any] = {"submitted": cn_date(submitted), "limit": limit, "late": days - limit}
            self._flag(record, "record.late", period, base, **lateness)

    def _check_general_meeting(
        self, record: Meeting, snap: Snapshot, present: frozenset[str], period: str, base: dict[str, Any]
    ) -> bool:
        """Validity rules for a general meeting; True when its quorum holds."""
        voters = len(present & snap.full)
        excluded_full = snap.full & snap.excluded
        entitled = len(snap.full) - len(excluded_full) + len(excluded_full & present)
        numbers: dict[str, Any] = {"present": voters, "expected": entitled}
        quorum = self._half_quorum(voters, entitled)
        if not quorum:
            self._flag(
                record, "general_meeting.quorum", period, base, **numbers, **self._half_words(entitled)
            )
        if record.election and not 5 * voters > 4 * entitled:
            self._flag(record, "election.quorum", period, base, **numbers, needed=4 * entitled // 5 + 1)
        for index, vote in enumerate(record.resolutions):
            total = vote.yes + vote.no + vote.abstain
            title = vote.title or f"第{index + 1}项"
            votes = {"title": title, "yes": vote.yes, "no": vote.no, "abstain": vote.abstain, "votes": total}
            detail = {**numbers, **votes, "needed": entitled // 2 + 1}
            subject = f"{record.id}#{index}"
            if total > voters:
                self._flag(record, "general_meeting.vote_count", period, base, subject, **detail)
            if vote.declared == "passed" and not 2 * vote.yes > entitled:
                self._flag(record, "general_meeting.resolution", period, base, subject, **detail)
        return quorum

    def _check_committee_meeting(
        self, record: Meeting, snap: Snapshot, present: frozenset[str], period: str, base: dict[str, Any]
    ) -> bool:
        """The committee quorum; True when it holds."""
        size = len(snap.committee)
        attending = len(present & snap.committee)
        quorum = self._half_quorum(attending, size)
        if not quorum:
            words = self._half_words(size)
            self._flag(
                record, "committee_meeting.quorum", period, base, present=attending, committee=size, **words
            )
        return quorum

    def _half_quorum(self, attending: int, of: int) -> bool:
        if self.settings.inclusive_half:
            return of > 0 and 2 * attending >= of
        return of > 0 and 2 * attending > of

    def _half_words(self, of: int) -> dict[str, Any]:
        if self.settings.inclusive_half:
            return {"shortfall": "未达到半数", "needed": max(1, (of + 1) // 2)}
        return {"shortfall": "未超过半数", "needed": of // 2 + 1}

    def _flag(
        self,
        record: Meeting,
        rule: str,
        key: str,
        base: dict[str, Any],
        subject: str | None = None,
        **params: Any,
    ) -> None:
        """A finding about one record (3.1, 3.2)."""
        self._add(rule, key, subject or record.id, [record.id], **base, record=record.id, **params)

    # -- 3.3 frequency ---------------------------------------------------------------------------

    def _check_frequency(self) -> None:
        for kind, frequency in self.settings.frequency.items():
            if frequency is None:
                continue
            for period in evaluated_periods(self.start, self.end, frequency):
                if kind == "group_meeting":
                    self._check_group_meetings(period, frequency)
                    continue
                if kind == "committee_meeting":
                    if len(self.people.at(period.last).committee) < self.settings.committee_min:
                        continue
                tallies = self.tallies.get((kind, period.key), [])
                if not any(t.counts for t in tallies):
                    self._missed(kind, period, frequency, None, tallies)

    def _check_group_meetings(self, period: Period, frequency: str) -> None:
        tallies = self.tallies.get(("group_meeting", period.key), [])
        held = {t.group for t in tallies if t.counts}
        in_branch = self.people.at(period.last).in_branch
        for group in self.ledger.groups:
            if group.id not in held and not in_branch.isdisjoint(self.people.in_group[group.id]):
                self._missed(
                    "group_meeting", period, frequency, group.id, tallies, group=group.name or group.id
                )

    def _missed(
        self,
        kind: str,
        period: Period,
        frequency: str,
        subject: str | None,
        tallies: list[_Tally],
        **params: Any,
    ) -> None:
        failed = sorted((t.day, t.id) for t in tallies if not t.counts)
        note = f"（本期有{len(failed)}次{TYPE_NAMES[kind]}记录无效，未计入）" if failed else ""
        rule = f"{kind}.frequency"
        records = [record_id for _, record_id in failed]
        self._add(
            rule,
            period.key,
            subject,
            records,
            period=period_label(period.key),
            every=EVERY[frequency],
            failed=note,
            **params,
        )

    def _check_secretary_lectures(self) -> None:
        if not self.settings.secretary_lecture:
            return
        for year in evaluated_periods(self.start, self.end, "year"):
            lecturers = self.lecturers.get(year.first.year, set())
            for member_id in sorted(self.people.at(year.last).secretaries - lecturers):
                name = self.people.name(member_id)
                self._add("party_lecture.secretary", year.key, member_id, [], year=year.key, name=name)

    # -- 3.4 learning ----------------------------------------------------------------------------

    def _check_learning(self) -> None:
        thresholds = self.settings.learning_hours
        if thresholds is None:
            return
        years = evaluated_periods(self.start, self.end, "year")
        if not years:
            return
        hours: dict[tuple[str, int], float] = defaultdict(float)
        for row in self.ledger.learning:
            hours[(row.member, row.year)] += row.hours
        for year in years:
            committee = self.people.at(year.last).committee
            for member in self.ledger.members:
                if member.joined > year.first or (member.left is not None and member.left <= year.last):
                    continue
                on_committee = member.id in committee
                required = thresholds[1] if on_committee else thresholds[0]
                done = hours.get((member.id, year.first.year), 0)
                if done < required:
                    hours_text = {
                        "hours": _number(done),
                        "required": _number(required),
                        "short": _number(required - done),
                    }
                    who = {"name": self.people.name(member.id), "role": "（支委）" if on_committee else ""}
                    self._add("learning.hours", year.key, member.id, [], year=year.key, **who, **hours_text)

    # -- 3.5 structure ---------------------------------------------------------------------------

    def _check_structure(self) -> None:
        if self.start > self.end:
            return
        s = self.settings
        snap = self.people.at(self.end)
        full, committee, members = len(snap.full), len(snap.committee), len(snap.in_branch)
        if full < s.min_full_members:
            self._structure("structure.min_full_members", full=full, min=s.min_full_members)
        if full >= s.committee_threshold and committee < s.committee_min:
            counts = {"full": full, "committee": committee}
            self._structure(
                "structure.committee", **counts, threshold=s.committee_threshold, min=s.committee_min
            )
        if committee > s.committee_max:
            self._structure("structure.committee_size", committee=committee, max=s.committee_max)
        if members > s.size_max:
            self._structure("structure.size", members=members, max=s.size_max)
        if not snap.secretaries:
            self._structure("structure.secretary")
        self._check_term()

    def _check_term(self) -> None:
        branch = self.ledger.branch
        elected = branch.committee_elected
        if elected is None:
            self._structure("structure.term_unknown")
            return
        terms = self.settings.term_years
        years = terms.get(branch.domain or "default", terms["default"])
        expires = add_years(elected, years)
        if expires <= self.end:
            self._structure("structure.term", elected=cn_date(elected), term=years, expires=cn_date(expires))

    def _structure(self, rule: str, **params: Any) -> None:
        """A structure finding: once, dated at the end of the evaluation."""
        self._add(rule, self.end.isoformat(), None, [], date=cn_date(self.end), **params)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _number(value: float) -> str:
    """Hours for people: 32, 31.5 (no trailing .0)."""
    return f"{round(value, 2):g}"
