"""Target progress as an evaluation indicator: the pure calculation and target_attainment(branch, period)."""

import datetime

import pytest

from zhibu.targets import services
from zhibu.targets.attainment import TargetFacts, attainment, progress
from zhibu.targets.selectors import target_attainment, target_attainments


def test_progress_by_figure_is_capped_and_by_milestones_otherwise():
    assert progress(TargetFacts("甲", 40, 60, 0, 0, False)) == 1.0
    assert progress(TargetFacts("甲", 40, 10, 2, 2, False)) == 0.25
    assert progress(TargetFacts("乙", None, 0, 4, 1, False)) == 0.25
    assert progress(TargetFacts("丙", None, 0, 0, 0, True)) == 1.0


def test_attainment_explains_each_shortfall():
    value, lines = attainment(
        [TargetFacts("拆违", 10, 5, 0, 0, False, "处"), TargetFacts("清河", None, 0, 2, 2, False)]
    )
    assert value == 0.75
    assert lines == ["“拆违”目标 10处，审核通过 5处"]
    assert attainment([]) == (None, ["本期没有支部目标"])


@pytest.mark.django_db
def test_target_attainment_of_a_branch(world):
    assert target_attainment(world.a, 2026)[0] == 0.0
    services.report_review(report=world.report_a, approve=True, by=world.supervisor)
    value, lines = target_attainment(world.a, 2026)
    assert value == 0.25 and "审核通过 10户" in lines[0]
    assert target_attainment(world.a, (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))[0] is None
    both = target_attainments([world.a, world.b, world.c], 2026)
    assert both[world.a.pk] == (value, lines)
    assert both[world.b.pk][0] == 0.0 and both[world.c.pk][0] is None
