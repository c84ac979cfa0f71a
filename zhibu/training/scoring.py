"""The calculations of 练, with no Django: rubric aggregation, exam papers, marking, item analysis, pass rule.

Everything here takes plain values and returns plain values, so it is tested on its own.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from statistics import mean

# ---------------------------------------------------------------- drills


@dataclass(frozen=True)
class CriterionSpec:
    key: int
    name: str
    max_points: int


@dataclass
class CriterionResult:
    key: int
    name: str
    max_points: int
    mean: float | None
    spread: int
    flagged: bool
    by_scorer: dict


@dataclass
class DrillResult:
    criteria: list[CriterionResult]
    total: float | None
    max_total: int
    scorers: int
    flagged: bool
    complete: bool = field(default=False)


def check_points(points, max_points: int, name: str) -> int:
    """A score for one criterion, refused when outside 0..max with a message naming the criterion."""
    try:
        value = int(points)
    except (TypeError, ValueError):
        raise ValueError(f"“{name}”的分数必须是整数") from None
    if value != points and str(value) != str(points).strip():
        raise ValueError(f"“{name}”的分数必须是整数")
    if value < 0 or value > max_points:
        raise ValueError(f"“{name}”的分数 {value} 超出范围（0–{max_points} 分）")
    return value


def combine(criteria: list[CriterionSpec], scores: dict, spread_ratio: float = 0.3) -> DrillResult:
    """Combine several scorers' points: the mean per criterion, summed; flag large disagreement.

    `scores` maps scorer → {criterion key → points}. A criterion is flagged when the highest and
    lowest scorer differ by more than `spread_ratio` of its maximum points.
    """
    results = []
    for c in criteria:
        given = {s: pts[c.key] for s, pts in scores.items() if c.key in pts}
        values = list(given.values())
        spread = (max(values) - min(values)) if values else 0
        flagged = len(values) >= 2 and spread > spread_ratio * c.max_points
        results.append(
            CriterionResult(
                c.key,
                c.name,
                c.max_points,
                round(mean(values), 2) if values else None,
                spread,
                flagged,
                given,
            )
        )
    means = [r.mean for r in results]
    total = round(sum(m for m in means if m is not None), 2) if any(m is not None for m in means) else None
    scorer_count = len([s for s, pts in scores.items() if pts])
    return DrillResult(
        results,
        total,
        sum(c.max_points for c in criteria),
        scorer_count,
        any(r.flagged for r in results),
        complete=bool(criteria) and all(m is not None for m in means),
    )


def careless(total: float | None, threshold: float) -> bool:
    """演练不认真: a drill total below the class's threshold."""
    return total is not None and total < threshold


# ---------------------------------------------------------------- exams

KINDS = ("single", "multiple", "judge", "fill")


@dataclass(frozen=True)
class PoolItem:
    id: int
    topic: str
    kind: str


def assemble_paper(pool: list[PoolItem], quotas: list[dict], seed) -> list[int]:
    """Draw one examinee's paper: for each quota {"topic", "kind", "count"} that many distinct questions.

    The same seed gives the same paper (a reload shows the same questions); an empty topic means any topic.
    Raises ValueError naming the quota when the bank holds too few questions for it.
    """
    rng = random.Random(seed)
    chosen: list[int] = []
    taken: set[int] = set()
    for i, q in enumerate(quotas, start=1):
        count = int(q.get("count", 0))
        if count <= 0:
            continue
        topic = q.get("topic") or ""
        candidates = sorted(
            p.id
            for p in pool
            if p.kind == q["kind"] and (not topic or p.topic == topic) and p.id not in taken
        )
        if len(candidates) < count:
            label = f"{topic or '任意专题'}·{KIND_LABELS.get(q['kind'], q['kind'])}"
            raise ValueError(f"抽题规则第 {i} 行（{label}）需要 {count} 题，题库只有 {len(candidates)} 题")
        picked = rng.sample(candidates, count)
        taken.update(picked)
        chosen.extend(picked)
    return chosen


KIND_LABELS = {"single": "单选题", "multiple": "多选题", "judge": "判断题", "fill": "填空题"}


