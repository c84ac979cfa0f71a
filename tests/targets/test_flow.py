"""A target moves from plan to reviewed progress: assign → report with evidence → town review → case."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from zhibu.library.models import Item
from zhibu.notifications.models import Notification
from zhibu.targets import services
from zhibu.targets.models import Report, Target

from .conftest import png

pytestmark = pytest.mark.django_db


def test_assign_creates_planned_targets_with_milestones_and_tells_the_branch(world):
    t = Target.objects.get(pk=world.target_b.pk)
    assert t.status == Target.Status.PLANNED
    assert [m.title for m in t.milestones.all()] == ["完成入户摸排", "完成整治验收"]
    assert Notification.objects.filter(recipient=world.secretary_b, url=f"/targets/{t.pk}/").exists()


def test_target_moves_from_plan_to_reviewed_progress_through_the_pages(world, login):
    secretary, supervisor = login("secretary_b"), login("supervisor")
    t = world.target_b
    response = secretary.post(
        f"/targets/{t.pk}/report/",
        {"text": "完成入户摸排 120 户", "figure": "15", "milestone": "", "evidence": [png()]},
    )
    assert response.status_code == 302
    report = Report.objects.get(target=t)
    assert report.status == "submitted" and report.evidence.count() == 1
    t.refresh_from_db()
    assert t.status == Target.Status.ACTIVE
    # Branch B lies in town T2: T1's supervisor does not see it; the district admin reviews it.
    assert (
        supervisor.post(f"/targets/reports/{report.pk}/review/", {"decision": "approve"}).status_code == 404
    )
    admin = login("admin")
    assert (
        admin.post(
            f"/targets/reports/{report.pk}/review/", {"decision": "approve", "comment": "属实"}
        ).status_code
        == 302
    )
    report.refresh_from_db()
    t.refresh_from_db()
    assert report.status == "approved" and report.reviewed_by == world.admin
    assert float(t.achieved) == 15 and t.status == Target.Status.ACTIVE
    page = secretary.get(f"/targets/{t.pk}/").content.decode()
    assert "已通过" in page and "38%" in page
    assert Notification.objects.filter(recipient=world.secretary_b, title__contains="通过").exists()


def test_milestones_and_figure_complete_the_target(world):
    a = world.target_a
    services.report_review(report=world.report_a, approve=True, by=world.supervisor)
    r = services.report_submit(
        target=a, text="剩余 30 户完成", figure="30", milestone=world.milestone_a, by=world.secretary_a
    )
    services.report_review(report=r, approve=True, by=world.supervisor)
    a.refresh_from_db()
    world.milestone_a.refresh_from_db()
    assert world.milestone_a.done_on is not None
    assert a.status == Target.Status.DONE and float(a.achieved) == 40


def test_return_needs_a_comment_and_the_branch_is_told(world):
    with pytest.raises(ValidationError, match="退回意见"):
        services.report_review(report=world.report_a, approve=False, comment="", by=world.supervisor)
    services.report_review(report=world.report_a, approve=False, comment="照片看不清", by=world.supervisor)
    world.report_a.refresh_from_db()
    assert world.report_a.status == "returned"
    n = Notification.objects.get(recipient=world.secretary_a, dedupe_key=f"target-review-{world.report_a.pk}")
    assert "照片看不清" in n.title
    world.target_a.refresh_from_db()
    assert float(world.target_a.achieved) == 0


def test_evidence_is_checked_by_content_and_nothing_is_half_saved(world, login):
    before = Report.objects.count()
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = login("secretary_a").post(
        f"/targets/{world.target_a.pk}/report/", {"text": "进展", "figure": "1", "evidence": [png(), fake]}
    )
    assert response.status_code == 400
    assert "不是 PDF 或图片" in response.content.decode()
    assert Report.objects.count() == before


def test_bad_figure_is_named(world):
    with pytest.raises(ValidationError, match="本次完成数"):
        services.report_submit(target=world.target_a, text="进展", figure="十户", by=world.secretary_a)


def test_read_only_roles_cannot_report_or_review(world, login):
    assert login("auditor").post(f"/targets/{world.target_a.pk}/report/", {"text": "x"}).status_code == 403
    r = login("secretary_a").post(f"/targets/reports/{world.report_a.pk}/review/", {"decision": "approve"})
    assert r.status_code == 403


def test_notable_achievement_is_nominated_as_a_library_case(world, login):
    services.report_review(report=world.report_a, approve=True, comment="30 分钟签约", by=world.supervisor)
    response = login("supervisor").post(
        f"/targets/reports/{world.report_a.pk}/nominate/", {"title": "半小时完成签约", "lessons": "党员带头"}
    )
    assert response.status_code == 302
    item = Item.objects.get(kind="case", title="半小时完成签约")
    assert (
        item.source == "branch"
        and item.source_ref == f"target:{world.target_a.pk}/report:{world.report_a.pk}"
    )
    assert item.approved_by == world.supervisor and item.branch == world.a
    assert item.search_title  # indexed for the library's search
    with pytest.raises(ValidationError, match="已推荐"):
        services.report_nominate(report=world.report_a, by=world.supervisor)


def test_only_approved_progress_can_be_nominated(world):
    with pytest.raises(ValidationError, match="审核通过"):
        services.report_nominate(report=world.report_a, by=world.supervisor)


def test_milestone_lines_are_parsed_and_bad_lines_named():
    assert services.parse_milestones("2026-06-30 完成摸排\n\n2026年9月1日 验收") == [
        ("完成摸排", datetime.date(2026, 6, 30)),
        ("验收", datetime.date(2026, 9, 1)),
    ]
    with pytest.raises(ValidationError, match="第 2 行"):
        services.parse_milestones("2026-06-30 完成摸排\n明天 验收")


def test_publish_and_assign_through_the_pages(world, login):
    admin = login("admin")
    response = admin.post("/targets/tasks/new/", {"year": 2026, "title": "接诉即办", "description": "响应率"})
    assert response.status_code == 302
    task_url = response["Location"]
    response = login("supervisor").post(
        task_url + "assign/",
        {
            "branches": ["T1-002"],
            "title": "诉求办结率达到 95%",
            "due": "2026-12-31",
            "milestones": "2026-06-30 半年回访",
        },
    )
    assert response.status_code == 302
    t = Target.objects.get(title="诉求办结率达到 95%")
    assert t.branch == world.c and t.milestones.count() == 1
    assert login("supervisor").get("/targets/tasks/new/").status_code == 403


def test_the_town_sees_the_progress_waiting_for_review(world, login):
    page = login("supervisor").get("/targets/").content.decode()
    assert "待审核的目标进展" in page and f"/targets/{world.target_a.pk}/" in page
    assert "待审核的目标进展" not in login("secretary_a").get("/targets/").content.decode()
