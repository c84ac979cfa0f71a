"""The branch ledger `zhibu.branch-ledger/1` (一册): parse, validate and write back.

Pure standard-library Python; see the spec, section 2. A malformed ledger is rejected whole with a
`LedgerError` naming the JSON path of the first problem. Only what the spec calls malformed is
rejected: unknown keys are ignored, and attendance naming unknown people is left to the engine.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeGuard

FORMAT = "zhibu.branch-ledger/1"

DOMAINS = ("rural", "community", "agency", "enterprise", "school", "other")
MEETING_TYPES = (
    "theme_day",
    "general_meeting",
    "party_lecture",
    "committee_meeting",
    "group_meeting",
    "org_life_meeting",
    "democratic_appraisal",
)
ROLES = ("secretary", "deputy_secretary", "committee_member", "group_leader")
ATTACHMENT_KINDS = ("signin", "photo", "minutes_scan", "video", "audio", "other")
DECLARED = ("passed", "failed")

_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Meeting has a field called `date`, which hides the type inside its class body.
_Date = date


class LedgerError(ValueError):
    """A malformed ledger; `path` is the JSON path of the problem, e.g. `meetings[3].date`."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(path, message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class Branch:
    code: str
    name: str | None = None
    parent: str | None = None
    domain: str | None = None
    established: date | None = None
    committee_elected: date | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RoleTerm:
    role: str
    from_: date
    to: date | None = None


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    joined: date
    name: str | None = None
    full_since: date | None = None
    left: date | None = None
    group: str | None = None
    roles: tuple[RoleTerm, ...] = ()


