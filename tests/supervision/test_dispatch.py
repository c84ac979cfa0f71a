"""调度指令: to a town → read, acknowledged, done with evidence; overdue escalation; timeliness."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_dispatch_to_a_town_done_with_evidence(cast, login, django_capture_on_commit_callbacks):
    from zhibu.supervision.models import Dispatch, DispatchTarget, Event

    admin = login("admin")
    deadline = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = admin.post(
        "/supervision/dispatches/new/",
        {
            "title": "报送主题党日照片",
            "body": "请上传本月主题党日现场照片",
            "priority": "urgent",
            "deadline": deadline,
            "scope": "town",
            "town": "T1",
        },
    )
    assert response.status_code == 302
    dispatch = Dispatch.objects.get(title="报送主题党日照片")
    assert set(dispatch.targets.values_list("branch__code", flat=True)) == {"T1-001", "T1-002"}

    secretary = login("secretary_a")
    assert secretary.get(f"/supervision/dispatches/{dispatch.pk}/").status_code == 200
    target = dispatch.targets.get(branch=cast.a)
    assert target.status == DispatchTarget.Status.READ and target.read_at
    secretary.post(f"/supervision/targets/{target.pk}/ack/")
    target.refresh_from_db()
    assert target.status == DispatchTarget.Status.ACKNOWLEDGED
    pdf = SimpleUploadedFile("photos.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        secretary.post(
            f"/supervision/targets/{target.pk}/done/", {"note": "已上传 6 张照片", "evidence": pdf}
        )
    target.refresh_from_db()
    assert target.status == DispatchTarget.Status.DONE and target.on_time
    assert target.evidence.count() == 1
    assert Event.objects.filter(
        kind="dispatch.answered", branch=cast.a, payload__dispatch_id=dispatch.pk
    ).exists()
    # Another branch's copy cannot be answered by this secretary.
    other = dispatch.targets.get(branch=cast.c)
    assert secretary.post(f"/supervision/targets/{other.pk}/done/", {"note": "x"}).status_code == 404

    page = admin.get(f"/supervision/dispatches/{dispatch.pk}/").content.decode()
    assert "按期 1" in page


def test_branch_list_scope_refuses_unknown_or_out_of_reach_codes(cast, login):
    from zhibu.supervision.models import Dispatch

    supervisor = login("supervisor")
    deadline = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = supervisor.post(
        "/supervision/dispatches/new/",
        {
            "title": "t",
            "body": "b",
            "priority": "normal",
            "deadline": deadline,
            "scope": "branches",
            "branches": "T1-001, T2-001",
        },
    )
    assert response.status_code == 200
    assert "T2-001" in response.content.decode()
    assert not Dispatch.objects.exists()


def test_overdue_escalates_to_town_once(cast):
    from zhibu.notifications.models import Notification
    from zhibu.supervision import services

    d = services.dispatch_create(
        district=cast.a.town.district,
        branches=[cast.a],
        title="逾期测试",
        body="b",
        priority="normal",
        deadline=datetime.date.today(),
    )
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert services.escalate_overdue(today=tomorrow) == 1
    assert services.escalate_overdue(today=tomorrow) == 0
    assert (
        Notification.objects.filter(
            recipient=cast.supervisor, kind="escalation", title__contains="逾期"
        ).count()
        == 1
    )
    assert d.targets.get().escalated_at is not None
    stats = services.timeliness(d.targets.all())
    assert stats["total"] == 1
    call_command("supervision", "escalate")
