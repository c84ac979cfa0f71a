"""The pure calculations of 练 (no database)."""

import pytest

from zhibu.training import scoring
from zhibu.training.scoring import CriterionSpec, PassRule, PoolItem

CRITERIA = [CriterionSpec(1, "程序完整有序", 30), CriterionSpec(2, "仪态规范", 10)]


def test_two_scorers_are_averaged_per_criterion_and_summed():
    result = scoring.combine(CRITERIA, {"a": {1: 24, 2: 8}, "b": {1: 28, 2: 10}})
    assert [c.mean for c in result.criteria] == [26, 9]
    assert result.total == 35
    assert result.max_total == 40
    assert result.scorers == 2
    assert result.complete and not result.flagged


def test_large_disagreement_is_flagged_by_the_configured_spread():
    scores = {"a": {1: 30, 2: 9}, "b": {1: 12, 2: 8}}
    assert scoring.combine(CRITERIA, scores, spread_ratio=0.3).criteria[0].flagged  # 18 > 9
    assert not scoring.combine(CRITERIA, scores, spread_ratio=0.7).flagged  # 18 < 21
    assert not scoring.combine(CRITERIA, {"a": {1: 30}}).flagged  # one scorer never disagrees


def test_partial_scoring_is_not_complete():
    result = scoring.combine(CRITERIA, {"a": {1: 20}})
    assert result.total == 20 and not result.complete
    assert scoring.combine(CRITERIA, {}).total is None


@pytest.mark.parametrize("bad", [-1, 31, "abc", 12.5, "12.5"])
def test_points_outside_the_range_are_refused_naming_the_criterion(bad):
    with pytest.raises(ValueError, match="程序完整有序"):
        scoring.check_points(bad, 30, "程序完整有序")


def test_points_inside_the_range():
    assert scoring.check_points("30", 30, "x") == 30
    assert scoring.check_points(0, 30, "x") == 0


def test_careless_below_threshold():
    assert scoring.careless(59.5, 60)
    assert not scoring.careless(60, 60)
    assert not scoring.careless(None, 60)


POOL = [PoolItem(i, "党章" if i <= 10 else "条例", "single" if i % 2 else "judge") for i in range(1, 21)]


def test_paper_follows_quotas_and_the_same_seed_gives_the_same_paper():
    quotas = [{"topic": "党章", "kind": "single", "count": 3}, {"topic": "", "kind": "judge", "count": 4}]
    paper = scoring.assemble_paper(POOL, quotas, 42)
    assert len(paper) == len(set(paper)) == 7
    items = {p.id: p for p in POOL}
    assert all(items[q].topic == "党章" and items[q].kind == "single" for q in paper[:3])
    assert all(items[q].kind == "judge" for q in paper[3:])
    assert scoring.assemble_paper(POOL, quotas, 42) == paper
    papers = {tuple(scoring.assemble_paper(POOL, quotas, seed)) for seed in range(20)}
    assert len(papers) > 1  # examinees get different papers


def test_a_quota_the_bank_cannot_fill_is_refused_naming_it():
    with pytest.raises(ValueError, match="第 1 行.*党章·单选题.*需要 9 题.*只有 5 题"):
        scoring.assemble_paper(POOL, [{"topic": "党章", "kind": "single", "count": 9}], 1)


def test_marking_each_kind():
    assert scoring.mark("single", 2, "2") and not scoring.mark("single", 2, 1)
    assert scoring.mark("multiple", [0, 2], ["2", "0"]) and not scoring.mark("multiple", [0, 2], [0])
    assert scoring.mark("judge", True, "true") and scoring.mark("judge", False, False)
    assert not scoring.mark("judge", True, None)
    assert scoring.mark("fill", ["民主集中制"], " 民主 集中制 ") and not scoring.mark(
        "fill", ["三会一课"], "三会"
    )
    assert not scoring.mark("single", 0, "")


def test_item_analysis_difficulty_and_discrimination():
    # 10 examinees: question 1 is answered right by the strong half only, question 2 by everyone.
    attempts = [(float(score), {1: score >= 50, 2: True}) for score in range(0, 100, 10)]
    stats = scoring.item_analysis(attempts)
    assert stats[1].difficulty == 0.5 and stats[1].discrimination == 1.0
    assert stats[2].difficulty == 1.0 and stats[2].discrimination == 0.0
    assert stats[1].answered == 10
    assert scoring.item_analysis([(50.0, {1: True})])[1].discrimination is None


def test_pass_rule_names_what_fell_short():
    rule = PassRule(min_attendance=80, exam_pass=60, drill_threshold=60)
    ok = scoring.outcome(rule, attendance=100, exam_score=75, has_exam=True, drill_total=80, has_drill=True)
    assert ok.passed and not ok.reasons
    bad = scoring.outcome(rule, attendance=50, exam_score=40, has_exam=True, drill_total=55, has_drill=True)
    assert not bad.passed and bad.reasons == ("absent", "exam", "drill")
    assert "演练不认真" in bad.messages[2]
    no_exam = scoring.outcome(
        rule, attendance=100, exam_score=None, has_exam=True, drill_total=None, has_drill=False
    )
    assert no_exam.reasons == ("exam",) and no_exam.messages == ("未参加考试",)


def test_overlaps_is_half_open():
    assert scoring.overlaps(1, 3, 2, 4)
    assert not scoring.overlaps(1, 2, 2, 3)