@dataclass(frozen=True, slots=True)
class Exclusion:
    member: str
    from_: date
    to: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Absence:
    member: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    yes: int
    no: int
    abstain: int
    declared: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    types: tuple[str, ...]
    date: _Date
    submitted: _Date | None = None
    place: str | None = None
    chair: str | None = None
    recorder: str | None = None
    topic: str | None = None
    minutes: str | None = None
    lecturer: str | None = None
    group: str | None = None
    present: tuple[str, ...] = ()
    absent: tuple[Absence, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    election: bool = False
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Learning:
    member: str
    year: int
    hours: float


@dataclass(frozen=True, slots=True)
class Ledger:
    branch: Branch
    groups: tuple[Group, ...] = ()
    members: tuple[Member, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    learning: tuple[Learning, ...] = ()


# ---------------------------------------------------------------------------------------------------
# Reading


def load_ledger(path: str | Path) -> Ledger:
    """Read and parse a ledger file; invalid JSON or encoding raises LedgerError naming line and column."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LedgerError("", f"not UTF-8 text (byte {exc.start})") from exc
    return parse_ledger(loads_json(text))


def loads_json(text: str) -> Any:
    """Parse JSON text strictly (no NaN or Infinity); errors name the line and column."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise LedgerError("", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not allowed in JSON", name, 0)


def parse_ledger(data: Any) -> Ledger:
    """Validate a decoded `zhibu.branch-ledger/1` document and build the frozen Ledger."""
    doc = _object(data, "")
    if doc.get("format") != FORMAT:
        raise LedgerError("format", f"not {FORMAT!r}: {doc.get('format')!r}")
    branch = _parse_branch(_object(doc.get("branch"), "branch"), "branch")
    groups = tuple(_each(doc, "groups", "", _parse_group))
    _check_unique_ids(groups, "groups")
    group_ids = {g.id for g in groups}
    members = tuple(_each(doc, "members", "", lambda raw, at: _parse_member(raw, at, group_ids)))
    _check_unique_ids(members, "members")
    member_ids = {m.id for m in members}
    exclusions = tuple(_each(doc, "exclusions", "", lambda raw, at: _parse_exclusion(raw, at, member_ids)))
    meetings = tuple(_each(doc, "meetings", "", _parse_meeting))
    _check_unique_ids(meetings, "meetings")
    learning = tuple(_each(doc, "learning", "", lambda raw, at: _parse_learning(raw, at, member_ids)))
    return Ledger(branch, groups, members, exclusions, meetings, learning)


def _parse_branch(raw: dict[str, Any], at: str) -> Branch:
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        raise LedgerError(f"{at}.code", f"missing branch code: {code!r}")
    domain = raw.get("domain")
    if domain is not None and domain not in DOMAINS:
        raise LedgerError(f"{at}.domain", f"unknown domain: {domain!r}")
    return Branch(
        code=code,
        name=_text(raw.get("name")),
        parent=_text(raw.get("parent")),
        domain=domain,
        established=_date(raw, "established", at),
        committee_elected=_date(raw, "committee_elected", at),
    )


def _parse_group(raw: Any, at: str) -> Group:
    group = _object(raw, at)
    return Group(id=_id(group, at), name=_text(group.get("name")))


def _parse_member(raw: Any, at: str, group_ids: set[str]) -> Member:
    member = _object(raw, at)
    group = _text(member.get("group"))
    if group is not None and not group.strip():
        group = None  # a blank group is no group, not an unknown one
    if group is not None and group not in group_ids:
        raise LedgerError(f"{at}.group", f"unknown group: {group!r}")
    return Member(
        id=_id(member, at),
        name=_text(member.get("name")),
        joined=_required_date(member, "joined", at),
        full_since=_date(member, "full_since", at),
        left=_date(member, "left", at),
        group=group,
        roles=tuple(_each(member, "roles", at, _parse_role)),
    )


def _parse_role(raw: Any, at: str) -> RoleTerm:
    term = _object(raw, at)
    role = term.get("role")
    if role not in ROLES:
        raise LedgerError(f"{at}.role", f"unknown role: {role!r}")
    return RoleTerm(role=role, from_=_required_date(term, "from", at), to=_date(term, "to", at))


def _parse_exclusion(raw: Any, at: str, member_ids: set[str]) -> Exclusion:
    exclusion = _object(raw, at)
    return Exclusion(
        member=_member_ref(exclusion, at, member_ids),
        from_=_required_date(exclusion, "from", at),
        to=_required_date(exclusion, "to", at),
        reason=_text(exclusion.get("reason")),
    )


def _parse_meeting(raw: Any, at: str) -> Meeting:
    meeting = _object(raw, at)
    record_id = _id(meeting, at)
    return Meeting(
        id=record_id,
        types=_types(meeting, at),
        date=_required_date(meeting, "date", at),
        submitted=_date(meeting, "submitted", at),
        place=_text(meeting.get("place")),
        chair=_text(meeting.get("chair")),
        recorder=_text(meeting.get("recorder")),
        topic=_text(meeting.get("topic")),
        minutes=_text(meeting.get("minutes")),
        lecturer=_text(meeting.get("lecturer")),
        group=_text(meeting.get("group")),
        # Unknown or odd ids in attendance are findings, not errors, so keep them as text.
        present=tuple(str(x) for x in _list(meeting, "present", at)),
        absent=tuple(_each(meeting, "absent", at, _parse_absence)),
        resolutions=tuple(_each(meeting, "resolutions", at, _parse_resolution)),
        election=meeting.get("election") is True,
        attachments=tuple(_attachments(meeting, at)),
    )


def _types(meeting: dict[str, Any], at: str) -> tuple[str, ...]:
    types = meeting.get("types")
    if not isinstance(types, list):
        raise LedgerError(f"{at}.types", f"not a list: {types!r}")
    if not types:
        raise LedgerError(f"{at}.types", "empty")
    for i, kind in enumerate(types):
        if kind not in MEETING_TYPES:
            raise LedgerError(f"{at}.types[{i}]", f"unknown meeting type: {kind!r}")
    return tuple(types)


def _attachments(meeting: dict[str, Any], at: str) -> list[str]:
    kinds = _list(meeting, "attachments", at)
    for i, kind in enumerate(kinds):
        if kind not in ATTACHMENT_KINDS:
            raise LedgerError(f"{at}.attachments[{i}]", f"unknown attachment kind: {kind!r}")
    return kinds


def _parse_absence(raw: Any, at: str) -> Absence:
    entry = _object(raw, at)
    member = entry.get("member")
    if member is None or member == "":
        raise LedgerError(f"{at}.member", "absent entry without member")
    return Absence(member=str(member), reason=_text(entry.get("reason")))


def _parse_resolution(raw: Any, at: str) -> Resolution:
    resolution = _object(raw, at)
    declared = resolution.get("declared")
    if declared not in DECLARED:
        raise LedgerError(f"{at}.declared", f"not 'passed' or 'failed': {declared!r}")
    return Resolution(
        title=_text(resolution.get("title")),
        yes=_count(resolution, "yes", at),
        no=_count(resolution, "no", at),
        abstain=_count(resolution, "abstain", at),
        declared=declared,
    )


def _parse_learning(raw: Any, at: str, member_ids: set[str]) -> Learning:
    row = _object(raw, at)
    member = _member_ref(row, at, member_ids)
    year = _whole(row.get("year"))
    if year is None:
        raise LedgerError(f"{at}.year", f"not a whole number: {row.get('year')!r}")
    hours = row.get("hours")
    if not _is_number(hours) or hours < 0:
        raise LedgerError(f"{at}.hours", f"not a number >= 0: {hours!r}")
    return Learning(member=member, year=year, hours=hours)


# ---------------------------------------------------------------------------------------------------
# Small readers; each raises LedgerError with the path of the value it rejects


def _object(value: Any, at: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LedgerError(at, f"not an object: {_short(value)}")
    return value


def _list(obj: dict[str, Any], key: str, at: str) -> list[Any]:
    """The list under `key`; missing or null reads as empty."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise LedgerError(_join(at, key), f"not a list: {_short(value)}")
    return value


def _each(obj: dict[str, Any], key: str, at: str, parse: Any) -> list[Any]:
    prefix = _join(at, key)
    return [parse(item, f"{prefix}[{i}]") for i, item in enumerate(_list(obj, key, at))]


def _id(obj: dict[str, Any], at: str) -> str:
    value = obj.get("id")
    if not isinstance(value, str) or not value:
        raise LedgerError(f"{at}.id", f"missing id: {value!r}")
    return value


def _check_unique_ids(items: tuple[Any, ...], key: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise LedgerError(f"{key}[{i}].id", f"duplicate id: {item.id!r}")
        seen.add(item.id)


def _member_ref(obj: dict[str, Any], at: str, member_ids: set[str]) -> str:
    member = obj.get("member")
    if not isinstance(member, str) or member not in member_ids:
        raise LedgerError(f"{at}.member", f"unknown member: {_short(member)}")
    return member


def parse_date(value: Any) -> date | None:
    """The date written `YYYY-MM-DD`, or None when `value` is anything else."""
    if isinstance(value, str) and _DATE_SHAPE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date(obj: dict[str, Any], key: str, at: str) -> date | None:
    value = obj.get(key)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise LedgerError(_join(at, key), f"not a date: {value!r}")
    return parsed


def _required_date(obj: dict[str, Any], key: str, at: str) -> date:
    value = _date(obj, key, at)
    if value is None:
        raise LedgerError(_join(at, key), "missing date")
    return value


def _count(obj: dict[str, Any], key: str, at: str) -> int:
    value = _whole(obj.get(key))
    if value is None or value < 0:
        raise LedgerError(_join(at, key), f"not a whole number >= 0: {obj.get(key)!r}")
    return value


def _whole(value: Any) -> int | None:
    """An int for a JSON whole number (9 or 9.0), else None; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: Any) -> str | None:
    """Free text as given; a stray number is kept as its text rather than rejected."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------------
# Writing


def ledger_to_dict(ledger: Ledger) -> dict[str, Any]:
    """The canonical `zhibu.branch-ledger/1` document for a ledger (parse_ledger reads it back equal)."""
    b = ledger.branch
    return {
        "format": FORMAT,
        "branch": {
            "code": b.code,
            "name": b.name,
            "parent": b.parent,
            "domain": b.domain,
            "established": _iso(b.established),
            "committee_elected": _iso(b.committee_elected),
        },
        "groups": [{"id": g.id, "name": g.name} for g in ledger.groups],
        "members": [_member_to_dict(m) for m in ledger.members],
        "exclusions": [
            {"member": e.member, "from": _iso(e.from_), "to": _iso(e.to), "reason": e.reason}
            for e in ledger.exclusions
        ],
        "meetings": [_meeting_to_dict(m) for m in ledger.meetings],
        "learning": [{"member": x.member, "year": x.year, "hours": x.hours} for x in ledger.learning],
    }


def _member_to_dict(m: Member) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "joined": _iso(m.joined),
        "full_since": _iso(m.full_since),
        "left": _iso(m.left),
        "group": m.group,
        "roles": [{"role": r.role, "from": _iso(r.from_), "to": _iso(r.to)} for r in m.roles],
    }


def _meeting_to_dict(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "types": list(m.types),
        "date": _iso(m.date),
        "submitted": _iso(m.submitted),
        "place": m.place,
        "chair": m.chair,
        "recorder": m.recorder,
        "topic": m.topic,
        "minutes": m.minutes,
        "lecturer": m.lecturer,
        "group": m.group,
        "present": list(m.present),
        "absent": [{"member": a.member, "reason": a.reason} for a in m.absent],
        "resolutions": [
            {"title": r.title, "yes": r.yes, "no": r.no, "abstain": r.abstain, "declared": r.declared}
            for r in m.resolutions
        ],
        "election": m.election,
        "attachments": list(m.attachments),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
