"""The engine over the database: the branches' ledgers (一册) read from their rows, checked; and their
`zhibu.branch-ledger/1` documents as exported.

Ledger ids are the database's: members `m<pk>`, groups `g<pk>`, records `r<pk>`, so a finding links
straight back to its record. Many branches are built with a handful of queries (no per-branch N+1).
Learning hours come from whoever registers a source in LEARNING_SOURCES: a callable
`(member_ids, year: int) -> dict[int, float]` (the library area appends one when it lands); `member_ids`
iterates as ints and is a queryset (`values_list("id", flat=True)`), so a source may filter by it as a
subquery instead of a list of thousands of parameters.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q

from .engine import Settings, Window, check, settings_from_config
from .ledger import (
    Absence,
    Branch,
    Exclusion,
    Group,
    Learning,
    Ledger,
    Meeting,
    Member,
    Resolution,
    RoleTerm,
    ledger_to_dict,
)

LEARNING_SOURCES: list[Callable[[list[int], int], dict[int, float]]] = []

LIVE_STATUSES = ("submitted", "approved")

_settings_cache: dict[int, Settings] = {}


def current_config():
    """The rule configuration in force (the latest version), or None before any edit."""
    from .models import RuleConfig

    return RuleConfig.objects.order_by("-version").first()


def current_settings() -> Settings:
    config = current_config()
    version = config.version if config else 0
    if version not in _settings_cache:
        _settings_cache[version] = settings_from_config(config.overrides if config else None)
    return _settings_cache[version]


def ledgers(
    branches: Iterable,
    from_: datetime.date,
    to: datetime.date,
    *,
    meeting_ids: Iterable[int] | None = None,
    draft_submitted: dict[int, datetime.date] | None = None,
    learning: bool = True,
) -> dict[int, Ledger]:
    """The ledger of each branch for [from_, to], keyed by branch pk, built straight from the rows.

    It is the ledger that parse_ledger reads from this branch's exported document (build_ledgers), without
    writing that document and reading it back: on the night every branch of the city is checked.
    `meeting_ids` restricts the meetings to those (for checking one record while it is filled in);
    `draft_submitted` treats those meetings as submitted on the given day; `learning=False` leaves out
    the learning hours (for a check that uses no learning rule).
    """
    from zhibu.orgs.models import Group as GroupRow
    from zhibu.orgs.models import Member as MemberRow
    from zhibu.orgs.models import MemberRole
    from zhibu.records.models import Attachment, Attendance
    from zhibu.records.models import Exclusion as ExclusionRow
    from zhibu.records.models import Meeting as MeetingRow
    from zhibu.records.models import Resolution as ResolutionRow

    branches = list(branches)
    ids = [b.pk for b in branches]
    draft_submitted = draft_submitted or {}
    parts: dict[int, dict[str, list]] = {
        b.pk: {"groups": [], "members": [], "exclusions": [], "meetings": [], "learning": []}
        for b in branches
    }
    for pk, branch_id, name in (
        GroupRow.objects.filter(branch_id__in=ids).order_by("id").values_list("id", "branch_id", "name")
    ):
        parts[branch_id]["groups"].append(Group(id=f"g{pk}", name=name))

    in_ledger = MemberRow.objects.filter(branch_id__in=ids, joined__lte=to).filter(
        Q(left__isnull=True) | Q(left__gt=from_)
    )
    members = list(
        in_ledger.order_by("id").values_list(
            "id", "branch_id", "name", "joined", "full_since", "left", "group_id"
        )
    )
    member_branch = {m[0]: m[1] for m in members}
    roles: dict[int, list[RoleTerm]] = defaultdict(list)
    for member_id, role, start, end in (
        MemberRole.objects.filter(member__branch_id__in=ids)
        .order_by("member_id", "start", "id")
        .values_list("member_id", "role", "start", "end")
    ):
        if member_id in member_branch:
            roles[member_id].append(RoleTerm(role=role, from_=start, to=end))
    for pk, branch_id, name, joined, full_since, left, group_id in members:
        parts[branch_id]["members"].append(
            Member(
                id=f"m{pk}",
                name=name,
                joined=joined,
                full_since=full_since,
                left=left,
                group=f"g{group_id}" if group_id else None,
                roles=tuple(roles.get(pk, ())),
            )
        )
    for member_id, start, end, reason in (
        ExclusionRow.objects.filter(member__branch_id__in=ids, start__lte=to, end__gte=from_)
        .order_by("member_id", "start", "id")
        .values_list("member_id", "start", "end", "reason")
    ):
        if member_id in member_branch:
            parts[member_branch[member_id]]["exclusions"].append(
                Exclusion(member=f"m{member_id}", from_=start, to=end, reason=reason)
            )

    meetings = MeetingRow.objects.filter(branch_id__in=ids, date__gte=from_, date__lte=to)
    # Rows of those meetings, selected by a join rather than a list of thousands of ids.
    related: dict[str, Any] = {
        "meeting__branch_id__in": ids,
        "meeting__date__gte": from_,
        "meeting__date__lte": to,
    }
    if meeting_ids is not None:
        meeting_ids = list(meeting_ids)
        meetings = meetings.filter(pk__in=meeting_ids)
        related = {"meeting_id__in": meeting_ids}
    meetings = meetings.order_by("date", "id").values_list(
        "id",
        "branch_id",
        "types",
        "date",
        "submitted",
        "status",
        "place",
        "chair_id",
        "recorder_id",
        "topic",
        "minutes",
        "lecturer_id",
        "lecturer_text",
        "group_id",
        "election",
    )
    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in Attendance.objects.filter(**related).values_list(
        "meeting_id", "member_id", "state", "reason", "id"
    ):
        rows[row[0]].append(row[1:])
    present: dict[int, tuple[str, ...]] = {}
    absent: dict[int, tuple[Absence, ...]] = {}
    for meeting_id, items in rows.items():
        items.sort()
        present[meeting_id] = tuple(f"m{a[0]}" for a in items if a[1] == "present")
        absent[meeting_id] = tuple(
            Absence(member=f"m{a[0]}", reason=a[2]) for a in items if a[1] != "present"
        )
    resolutions: dict[int, list[Resolution]] = defaultdict(list)
    for meeting_id, title, yes, no, abstain, declared in (
        ResolutionRow.objects.filter(**related)
        .order_by("meeting_id", "order", "id")
        .values_list("meeting_id", "title", "yes", "no", "abstain", "declared")
    ):
        resolutions[meeting_id].append(
            Resolution(title=title, yes=yes, no=no, abstain=abstain, declared=declared)
        )
    kinds: dict[int, set[str]] = defaultdict(set)
    for meeting_id, kind in Attachment.objects.filter(**related).values_list("meeting_id", "kind"):
        kinds[meeting_id].add(kind)
    for (
        pk,
        branch_id,
        types,
        date,
        submitted,
        status,
        place,
        chair_id,
        recorder_id,
        topic,
        minutes,
        lecturer_id,
        lecturer_text,
        group_id,
        election,
    ) in meetings:
        if pk in draft_submitted:
            submitted = draft_submitted[pk]
        elif status not in LIVE_STATUSES:
            submitted = None
        parts[branch_id]["meetings"].append(
            Meeting(
                id=f"r{pk}",
                types=tuple(types),
                date=date,
                submitted=submitted,
                place=place,
                chair=f"m{chair_id}" if chair_id else None,
                recorder=f"m{recorder_id}" if recorder_id else None,
                topic=topic,
                minutes=minutes,
                lecturer=f"m{lecturer_id}" if lecturer_id else (lecturer_text or None),
                group=f"g{group_id}" if group_id else None,
                present=present.get(pk, ()),
                absent=absent.get(pk, ()),
                resolutions=tuple(resolutions.get(pk, ())),
                election=election,
                attachments=tuple(sorted(kinds.get(pk, ()))),
            )
        )

    if learning and LEARNING_SOURCES and member_branch and meeting_ids is None:
        member_ids = in_ledger.order_by().values_list("id", flat=True)
        for year in range(from_.year, to.year + 1):
            totals: dict[int, float] = defaultdict(float)
            for source in LEARNING_SOURCES:
                for member_id, hours in source(member_ids, year).items():
                    if member_id in member_branch:
                        totals[member_id] += float(hours)
            for member_id in member_branch:
                if member_id in totals:
                    parts[member_branch[member_id]]["learning"].append(
                        Learning(member=f"m{member_id}", year=year, hours=round(totals[member_id], 2))
                    )

    return {
        b.pk: Ledger(
            branch=Branch(
                code=b.code,
                name=b.name,
                parent=b.town.name,
                domain=b.domain,
                established=b.established,
                committee_elected=b.committee_elected,
            ),
            **{key: tuple(items) for key, items in parts[b.pk].items()},
        )
        for b in branches
    }


def build_ledgers(
    branches: Iterable, from_: datetime.date, to: datetime.date, **kwargs
) -> dict[int, dict[str, Any]]:
    """The `zhibu.branch-ledger/1` document of each branch for [from_, to] (as exported), keyed by branch
    pk; the arguments are those of `ledgers`."""
    return {pk: ledger_to_dict(ledger) for pk, ledger in ledgers(branches, from_, to, **kwargs).items()}


def branch_ledger(branch, from_: datetime.date, to: datetime.date) -> dict[str, Any]:
    return build_ledgers([branch], from_, to)[branch.pk]


def branch_report(
    branch, from_: datetime.date, to: datetime.date, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """The compliance report of one branch, exactly as the command line gives it for its exported ledger."""
    return reports([branch], from_, to, as_of)[branch.pk]


def reports(
    branches,
    from_: datetime.date,
    to: datetime.date,
    as_of: datetime.date | None = None,
    *,
    learning: bool = True,
):
    """Reports for many branches, keyed by branch pk (a handful of queries for all of them).

    `learning=False`: without the learning hours, so without a true learning finding (for callers that
    keep only other rules' findings)."""
    settings = current_settings()
    window = Window(from_=from_, to=to, as_of=as_of)
    if hasattr(branches, "select_related"):
        branches = branches.select_related("town")
    found = ledgers(branches, from_, to, learning=learning)
    return {pk: check(ledger, window, settings) for pk, ledger in found.items()}


RECORD_RULE_PREFIXES = (
    "record.",
    "general_meeting.quorum",
    "general_meeting.vote",
    "general_meeting.res",
    "election.",
    "committee_meeting.quorum",
)


def meeting_findings(meeting, today: datetime.date) -> list[dict[str, Any]]:
    """The record and validity findings of one record as if it were submitted now (for the form's side panel)."""
    as_of = max(today, meeting.date)
    submitted = meeting.submitted if meeting.status in LIVE_STATUSES and meeting.submitted else as_of
    ledger = ledgers(
        [meeting.branch],
        meeting.date,
        meeting.date,
        meeting_ids=[meeting.pk],
        draft_submitted={meeting.pk: submitted},
    )[meeting.branch_id]
    report = check(ledger, Window(meeting.date, meeting.date, max(as_of, submitted)), current_settings())
    rid = f"r{meeting.pk}"
    return [
        f for f in report["findings"] if f["records"] == [rid] and f["rule"].startswith(RECORD_RULE_PREFIXES)
    ]


def still_to_do(branches, today: datetime.date) -> dict[int, list[dict[str, Any]]]:
    """Per branch: the meetings the current month, quarter and year still need (frequency findings the
    engine would give if the year ended with what has been submitted so far). Learning hours are not
    read: no learning rule is among those findings."""
    from .engine import period_key

    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    current = {period_key(today, p) for p in ("month", "quarter", "year")}
    return {
        pk: [
            f
            for f in report["findings"]
            if f["period"] in current and f["rule"].endswith((".frequency", ".secretary"))
        ]
        for pk, report in reports(branches, start, end, end, learning=False).items()
    }


# A branch's to-dos are worked out from its whole year's records: kept for a minute for its pages, and
# worked out afresh at once after a record, a member, an office or the rules change (signals.py).
TODO_SECONDS = 60


def branch_to_do(branch, today: datetime.date) -> list[dict[str, Any]]:
    """still_to_do for one branch, as its home page and its compliance page show it."""
    from zhibu.core.figures import kept

    from .signals import TODO_FIGURES

    found, _ = kept(
        TODO_FIGURES, (branch.pk, today), lambda: still_to_do([branch], today)[branch.pk], TODO_SECONDS
    )
    return found
