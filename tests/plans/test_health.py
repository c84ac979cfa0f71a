"""支部体检: one page drawing rules, records, learning, training, targets and supervision together."""

import datetime

import pytest

from zhibu.supervision.models import Finding
from zhibu.targets import services as targets

pytestmark = pytest.mark.django_db

SECTIONS = {
    "rules": "一规·组织生活合规",
    "records": "一册·会议纪实",
    "learning": "学·学时",
    "training": "练·调训",
    "targets": "干·支部目标",
    "supervision": "督·督导与评估",
}


def test_the_health_page_shows_all_five_functions_and_what_to_do_next(cast, login):
    today = datetime.date.today()
    task = targets.task_publish(
        district=cast.a.town.district, year=today.year, title="乡村振兴", by=cast.admin
    )
    targets.target_assign(
        task=task,
        branches=[cast.a],
        title="发展集体经济项目",
        due=today - datetime.timedelta(days=1),
        planned="2",
    )
    Finding.objects.create(
        branch=cast.a, category="attendance", severity="major", text="到会不足", fix="重开", deadline=today
    )
    for role in ("secretary_a", "supervisor", "admin"):
        page = login(role).get("/plans/branches/T1-001/").content.decode()
        for key, title in SECTIONS.items():
            assert f'id="{key}"' in page and title in page, (role, key)
        assert "下一步要做的事" in page
        assert "个支部目标已过期限未完成" in page
        assert "督导意见待整改" in page
        assert "合规检查有" in page  # a branch without meetings breaks the frequency rules


def test_a_role_sees_only_the_sections_its_role_may_see(cast, login):
    page = login("centre").get("/plans/branches/T1-001/").content.decode()
    assert 'id="targets"' in page and 'id="rules"' in page


def test_the_branch_secretary_is_pointed_to_the_health_page(cast, login):
    page = login("secretary_a").get("/").content.decode()
    assert "/plans/branches/T1-001/" in page
