"""The board's per-branch aggregates (BranchStatus), updated one branch at a time as events happen."""

from __future__ import annotations

import contextlib
import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .models import BranchStatus, DispatchTarget, Finding

HELD = ("in_session", "submitted", "approved", "returned")


def records_installed() -> bool:
    return apps.is_installed("zhibu.records") and _has_model("records", "Meeting")


def training_installed() -> bool:
    return apps.is_installed("zhibu.training") and _has_model("training", "Attendance")


def rules_installed() -> bool:
    if not apps.is_installed("zhibu.rules"):
        return False
    try:
        from zhibu.rules import adapter  # noqa: F401
    except ImportError:
        return False
    return records_installed()


def _has_model(label: str, name: str) -> bool:
    try:
        apps.get_model(label, name)
    except LookupError:
        return False
    return True


_batch: list[set] = []


@contextlib.contextmanager
def batch():
    """Within this block, board rows to refresh are collected and refreshed once at the end (bulk work)."""
    ids: set = set()
    _batch.append(ids)
    try:
        yield ids
    finally:
        _batch.pop()
        refresh(ids)


def refresh_later(branch_ids) -> None:
    """Refresh these branches' rows after the transaction commits (or at the end of the current batch)."""
    ids = list(branch_ids)
    if _batch:
        _batch[-1].update(ids)
    else:
        transaction.on_commit(lambda: refresh(ids))


def month_key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def refresh(branch_ids, today: datetime.date | None = None) -> None:
    """Recompute the rows of these branches (a few grouped queries whatever their number)."""
    from zhibu.orgs.models import Branch

    today = today or timezone.localdate()
    ids = list(branch_ids)
    if not ids:
        return
    first = today.replace(day=1)
    values = {
        b["id"]: {
            "town_id": b["town_id"],
            "district_id": b["town__district_id"],
            "in_session": 0,
            "session_meeting_id": None,
            "last_held": None,
            "month": month_key(today),
            "held_in_month": 0,
            "open_findings": 0,
            "open_dispatches": 0,
        }
        for b in Branch.objects.filter(pk__in=ids).values("id", "town_id", "town__district_id")
    }
    if records_installed():
        from zhibu.records.models import Meeting

        rows = (
            Meeting.objects.filter(branch_id__in=values)
            .values("branch_id")
            .annotate(
                in_session=Count("id", filter=Q(status="in_session")),
                session_meeting_id=Min("id", filter=Q(status="in_session")),
                last_held=Max("date", filter=Q(status__in=HELD, date__lte=today)),
                held_in_month=Count("id", filter=Q(status__in=HELD, date__gte=first, date__lte=today)),
            )
        )
        for r in rows:
            values[r["branch_id"]].update(
                {k: r[k] for k in ("in_session", "session_meeting_id", "last_held", "held_in_month")}
            )
    for r in (
        Finding.objects.filter(branch_id__in=values)
        .exclude(status=Finding.Status.CLOSED)
        .values("branch_id")
        .annotate(n=Count("id"))
    ):
        values[r["branch_id"]]["open_findings"] = r["n"]
    for r in (
        DispatchTarget.objects.filter(branch_id__in=values)
        .exclude(status=DispatchTarget.Status.DONE)
        .values("branch_id")
        .annotate(n=Count("id"))
    ):
        values[r["branch_id"]]["open_dispatches"] = r["n"]
    fields = list(next(iter(values.values())).keys())
    now = timezone.now()
    # One INSERT ... ON CONFLICT DO UPDATE for new and existing rows alike. (bulk_update wrote a CASE WHEN
    # per row and field, 2,500 of them for a nightly chunk, and building them took a third of its CPU.)
    BranchStatus.objects.bulk_create(
        [BranchStatus(branch_id=pk, updated=now, **v) for pk, v in values.items()],
        update_conflicts=True,
        unique_fields=["branch"],
        update_fields=[*fields, "updated"],
    )


def refresh_compliance(branch_ids, today: datetime.date | None = None) -> None:
    """Store this year's organisational-life violations so far per branch (None without the rules engine).

    Structure rules (committee term, size) are about the organisation, not its meetings: the board's
    compliance rate leaves them out; the branch's full report is on the rules pages.
    """
    if not rules_installed():
        return
    from zhibu.orgs.models import Branch
    from zhibu.rules.adapter import reports

    today = today or timezone.localdate()
    branches = Branch.objects.filter(pk__in=list(branch_ids)).select_related("town")
    by_count: dict[int, list[int]] = {}
    for pk, report in reports(branches, today.replace(month=1, day=1), today, today).items():
        violations = sum(
            1
            for f in report["findings"]
            if f["severity"] == "violation" and not f["rule"].startswith("structure.")
        )
        by_count.setdefault(violations, []).append(pk)
    for violations, pks in by_count.items():  # one UPDATE per distinct figure, not one per branch
        BranchStatus.objects.filter(branch_id__in=pks).update(violations=violations)


CHUNK = 250  # branches per unit of nightly work (one task): a few hundred MB of a worker at most


def rebuild_chunk(branch_ids, *, compliance: bool = True, today: datetime.date | None = None) -> int:
    """Rebuild the rows of these branches (one unit of the nightly work; idempotent, so safe to retry)."""
    ids = list(branch_ids)
    refresh(ids, today)
    if compliance:
        refresh_compliance(ids, today)
    return len(ids)


def chunks(branches=None, size: int | None = None) -> list[list[int]]:
    """Branch ids (all, or those given as a list or queryset) in units of `size` (CHUNK), in id order."""
    from zhibu.orgs.models import Branch

    size = size or CHUNK
    if branches is None:
        branches = Branch.objects.all()
    ids = (
        sorted(b.pk for b in branches)
        if isinstance(branches, list)
        else list(branches.order_by("pk").values_list("pk", flat=True))
    )
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def rebuild(branches=None, *, compliance: bool = True, today=None, progress=None) -> int:
    """Rebuild the rows of every branch (or those given), chunk by chunk in this process, e.g. after a
    bulk import (the nightly task spreads the same chunks over the workers: tasks.rebuild_board);
    `progress(done, total, message)` hears of the branches done after each chunk."""
    parts = chunks(branches)
    report = progress or (lambda done, total=None, message="": None)
    report(0, sum(len(ids) for ids in parts), "正在重建支部大屏状态")
    done = 0
    for ids in parts:
        done += rebuild_chunk(ids, compliance=compliance, today=today)
        report(done)
    return done