def _norm(text) -> str:
    return "".join(str(text).split()).lower()


def mark(kind: str, key, given) -> bool:
    """Whether an answer is right. single: key is an option index; multiple: a list of indices
    (all and only those); judge: True/False; fill: a list of accepted texts (spaces and case ignored)."""
    if given is None or given == "" or given == []:
        return False
    if kind == "single":
        return str(given) == str(key)
    if kind == "multiple":
        try:
            return sorted(int(x) for x in given) == sorted(int(x) for x in key)
        except (TypeError, ValueError):
            return False
    if kind == "judge":
        value = given if isinstance(given, bool) else str(given).lower() in ("true", "1", "对", "正确")
        return value == bool(key)
    if kind == "fill":
        accepted = key if isinstance(key, list) else [key]
        return _norm(given) in {_norm(a) for a in accepted}
    raise ValueError(f"未知题型 {kind}")


def percent(correct: int, total: int) -> float:
    return round(100 * correct / total, 1) if total else 0.0


@dataclass
class ItemStats:
    question: int
    answered: int
    difficulty: float  # p: the share who got it right
    discrimination: float | None  # D = p(upper 27%) − p(lower 27%)


def item_analysis(attempts: list[tuple[float, dict]], fraction: float = 0.27) -> dict[int, ItemStats]:
    """Classical item analysis over finished attempts, each (total score, {question id: correct}).

    Difficulty p is the share of examinees who answered the item correctly; discrimination D is the
    difference in that share between the top and the bottom `fraction` of examinees by total score
    (None when fewer than 2 examinees saw the item in each group).
    """
    ranked = sorted(attempts, key=lambda a: a[0])
    n = len(ranked)
    k = max(1, round(n * fraction)) if n >= 2 else 0
    lower, upper = ranked[:k], ranked[n - k :] if k else []
    seen: dict[int, list[bool]] = defaultdict(list)
    for _, items in ranked:
        for qid, ok in items.items():
            seen[qid].append(bool(ok))
    out = {}
    for qid, marks in seen.items():
        lo = [a[1][qid] for a in lower if qid in a[1]]
        hi = [a[1][qid] for a in upper if qid in a[1]]
        disc = (
            round(sum(hi) / len(hi) - sum(lo) / len(lo), 3) if len(lo) >= 1 and len(hi) >= 1 and k else None
        )
        out[qid] = ItemStats(qid, len(marks), round(sum(marks) / len(marks), 3), disc)
    return out


# ---------------------------------------------------------------- outcome


@dataclass(frozen=True)
class PassRule:
    min_attendance: float = 80.0  # percent of sessions signed in
    exam_pass: float = 60.0  # percent
    drill_threshold: float = 60.0  # total points; below is 演练不认真


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reasons: tuple[str, ...]  # codes: absent, exam, drill
    messages: tuple[str, ...]


def outcome(
    rule: PassRule,
    *,
    attendance: float,
    exam_score: float | None,
    has_exam: bool,
    drill_total: float | None,
    has_drill: bool,
) -> Outcome:
    """Pass when attendance, exam and drill each meet the rule; the reasons name what fell short."""
    reasons, messages = [], []
    if attendance < rule.min_attendance:
        reasons.append("absent")
        messages.append(f"出勤率 {attendance:.0f}% 低于 {rule.min_attendance:.0f}%")
    if has_exam and (exam_score is None or exam_score < rule.exam_pass):
        reasons.append("exam")
        messages.append(
            "未参加考试"
            if exam_score is None
            else f"考试成绩 {exam_score:.1f} 分低于 {rule.exam_pass:.0f} 分"
        )
    if has_drill and (drill_total is None or drill_total < rule.drill_threshold):
        reasons.append("drill")
        messages.append(
            "未参加演练"
            if drill_total is None
            else f"演练得分 {drill_total:.1f} 低于 {rule.drill_threshold:.0f} 分（演练不认真）"
        )
    return Outcome(not reasons, tuple(reasons), tuple(messages))


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open intervals [start, end) overlap."""
    return a_start < b_end and b_start < a_end
