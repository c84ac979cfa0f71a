"""The indicator model (pure Python): score, grade, explanation; nothing rewards beyond the standard."""

import pytest

from zhibu.supervision.evaluation import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_DATA,
    Item,
    ModelError,
    Value,
    evaluate,
    grade_for,
    model_from_data,
)


def full():
    return {
        "compliance": Value(0),
        "schedule": Value(1.0),
        "review": Value(1.0),
        "learning": Value(1.0),
        "training": Value(1.0),
        "dispatch": Value(1.0),
        "targets": Value(1.0),
        "supervision": Value(0),
    }


def test_meeting_every_standard_scores_100_and_going_beyond_adds_nothing():
    assert evaluate(full())["score"] == 100.0
    beyond = full()
    beyond["schedule"] = Value(1.8)
    beyond["learning"] = Value(3.0)
    beyond["targets"] = Value(1.5)
    result = evaluate(beyond)
    assert result["score"] == 100.0 and result["grade"] == "优秀"


def test_each_point_lost_is_explained_by_its_findings():
    values = full()
    values["compliance"] = Value(
        2, [Item("2026年第一季度未召开支部党员大会", 5, "r1"), Item("3月支委会记录未签名", 1, "r9")]
    )
    values["schedule"] = Value(10 / 12, [Item("2026年2月未开展组织生活"), Item("2026年7月未开展组织生活")])
    result = evaluate(values)
    lines = {line["key"]: line for line in result["lines"]}
    assert lines["compliance"]["lost"] == 6
    assert [r["points"] for r in lines["compliance"]["reasons"]] == [5, 1]
    assert lines["compliance"]["reasons"][0]["ref"] == "r1"
    assert lines["schedule"]["lost"] == pytest.approx(10 * 2 / 12, abs=0.01)
    assert sum(r["points"] for r in lines["schedule"]["reasons"]) == pytest.approx(
        lines["schedule"]["lost"], abs=0.02
    )
    assert result["score"] == pytest.approx(100 - 6 - 1.67, abs=0.05)
    assert result["grade"] == "优秀"


def test_deductions_stop_at_the_cap_and_say_so():
    values = full()
    values["supervision"] = Value(1, [Item(f"督导意见 {i}", 8) for i in range(5)])
    line = next(x for x in evaluate(values)["lines"] if x["key"] == "supervision")
    assert line["lost"] == 20 and line["earned"] == 0
    assert line["reasons"][2]["points"] == 4 and line["reasons"][2]["capped"]
    assert line["reasons"][3]["points"] == 0


def test_missing_sources_are_no_data_and_the_score_is_scaled():
    values = full()
    del values["training"]
    values["learning"] = Value(None, note="学时模块未启用")
    values["review"] = Value(0.5, [Item("纪实被退回")])
    result = evaluate(values)
    lines = {line["key"]: line for line in result["lines"]}
    assert lines["training"]["status"] == "no_data" and lines["training"]["note"] == "暂无数据"
    assert lines["learning"]["note"] == "学时模块未启用"
    assert result["scaled"] and result["possible"] == 80
    assert result["score"] == pytest.approx(100 * 75 / 80, abs=0.05)


def test_target_shortfalls_explain_the_points_lost_and_no_targets_is_no_data():
    values = full()
    values["targets"] = Value(0.5, [Item("“拆违”目标 10处，审核通过 5处"), Item("“清河”节点完成 1/2")])
    line = next(x for x in evaluate(values)["lines"] if x["key"] == "targets")
    assert line["status"] == "ok" and line["attained"] == 50 and line["lost"] == 5
    assert [r["text"] for r in line["reasons"]] == ["“拆违”目标 10处，审核通过 5处", "“清河”节点完成 1/2"]
    assert sum(r["points"] for r in line["reasons"]) == 5
    values["targets"] = Value(None, note="本期没有支部目标")
    result = evaluate(values)
    line = next(x for x in result["lines"] if x["key"] == "targets")
    assert line["status"] == "no_data" and line["earned"] is None and line["note"] == "本期没有支部目标"
    # Left out exactly like any other indicator without data: the score is scaled over the other 90.
    assert result["scaled"] and result["possible"] == 90 and result["score"] == 100.0


def test_grade_bands():
    assert [grade_for(s) for s in (95, 90, 89.9, 75, 60, 59.9, 0)] == [
        "优秀",
        "优秀",
        "良好",
        "良好",
        "一般",
        "较差",
        "较差",
    ]
    assert evaluate({})["score"] is None


def test_model_as_data_is_validated():
    assert len(DEFAULT_MODEL.indicators) == 8
    assert sum(i.weight for i in DEFAULT_MODEL.indicators) == 100
    bad = dict(DEFAULT_MODEL_DATA, bands=[["好", 50], ["优", 90], ["差", 0]])
    with pytest.raises(ModelError):
        model_from_data(bad)
    bad = dict(DEFAULT_MODEL_DATA, indicators=[dict(DEFAULT_MODEL_DATA["indicators"][0], cap=40)])
    with pytest.raises(ModelError):
        model_from_data(bad)
