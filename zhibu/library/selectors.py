"""Reads of the library area: learning hours per member, branch and town."""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, Sum

from zhibu.orgs.models import Member, MemberRole

from . import credit
from .models import CollectiveStudy, HallVisit, StudyDay


def _within(span: tuple[int, int] | None) -> Q:
    """Rows of members whose ids lie in `span` (low exclusive, high inclusive), if given: an index range
    the database reads in order, besides the subquery that says exactly which members."""
    return Q() if span is None else Q(member_id__gt=span[0], member_id__lte=span[1])


def online_hours(member_ids, year: int, span: tuple[int, int] | None = None) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    rows = (
        StudyDay.objects.filter(_within(span), member_id__in=member_ids, day__year=year)
        .values("member_id", "kind")
        .annotate(s=Sum("seconds"))
    )
    for r in rows.iterator(chunk_size=5000):  # a district of a city: streamed, not held whole
        out[r["member_id"]] += credit.hours(r["kind"], r["s"] or 0)
    return out


def collective_hours(member_ids, year: int, span: tuple[int, int] | None = None) -> dict[int, float]:
    through = CollectiveStudy.attendees.through
    rows = (
        through.objects.filter(_within(span), member_id__in=member_ids, collectivestudy__date__year=year)
        .values("member_id")
        .annotate(h=Sum("collectivestudy__hours"))
    )
    return {r["member_id"]: float(r["h"] or 0) for r in rows.iterator(chunk_size=5000)}


def learning_hours(member_ids, year: int) -> dict[int, float]:
    """The compliance engine's provider: each member's 学时 in `year`, online plus collective.

    `member_ids` a list of ids or a queryset of them (`values_list("id", flat=True)`): then the sums
    filter by a subquery rather than a list of thousands of parameters."""
    ids = list(member_ids)
    members = member_ids if hasattr(member_ids, "query") else ids
    online = online_hours(members, year)
    offline = collective_hours(members, year)
    return {m: round(online.get(m, 0.0) + offline.get(m, 0.0), 2) for m in ids}


def committee_ids(member_ids, year: int, span: tuple[int, int] | None = None) -> set[int]:
    """Members who served on a branch committee at any time in `year` (they owe the higher figure)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return set(
        MemberRole.objects.filter(_within(span), member_id__in=member_ids, role__in=MemberRole.COMMITTEE)
        .filter(start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by()  # a set: not the model's order, which joins members and branches to sort
        .values_list("member_id", flat=True)
    )


@dataclass
class Row:
    member: Member
    online: float
    collective: float
    required: float

    @property
    def total(self) -> float:
        return round(self.online + self.collective, 1)

    @property
    def owed(self) -> float:
        return credit.owed(self.required, self.total)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.total / self.required)) if self.required else 100


@dataclass(frozen=True)
class Hours:
    """The year's sums for a set of members, read once and shared by the rows and the summaries."""

    online: dict[int, float]
    collective: dict[int, float]
    committee: set[int]

    @classmethod
    def read(cls, members, year: int, span: tuple[int, int] | None = None) -> "Hours":
        """The sums of `members` (a queryset or a list); with `span`, of those whose ids lie in (low, high]
        (a list's members must all lie in it)."""
        if span is not None and hasattr(members, "filter"):
            members = members.filter(id__gt=span[0], id__lte=span[1])
        ids = members.values("id") if hasattr(members, "values") else [m.pk for m in members]
        return cls(
            online_hours(ids, year, span), collective_hours(ids, year, span), committee_ids(ids, year, span)
        )

    def row(self, m: Member) -> Row:
        return Row(
            m,
            round(self.online.get(m.pk, 0.0), 1),
            round(self.collective.get(m.pk, 0.0), 1),
            credit.required(m.pk in self.committee),
        )


def member_rows(members, year: int) -> list[Row]:
    """One row per member; `members` a list or a queryset (then the sums filter by a subquery)."""
    hours = Hours.read(members, year)
    return [hours.row(m) for m in members]


ROW_CHUNK = 2000  # members, and their sums, read at a time when rows are listed one per member


