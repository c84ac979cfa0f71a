"""培训成效: does a compliance finding recur after the branch was trained for it? — pure Python.

For each branch and rule: the first time the finding occurred; the first training after it that
answers the rule (a class of a matching category, or one whose drills play the matching meeting,
completed by a committee member of that branch); and whether the finding occurred again after that
training. Branches not (yet) trained for it are the comparison: did it occur again after the first time?
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .ranking import remedy_for


@dataclass(frozen=True)
class Occurrence:
    branch: int
    town: str  # the town's name (rows are per rule and town)
    rule: str
    day: datetime.date


@dataclass(frozen=True)
class Training:
    branch: int
    day: datetime.date  # the class's last day
    category: str
    meetings: frozenset[str] = frozenset()


@dataclass
class Row:
    rule: str
    town: str
    remedy: str
    branches: int = 0
    trained: int = 0
    trained_recurred: int = 0
    untrained: int = 0
    untrained_recurred: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def trained_rate(self) -> int | None:
        """Share (%) of trained branches where the finding came back after the training."""
        return self._rate(self.trained_recurred, self.trained)

    @property
    def untrained_rate(self) -> int | None:
        return self._rate(self.untrained_recurred, self.untrained)


def _answers(t: Training, remedy) -> bool:
    return t.category in remedy.categories or (bool(remedy.meeting) and remedy.meeting in t.meetings)


def measure(occurrences: Iterable[Occurrence], trainings: Iterable[Training]) -> list[Row]:
    """One row per rule and town (and one per rule over all towns, town "合计"), ordered by rule."""
    days: dict[tuple[int, str], list[datetime.date]] = defaultdict(list)
    towns: dict[int, str] = {}
    for o in occurrences:
        days[(o.branch, o.rule)].append(o.day)
        towns[o.branch] = o.town
    by_branch: dict[int, list[Training]] = defaultdict(list)
    for t in trainings:
        by_branch[t.branch].append(t)
    for ts in by_branch.values():
        ts.sort(key=lambda t: t.day)
    rows: dict[tuple[str, str], Row] = {}
    for (branch, rule), ds in sorted(days.items()):
        remedy = remedy_for(rule)
        if remedy is None:
            continue
        ds.sort()
        first = ds[0]
        training = next(
            (t for t in by_branch.get(branch, ()) if t.day >= first and _answers(t, remedy)), None
        )
        for town in (towns[branch], "合计"):
            row = rows.setdefault((rule, town), Row(rule, town, remedy.title))
            row.branches += 1
            if training is not None:
                row.trained += 1
                row.trained_recurred += any(d > training.day for d in ds)
            else:
                row.untrained += 1
                row.untrained_recurred += len(ds) > 1
    return sorted(rows.values(), key=lambda r: (r.rule, r.town == "合计", r.town))
