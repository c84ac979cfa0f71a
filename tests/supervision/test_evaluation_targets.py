"""综合评估 reads target attainment (支部目标完成): the shortfalls explain the points lost; a branch
without targets due in the year has no data for it, left out like any other indicator without data."""

import datetime

import pytest
from django.apps import apps

pytestmark = pytest.mark.skipif(
    not apps.is_installed("zhibu.targets"), reason="the targets area is not installed"
)


def test_target_shortfalls_are_the_indicator_and_no_targets_is_no_data(cast, login, settings, tmp_path):
    from zhibu.supervision import assess
    from zhibu.targets import services
    from zhibu.targets.models import Milestone

    settings.MEDIA_ROOT = tmp_path
    today = datetime.date.today()
    year = today.year
    task = services.task_publish(district=cast.a.town.district, year=year, title="环境整治", by=cast.admin)
    services.target_assign(
        task=task,
        branches=[cast.a],
        title="完成农村人居环境整治",
        unit="户",
        planned="40",
        due=today,
        by=cast.admin,
    )
    (by_milestones,) = services.target_assign(
        task=task,
        branches=[cast.a],
        title="清理河道",
        due=today,
        milestones=[("摸排", today), ("验收", today)],
        by=cast.admin,
    )
    Milestone.objects.filter(target=by_milestones, title="摸排").update(done_on=today)
    # Due next year: not in this year's evaluation.
    services.target_assign(
        task=task, branches=[cast.b], title="明年的目标", due=datetime.date(year + 1, 6, 30), by=cast.admin
    )

    rows = {e.branch_id: e for e in assess.evaluate_branches([cast.a, cast.b], year)}
    line = {x["key"]: x for x in rows[cast.a.pk].result["lines"]}["targets"]
    assert line["status"] == "ok" and line["attained"] == 25.0  # (0/40 + 1/2) / 2
    assert line["lost"] == 7.5 and line["earned"] == 2.5
    texts = [r["text"] for r in line["reasons"]]
    assert texts == ["“完成农村人居环境整治”目标 40户，审核通过 0户", "“清理河道”节点完成 1/2"]
    assert sum(r["points"] for r in line["reasons"]) == pytest.approx(7.5, abs=0.02)

    result_b = rows[cast.b.pk].result
    line_b = {x["key"]: x for x in result_b["lines"]}["targets"]
    assert line_b["status"] == "no_data" and line_b["earned"] is None and not line_b["reasons"]
    assert result_b["scaled"] and result_b["possible"] <= 90  # left out, not counted as 0 or 100

    page = login("supervisor").get(f"/supervision/evaluations/{rows[cast.a.pk].pk}/").content.decode()
    assert "支部目标完成" in page and "“清理河道”节点完成 1/2" in page
    page_b = login("admin").get(f"/supervision/evaluations/{rows[cast.b.pk].pk}/").content.decode()
    assert "暂无数据" in page_b and "本期没有支部目标" in page_b