def iter_member_rows(members, year: int, hours: Hours | None = None) -> Iterator[Row]:
    """member_rows one by one, the members read in chunks: a whole district's export in little memory.

    Without `hours` the sums are read a chunk of members at a time too (by their ids, within the range
    of them), so not even a city's sums are held at once."""
    rows = members.iterator(chunk_size=ROW_CHUNK)
    if hours is not None:
        for m in rows:
            yield hours.row(m)
        return
    while chunk := list(itertools.islice(rows, ROW_CHUNK)):
        ids = [m.pk for m in chunk]
        part = Hours.read(chunk, year, span=(min(ids) - 1, max(ids)))
        for m in chunk:
            yield part.row(m)


def current_members(year: int):
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # Only what the reports show: personal data stays encrypted (and is not decrypted 10,000 times).
    return (
        Member.objects.filter(Q(left__isnull=True) | Q(left__gt=start), joined__lte=end)
        .select_related("branch__town")
        .only("id", "name", "branch__code", "branch__name", "branch__town__code", "branch__town__name")
    )


@dataclass
class Summary:
    key: str
    name: str
    members: int = 0
    met: int = 0
    hours: float = 0.0

    @property
    def rate(self) -> int:
        return round(100 * self.met / self.members) if self.members else 0

    @property
    def average(self) -> float:
        return round(self.hours / self.members, 1) if self.members else 0.0


# Members whose sums are held at once when summarising: a city's 2.5 million read in one go took a web
# worker to 365 MB; 50,000 at a time it stays near 120 MB. A town, or a demo district, is one read.
SUMMARY_CHUNK = 50000


GROUPS = {"town": ("branch__town__code", "branch__town__name"), "branch": ("branch__code", "branch__name")}


def summaries(members, year: int, by: str, hours: Hours | None = None) -> list[Summary]:
    """Per town (by="town") or per branch (by="branch"): members, how many met the requirement, hours.

    `members` a queryset; read as plain values. Without `hours` the sums are read for SUMMARY_CHUNK
    members at a time (by ranges of id, so no list of ids is sent), so memory stays flat however many
    members the reach holds; `hours` given (an export that reads them once for several sheets) is used
    for all of them."""
    return summaries_by(members, year, (by,), hours)[by]


def summaries_by(members, year: int, groups, hours: Hours | None = None) -> dict[str, list[Summary]]:
    """summaries() for several groupings (of GROUPS) in one reading of the members and their sums."""
    fields = ["id"] + [f for by in groups for f in GROUPS[by]]
    out: dict[str, dict[str, Summary]] = {by: {} for by in groups}
    if hours is not None:
        _summarise(out, members.order_by().values_list(*fields).iterator(chunk_size=5000), hours)
    else:
        after = 0
        while rows := list(members.filter(id__gt=after).order_by("id").values_list(*fields)[:SUMMARY_CHUNK]):
            _summarise(out, rows, Hours.read(members, year, span=(after, rows[-1][0])))
            if len(rows) < SUMMARY_CHUNK:
                break
            after = rows[-1][0]
    return {by: sorted(found.values(), key=lambda s: s.key) for by, found in out.items()}


def _summarise(out: dict[str, dict[str, Summary]], rows, hours: Hours) -> None:
    """Add each (id, code, name, code, name, ...) row to its group of every grouping in `out`, in order."""
    for mid, *labels in rows:
        total = round(hours.online.get(mid, 0.0) + hours.collective.get(mid, 0.0), 1)
        met = credit.owed(credit.required(mid in hours.committee), total) == 0
        for i, found in enumerate(out.values()):
            code, label = labels[2 * i], labels[2 * i + 1]
            s = found.get(code)
            if s is None:
                s = found[code] = Summary(code, label)
            s.members += 1
            s.met += met
            s.hours += total


def hall_person_times(visits) -> int:
    """Training person-times of guided hall visits: every member who came, plus the other visitors."""
    through = HallVisit.attendees.through
    members = through.objects.filter(hallvisit__in=visits).count()
    guests = visits.aggregate(g=Sum("guests"))["g"] or 0
    return members + guests
