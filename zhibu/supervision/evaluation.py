"""综合评估: the indicator model as data, and the score of one branch — pure Python, no Django.

An indicator is either
- "attainment": the branch's value is achieved / required (1.0 = the standard met). The ratio is
  capped at 1: nothing rewards going beyond the standard. Points lost = weight × (1 − ratio),
  explained by the shortfalls given with the value;
- "deductions": each item (a compliance violation, an unrectified supervision finding …) costs
  points, up to the indicator's cap. Points lost are explained item by item.
An indicator without data (its source area not installed, or nothing to measure) is left out and the
score is scaled over the indicators that have data; the explanation says so. Grades come from bands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ATTAINMENT = "attainment"
DEDUCTIONS = "deductions"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    weight: float
    kind: str
    cap: float | None = None  # deductions: most points this indicator can lose (default: its weight)
    per_item: float = 1.0  # deductions: points per item unless the item says otherwise
    source: str = ""  # what it is computed from, for the explanation


@dataclass(frozen=True)
class Model:
    indicators: tuple[Indicator, ...]
    bands: tuple[tuple[str, float], ...]  # (grade, minimum score), best first


@dataclass(frozen=True)
class Item:
    """One reason a point was lost: a finding, a missed month, a returned record."""

    text: str
    points: float | None = None
    ref: str = ""


@dataclass
class Value:
    value: float | None  # attainment: achieved / required; deductions: anything not None means "measured"
    items: list[Item] = field(default_factory=list)
    note: str = ""


DEFAULT_MODEL_DATA: dict[str, Any] = {
    "indicators": [
        {
            "key": "compliance",
            "label": "组织生活合规（一规检查）",
            "weight": 20,
            "kind": DEDUCTIONS,
            "cap": 20,
            "per_item": 5,
            "source": "合规检查发现的违规项每项扣 5 分、提醒项每项扣 1 分",
        },
        {
            "key": "schedule",
            "label": "按月开展组织生活",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "已过月份中开展了组织生活的月份占比",
        },
        {
            "key": "review",
            "label": "纪实审核一次通过",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "已审核纪实中未被退回的占比",
        },
        {
            "key": "learning",
            "label": "党员学时达标",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "党员学时按年度进度达标的程度（超过标准不加分）",
        },
        {
            "key": "training",
            "label": "调训参训与结业合格",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "本年结业的调训中合格的占比",
        },
        {
            "key": "dispatch",
            "label": "调度指令按期办结",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "按期办结的指令占已办结和已逾期指令的比例",
        },
        {
            "key": "targets",
            "label": "支部目标完成",
            "weight": 10,
            "kind": ATTAINMENT,
            "source": "已到期支部目标的平均完成度：有目标值的按审核通过数值，否则按节点完成（超过目标不加分）",
        },
        {
            "key": "supervision",
            "label": "督导意见整改",
            "weight": 20,
            "kind": DEDUCTIONS,
            "cap": 20,
            "per_item": 2,
            "source": "未销号的督导意见按严重程度扣分（一般 2、较重 4、严重 8），逾期销号扣 1 分",
        },
    ],
    "bands": [["优秀", 90], ["良好", 75], ["一般", 60], ["较差", 0]],
}


class ModelError(ValueError):
    pass


def model_from_data(data: Mapping[str, Any]) -> Model:
    """Validate an indicator model given as data (e.g. a district's own weights)."""
    indicators = []
    keys = set()
    for raw in data.get("indicators", []):
        kind = raw.get("kind")
        if kind not in (ATTAINMENT, DEDUCTIONS):
            raise ModelError(f"指标 {raw.get('key')} 的类型必须是 attainment 或 deductions")
        weight = float(raw.get("weight", 0))
        if weight <= 0:
            raise ModelError(f"指标 {raw.get('key')} 的权重必须大于 0")
        if raw["key"] in keys:
            raise ModelError(f"指标 {raw['key']} 重复")
        keys.add(raw["key"])
        cap = raw.get("cap")
        if cap is not None and not 0 < float(cap) <= weight:
            raise ModelError(f"指标 {raw['key']} 的扣分上限须在 0 和权重之间")
        indicators.append(
            Indicator(
                raw["key"],
                raw["label"],
                weight,
                kind,
                None if cap is None else float(cap),
                float(raw.get("per_item", 1)),
                raw.get("source", ""),
            )
        )
    if not indicators:
        raise ModelError("至少需要一个指标")
    bands = tuple((str(g), float(m)) for g, m in data.get("bands", []))
    if not bands or [m for _, m in bands] != sorted((m for _, m in bands), reverse=True) or bands[-1][1] != 0:
        raise ModelError("等次须从高到低排列，最后一档的下限为 0")
    return Model(tuple(indicators), bands)


DEFAULT_MODEL = model_from_data(DEFAULT_MODEL_DATA)


def grade_for(score: float, model: Model = DEFAULT_MODEL) -> str:
    for grade, minimum in model.bands:
        if score >= minimum:
            return grade
    return model.bands[-1][0]


def evaluate(values: Mapping[str, Value], model: Model = DEFAULT_MODEL) -> dict[str, Any]:
    """Score, grade and the explanation, line by line, down to the items behind each point lost."""
    lines = []
    earned_total = possible = 0.0
    for ind in model.indicators:
        v = values.get(ind.key)
        if v is None or v.value is None:
            lines.append(
                {
                    "key": ind.key,
                    "label": ind.label,
                    "weight": ind.weight,
                    "source": ind.source,
                    "status": "no_data",
                    "earned": None,
                    "lost": None,
                    "note": (v.note if v else "") or "暂无数据",
                    "reasons": [],
                }
            )
            continue
        if ind.kind == ATTAINMENT:
            ratio = max(0.0, min(1.0, float(v.value)))  # beyond the standard earns nothing more
            lost = round(ind.weight * (1 - ratio), 2)
            share = lost / len(v.items) if v.items and lost else None
            reasons = (
                [
                    {
                        "text": it.text,
                        "points": round(it.points if it.points is not None else share or 0, 2),
                        "ref": it.ref,
                    }
                    for it in v.items
                ]
                if lost
                else []
            )
            extra = {"attained": round(ratio * 100, 1)}
        else:
            cap = ind.cap if ind.cap is not None else ind.weight
            reasons, running = [], 0.0
            for it in v.items:
                points = max(0.0, it.points if it.points is not None else ind.per_item)
                counted = max(0.0, min(points, cap - running))
                running += counted
                reasons.append(
                    {
                        "text": it.text,
                        "points": round(counted, 2),
                        "ref": it.ref,
                        **({"capped": True} if counted < points else {}),
                    }
                )
            lost = round(running, 2)
            extra = {"items": len(v.items)}
        earned = round(ind.weight - lost, 2)
        earned_total += earned
        possible += ind.weight
        lines.append(
            {
                "key": ind.key,
                "label": ind.label,
                "weight": ind.weight,
                "source": ind.source,
                "status": "ok",
                "earned": earned,
                "lost": lost,
                "note": v.note,
                "reasons": reasons,
                **extra,
            }
        )
    if not possible:
        return {"score": None, "grade": "", "lines": lines, "possible": 0}
    score = round(100.0 * earned_total / possible, 1)
    return {
        "score": score,
        "grade": grade_for(score, model),
        "lines": lines,
        "possible": possible,
        "scaled": possible < sum(i.weight for i in model.indicators),
    }
