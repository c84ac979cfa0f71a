"""Reads for the board and the supervision pages, always through the reach mechanism."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhibu.accounts.reach import visible
from zhibu.core.events import serialize
from zhibu.core.figures import kept

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


def _ids(ids) -> str:
    return ".".join(str(i) for i in ids)


def ensure_statuses(user, scope=None) -> None:
    """Create missing board rows (a new branch); existing rows are kept current by the subscribers.

    Counting every branch in reach costs a few milliseconds on a district but tens on a city, so the check
    runs once per scope every few minutes, not on every board refresh.
    """
    from zhibu.orgs.models import Branch

    key = f"sup-ensure-{_ids(scope.district_ids)}-{_ids(scope.town_ids)}" if scope is not None else None
    if key and cache.get(key):
        return
    branches = visible(Branch, user, "supervision.view")
    if branches.count() != visible(BranchStatus, user, "supervision.view").count():
        missing = branches.exclude(pk__in=BranchStatus.objects.values("branch_id"))
        status_mod.refresh(list(missing.values_list("pk", flat=True)))
    if key:
        cache.set(key, True, 300)


def _pct(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)


def _training_figures(district_ids, town_ids, year: int) -> dict:
    if not status_mod.training_installed():
        return {"trained": NO_DATA, "exam_pass_rate": NO_DATA}
    # A city's year of training takes about half a second to count: kept a minute, and once that is up
    # the board keeps its figures while they are counted again after the response (core.figures).
    params = (year, _ids(district_ids), _ids(town_ids))
    return kept(
        "board-training", params, lambda: _compute_training_figures(district_ids, town_ids, year), 60
    )[0]


def _compute_training_figures(district_ids, town_ids, year: int) -> dict:
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
    return {"trained": trained, "exam_pass_rate": _pct(totals["passed"], totals["n"])}


def cells_limit() -> int:
    """Up to this many branches the board draws one cell per branch; above it, districts or towns."""
    return int(getattr(settings, "ZHIBU_BOARD_CELLS", 1000))


def _unit(info: dict) -> dict:
    return {
        **info,
        "branches": 0,
        "held": 0,
        "meetings": 0,
        "in_session": 0,
        "findings": 0,
        "overdue": 0,
        "states": {k: 0 for k in STATE_LABELS},
    }


def _add(unit: dict, agg: dict) -> None:
    for k in ("branches", "held", "meetings", "in_session", "findings", "overdue"):
        unit[k] += agg[k]
    for k, v in agg["states"].items():
        unit["states"][k] += v


def board_data(user, scope, town=None, district=None, today: datetime.date | None = None) -> dict:
    """The board's data, shared for `ZHIBU_BOARD_DATA_SECONDS` (default 2) by every board of the same scope.

    Each board reloads its data a moment after live events arrive; with many boards open during a burst
    of sign-ins they would all compute the same thing. The data depends only on the scope (the reach
    the user's board covers), the drill-down and the day, so that is the key.
    """
    seconds = float(getattr(settings, "ZHIBU_BOARD_DATA_SECONDS", 2))
    today = today or timezone.localdate()
    if seconds <= 0:
        return compute_board_data(user, scope, town, district, today)
    key = (
        f"sup-board-{_ids(scope.district_ids)}-{_ids(scope.town_ids)}-{town.pk if town else ''}-"
        f"{district.pk if district else ''}-{today}"
    )
    return cache.get_or_set(key, lambda: compute_board_data(user, scope, town, district, today), seconds)


def compute_board_data(user, scope, town=None, district=None, today: datetime.date | None = None) -> dict:
    """Everything the board shows, summed from the kept per-branch rows (BranchStatus), never from records.

    One grouped query gives every town's counts; the figures, the state legend and the districts are sums
    of those. The board's level follows its size: one cell per branch up to `cells_limit()` branches (or
    on a town's board), above it one tile per town, or per district when several are in reach, each
    linking to its own board (drill-down: ?district=CODE, ?town=CODE).
    """
    from zhibu.orgs.models import Town

    today = today or timezone.localdate()
    rows = visible(BranchStatus, user, "supervision.view")
    if town is not None:
        rows = rows.filter(town_id=town.pk)
    elif district is not None:
        rows = rows.filter(district_id=district.pk)
    month = status_mod.month_key(today)
    since = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    held = Q(month=month, held_in_month__gt=0)
    calm = Q(in_session=0, open_findings=0)
    # Annotation names differ from the model's fields: a later filter naming a field must mean the field.
    grouped = (
        rows.order_by()
        .values("town_id")
        .annotate(
            n_branches=Count("pk"),
            n_held=Count("pk", filter=held),
            n_meetings=Coalesce(Sum("held_in_month", filter=Q(month=month)), 0),
            n_in_session=Count("pk", filter=Q(in_session__gt=0)),
            n_findings=Count("pk", filter=Q(open_findings__gt=0)),
            n_state_findings=Count("pk", filter=Q(in_session=0, open_findings__gt=0)),
            n_state_held=Count("pk", filter=calm & held),
            n_overdue=Count("pk", filter=calm & ~held & (Q(last_held__isnull=True) | Q(last_held__lt=since))),
            n_open_findings=Coalesce(Sum("open_findings"), 0),
            n_open_dispatches=Coalesce(Sum("open_dispatches"), 0),
            n_checked=Count("pk", filter=Q(violations__isnull=False)),
            n_clean=Count("pk", filter=Q(violations=0)),
        )
    )
    per_town = {}
    for row in grouped:
        g = {k[2:]: v for k, v in row.items() if k.startswith("n_")}
        states = {
            "in_session": g["in_session"],
            "findings": g["state_findings"],
            "held": g["state_held"],
            "overdue": g["overdue"],
        }
        states["pending"] = g["branches"] - sum(states.values())
        g["states"] = states
        per_town[row["town_id"]] = g
    info = Town.objects.filter(pk__in=list(per_town)).order_by("code")
    towns, districts = [], {}
    for t in info.values("id", "code", "name", "district_id", "district__code", "district__name"):
        unit = _unit({"id": t["id"], "code": t["code"], "name": t["name"], "district": t["district_id"]})
        _add(unit, per_town[t["id"]])
        towns.append(unit)
        d = districts.setdefault(
            t["district_id"],
            _unit({"id": t["district_id"], "code": t["district__code"], "name": t["district__name"]}),
        )
        _add(d, per_town[t["id"]])
    total = sum(g["branches"] for g in per_town.values())
    counts = {k: sum(g["states"][k] for g in per_town.values()) for k in STATE_LABELS}
    checked = sum(g["checked"] for g in per_town.values())
    clean = sum(g["clean"] for g in per_town.values())
    held_branches = sum(g["held"] for g in per_town.values())
    in_session = counts["in_session"]

    if town is not None or total <= cells_limit():
        level = "branches"
        branches = _cells(rows, today, month, since)
    else:
        level = "districts" if len(districts) > 1 else "towns"
        branches = []
    records = status_mod.records_installed()
    if town is not None:
        district_ids, town_ids = (), (town.pk,)
    elif district is not None:
        district_ids, town_ids = (district.pk,), ()
    else:
        district_ids, town_ids = scope.district_ids, scope.town_ids
    figures = {
        "branches": total,
        "meetings_month": sum(g["meetings"] for g in per_town.values()) if records else NO_DATA,
        "held_branches": held_branches if records else NO_DATA,
        "held_rate": _pct(held_branches, total) if records else NO_DATA,
        "compliance_rate": _pct(clean, checked) if status_mod.rules_installed() and checked else NO_DATA,
        "in_session": in_session if records else NO_DATA,
        "open_findings": sum(g["open_findings"] for g in per_town.values()),
        "open_dispatches": sum(g["open_dispatches"] for g in per_town.values()),
        **_training_figures(district_ids, town_ids, today.year),
    }
    last = _events(scope, town, district).order_by("-id").values_list("id", flat=True).first()
    sessions = rows.filter(in_session__gt=0).values("session_meeting_id") if in_session else []
    return {
        "level": level,
        "cells_limit": cells_limit(),
        # How soon after live events the board reloads this (a city's summary changes slowly).
        "refresh_seconds": 1.5 if level == "branches" else 10,
        "live": live_meetings(sessions),
        "today": today.isoformat(),
        "month": month,
        "figures": figures,
        "states": counts,
        "state_labels": STATE_LABELS,
        "districts": list(districts.values()) if level == "districts" else [],
        "towns": towns,
        "branches": branches,
        "last_event": last or 0,
    }


def _cells(rows, today, month, since) -> list[dict]:
    """One cell per branch (a district's or a town's board)."""
    out = []
    for r in rows.order_by("town__code", "branch__code").values(
        "branch_id",
        "branch__code",
        "branch__name",
        "town_id",
        "in_session",
        "session_meeting_id",
        "last_held",
        "month",
        "held_in_month",
        "open_findings",
        "open_dispatches",
    ):
        out.append(
            {
                "id": r["branch_id"],
                "code": r["branch__code"],
                "name": r["branch__name"],
                "town": r["town_id"],
                "state": branch_state(r, today, month, since),
                "meeting": r["session_meeting_id"],
                "held": r["held_in_month"] if r["month"] == month else 0,
                "findings": r["open_findings"],
                "dispatches": r["open_dispatches"],
            }
        )
    return out


def _expected(meeting, expected_members) -> int:
    """应到 of a meeting in session: fixed for the sitting, so counted once and kept for a while."""
    key = f"sup-expected-{meeting.pk}"
    value = cache.get(key)
    if value is None:
        value = len(expected_members(meeting))
        cache.set(key, value, 300)
    return value


def live_meetings(meeting_ids, limit: int = 12) -> list[dict] | None:
    """The meetings in session now: procedure step and sign-ins against expected (None without records).

    `meeting_ids` is a list or a query of ids (a city may have thousands in session at once).
    """
    if not status_mod.records_installed():
        return None
    from zhibu.records.models import Meeting
    from zhibu.records.procedures import procedure_for
    from zhibu.records.services import expected_members

    out = []
    if isinstance(meeting_ids, list | tuple):
        meeting_ids = [m for m in meeting_ids if m]
    meetings = Meeting.objects.filter(pk__in=meeting_ids, status="in_session")
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


def _events(scope, town=None, district=None):
    qs = Event.objects.filter(scope.event_filter())
    if town is not None:
        return qs.filter(town_id=town.pk)
    if district is not None:
        return qs.filter(district_id=district.pk)
    return qs


def recent_events(scope, *, after: int = 0, limit: int = 30, town=None, district=None) -> list[dict]:
    qs = _events(scope, town, district)
    if after:
        return [serialize(e) for e in qs.filter(pk__gt=after).order_by("id")[:500]]
    return [serialize(e) for e in reversed(qs.order_by("-id")[:limit])]


def findings_for(user, capability: str):
    return visible(Finding.objects.select_related("branch__town"), user, capability)


def targets_for(user, capability: str):
    return visible(DispatchTarget.objects.select_related("dispatch", "branch__town"), user, capability)
