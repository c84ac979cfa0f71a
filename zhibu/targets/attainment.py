"""How far a branch has reached its targets — pure Python, no Django.

Each target counts equally. Its progress is the approved figure over the planned figure when it has
one, otherwise the share of its milestones done, otherwise 1 when marked done. Progress is capped at
1: doing more than the target asks earns nothing extra (judge against the standard, not by volume).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetFacts:
    title: str
    planned: float | None
    achieved: float
    milestones: int
    milestones_done: int
    done: bool
    unit: str = ""


def progress(t: TargetFacts) -> float:
    if t.done:
        return 1.0
    if t.planned:
        return max(0.0, min(1.0, t.achieved / t.planned))
    if t.milestones:
        return t.milestones_done / t.milestones
    return 0.0


def _fmt(x: float) -> str:
    return f"{x:g}"


def shortfall(t: TargetFacts) -> str:
    """Why a target is not yet fully reached, in words."""
    if t.planned:
        return f"“{t.title}”目标 {_fmt(t.planned)}{t.unit}，审核通过 {_fmt(t.achieved)}{t.unit}"
    if t.milestones:
        return f"“{t.title}”节点完成 {t.milestones_done}/{t.milestones}"
    return f"“{t.title}”尚未完成"


def attainment(targets: list[TargetFacts]) -> tuple[float | None, list[str]]:
    """(mean progress 0..1 or None without targets, the shortfalls explaining what is missing)."""
    if not targets:
        return None, ["本期没有支部目标"]
    values = [progress(t) for t in targets]
    value = round(sum(values) / len(values), 4)
    lines = [shortfall(t) for t, v in zip(targets, values, strict=True) if v < 1]
    return value, lines
