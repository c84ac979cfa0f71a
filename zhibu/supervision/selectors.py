"""Reads for the board and the supervision pages, always through the reach mechanism."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils import timezone

from zhibu.accounts.reach import visible
from zhibu.core.events import serialize

from . import status as status_mod
from .models import BranchStatus, DispatchTarget, Event, Finding

NO_DATA = None  # shown as 暂无数据

STATE_LABELS = {
    "in_session": "正在开会",
    "findings": "有未销号督导意见",
    "overdue": "超过一个月未开展组织生活",
    "held": "本月已开展",
    "pending": "本月尚未开展",
}


def branch_state(row: dict, today: datetime.date, month: str | None = None, since=None) -> str:
    """One state per branch for the board's colour, the most urgent first.

    `month` (YYYY-MM of today) and `since` (the first day of last month) may be passed precomputed.
    """
    if row["in_session"]:
        return "in_session"
    if row["open_findings"]:
        return "findings"
    if row["month"] == (month or status_mod.month_key(today)) and row["held_in_month"]:
        return "held"
    since = since or (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    last = row["last_held"]
    if last is None or last < since:
        return "overdue"
    return "pending"


def ensure_statuses(user) -> None:
    """Create missing board rows (a new branch) once; existing rows are kept current by the subscribers."""
    from zhibu.orgs.models import Branch

    branches = visible(Branch, user, "supervision.view")
    if branches.count() != visible(BranchStatus, user, "supervision.view").count():
        missing = branches.exclude(pk__in=BranchStatus.objects.values("branch_id"))
        status_mod.refresh(list(missing.values_list("pk", flat=True)))


def _pct(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def _training_figures(district_ids, town_ids, year: int) -> dict:
    if not status_mod.training_installed():
        return {"trained": NO_DATA, "exam_pass_rate": NO_DATA}
    key = f"sup-training-{year}-{district_ids}-{town_ids}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    from zhibu.training.models import Attendance, Enrolment

    where = Q(pk__in=[])
    if district_ids:
        where |= Q(member__branch__town__district_id__in=district_ids)
    if town_ids:
        where |= Q(member__branch__town_id__in=town_ids)
    enrolments = Enrolment.objects.filter(where)
    trained = Attendance.objects.filter(enrolment__in=enrolments, at__year=year).count()
    scored = enrolments.filter(exam_score__isnull=False, klass__start__year=year)
    totals = scored.aggregate(
        n=Count("id"), passed=Count("id", filter=Q(exam_score__gte=F("klass__exam_pass")))
    )
    figures = {"trained": trained, "exam_pass_rate": _pct(totals["passed"], totals["n"])}
    cache.set(key, figures, 60)
    return figures


def board_data(user, scope, town=None, today: datetime.date | None = None) -> dict:
    """Everything the board shows, from the kept aggregates (one query for the rows, a few for figures)."""
    today = today or timezone.localdate()
    rows = visible(BranchStatus, user, "supervision.view")
    if town is not None:
        rows = rows.filter(town_id=town.pk)
    rows = list(
        rows.order_by("town__code", "branch__code").values(
            "branch_id",
            "branch__code",
            "branch__name",
            "town_id",
            "town__code",
            "town__name",
            "in_session",
            "session_meeting_id",
            "last_held",
            "month",
            "held_in_month",
            "open_findings",
            "open_dispatches",
            "violations",
        )
    )
    month = status_mod.month_key(today)
    since = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    towns: dict[int, dict] = {}
    branches = []
    counts = {k: 0 for k in STATE_LABELS}
    meetings_month = held_branches = in_session = open_findings = open_dispatches = 0
    checked = clean = 0
    for r in rows:
        state = branch_state(r, today, month, since)
        counts[state] += 1
        held = r["held_in_month"] if r["month"] == month else 0
        meetings_month += held
        held_branches += 1 if held else 0
        in_session += 1 if r["in_session"] else 0
        open_findings += r["open_findings"]
        open_dispatches += r["open_dispatches"]
        if r["violations"] is not None:
            checked += 1
            clean += 1 if r["violations"] == 0 else 0
        t = towns.setdefault(
            r["town_id"],
            {
                "id": r["town_id"],
                "code": r["town__code"],
                "name": r["town__name"],
                "branches": 0,
                "held": 0,
                "in_session": 0,
                "findings": 0,
                "overdue": 0,
            },
        )
        t["branches"] += 1
        t["held"] += 1 if held else 0
        t["in_session"] += 1 if r["in_session"] else 0
        t["findings"] += 1 if r["open_findings"] else 0
        t["overdue"] += 1 if state == "overdue" else 0
        branches.append(
            {
                "id": r["branch_id"],
                "code": r["branch__code"],
                "name": r["branch__name"],
                "town": r["town_id"],
                "state": state,
                "meeting": r["session_meeting_id"],
                "held": held,
                "findings": r["open_findings"],
                "dispatches": r["open_dispatches"],
            }
        )
    total = len(rows)
    district_ids = scope.district_ids if town is None else ()
    town_ids = scope.town_ids if town is None else (town.pk,)
    figures = {
        "branches": total,
        "meetings_month": meetings_month if status_mod.records_installed() else NO_DATA,
        "held_branches": held_branches if status_mod.records_installed() else NO_DATA,
        "held_rate": _pct(held_branches, total) if status_mod.records_installed() else NO_DATA,
        "compliance_rate": _pct(clean, checked) if status_mod.rules_installed() and checked else NO_DATA,
        "in_session": in_session if status_mod.records_installed() else NO_DATA,
        "open_findings": open_findings,
        "open_dispatches": open_dispatches,
        **_training_figures(district_ids, town_ids, today.year),
    }
    last = Event.objects.filter(scope.event_filter()).order_by("-id").values_list("id", flat=True).first()
    return {
        "live": live_meetings([b["meeting"] for b in branches if b["state"] == "in_session"]),
        "today": today.isoformat(),
        "month": month,
        "figures": figures,
        "states": counts,
        "state_labels": STATE_LABELS,
        "towns": list(towns.values()),
        "branches": branches,
        "last_event": last or 0,
    }


def _expected(meeting, expected_members) -> int:
    """应到 of a meeting in session: fixed for the sitting, so counted once and kept for a while."""
    key = f"sup-expected-{meeting.pk}"
    value = cache.get(key)
    if value is None:
        value = len(expected_members(meeting))
        cache.set(key, value, 300)
    return value


def live_meetings(meeting_ids, limit: int = 12) -> list[dict] | None:
    """The meetings in session now: procedure step and sign-ins against expected (None without records)."""
    if not status_mod.records_installed():
        return None
    from zhibu.records.models import Meeting
    from zhibu.records.procedures import procedure_for
    from zhibu.records.services import expected_members

    out = []
    meetings = Meeting.objects.filter(pk__in=[m for m in meeting_ids if m], status="in_session")
    for m in meetings.select_related("branch__town").order_by("branch__town__code", "branch__code")[:limit]:
        steps = procedure_for(m.types)
        out.append(
            {
                "meeting": m.pk,
                "branch": m.branch.name,
                "branch_code": m.branch.code,
                "town": m.branch.town.name,
                "title": m.type_label,
                "step": min(m.step, len(steps)),
                "steps": len(steps),
                "step_label": str(steps[m.step]) if m.step < len(steps) else "议程已完成",
                "present": m.attendance.filter(state="present").count(),
                "expected": _expected(m, expected_members),
            }
        )
    return out


def recent_events(scope, *, after: int = 0, limit: int = 30, town=None) -> list[dict]:
    qs = Event.objects.filter(scope.event_filter())
    if town is not None:
        qs = qs.filter(town_id=town.pk)
    if after:
        return [serialize(e) for e in qs.filter(pk__gt=after).order_by("id")[:500]]
    return [serialize(e) for e in reversed(qs.order_by("-id")[:limit])]


def findings_for(user, capability: str):
    return visible(Finding.objects.select_related("branch__town"), user, capability)


def targets_for(user, capability: str):
    return visible(DispatchTarget.objects.select_related("dispatch", "branch__town"), user, capability)
