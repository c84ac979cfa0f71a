"""Reads of 干: targets in reach, summaries per town and branch, and the attainment indicator."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q

from zhibu.accounts.reach import visible

from . import attainment as calc
from .models import Milestone, Report, Target

VIEW = "targets.view"


def targets_for(user, capability: str = VIEW):
    return visible(Target, user, capability).select_related("task", "branch__town")


def facts(targets) -> list[calc.TargetFacts]:
    targets = list(targets)
    done = defaultdict(lambda: [0, 0])
    rows = (
        Milestone.objects.filter(target__in=[t.pk for t in targets])
        .values("target_id")
        .annotate(n=Count("id"), d=Count("id", filter=Q(done_on__isnull=False)))
    )
    for r in rows:
        done[r["target_id"]] = [r["n"], r["d"]]
    return [
        calc.TargetFacts(
            t.title,
            float(t.planned) if t.planned is not None else None,
            float(t.achieved),
            done[t.pk][0],
            done[t.pk][1],
            t.status == Target.Status.DONE,
            t.unit,
        )
        for t in targets
    ]


def progress_of(targets) -> dict[int, int]:
    """Percent progress of each target, keyed by pk."""
    targets = list(targets)
    return {t.pk: round(100 * calc.progress(f)) for t, f in zip(targets, facts(targets), strict=True)}


def _window(period) -> tuple[datetime.date, datetime.date]:
    if isinstance(period, int):
        return datetime.date(period, 1, 1), datetime.date(period, 12, 31)
    return period


def target_attainment(branch, period) -> tuple[float | None, list[str]]:
    """The evaluation indicator 支部目标完成: (achieved / required in 0..1, or None; the shortfalls).

    `period` is a year (int) or a (from, to) pair of dates: the targets due in it count. Feed it to
    supervision's evaluation as an "attainment" indicator: Value(value, [Item(line) for line in lines]).
    """
    start, end = _window(period)
    targets = Target.objects.filter(branch=branch, due__gte=start, due__lte=end).order_by("due", "id")
    return calc.attainment(facts(targets))


def target_attainments(branches, period) -> dict[int, tuple[float | None, list[str]]]:
    """target_attainment for many branches in two queries, keyed by branch pk."""
    start, end = _window(period)
    ids = [b.pk for b in branches]
    targets = list(
        Target.objects.filter(branch_id__in=ids, due__gte=start, due__lte=end).order_by("due", "id")
    )
    by_branch: dict[int, list] = defaultdict(list)
    for t, f in zip(targets, facts(targets), strict=True):
        by_branch[t.branch_id].append(f)
    return {pk: calc.attainment(by_branch.get(pk, [])) for pk in ids}


def summaries(targets, by: str) -> list[dict]:
    """Per town or branch: targets, done, mean progress, reports waiting."""
    targets = list(targets)
    pct = progress_of(targets)
    waiting = set(
        Report.objects.filter(target__in=[t.pk for t in targets], status=Report.Status.SUBMITTED).values_list(
            "target_id", flat=True
        )
    )
    out: dict[str, dict] = {}
    for t in targets:
        unit = t.branch.town if by == "town" else t.branch
        s = out.setdefault(
            unit.code, {"code": unit.code, "name": unit.name, "n": 0, "done": 0, "sum": 0, "waiting": 0}
        )
        s["n"] += 1
        s["done"] += t.status == Target.Status.DONE
        s["sum"] += pct[t.pk]
        s["waiting"] += t.pk in waiting
    for s in out.values():
        s["progress"] = round(s["sum"] / s["n"]) if s["n"] else 0
    return sorted(out.values(), key=lambda s: s["code"])
