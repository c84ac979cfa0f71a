"""督导意见 → 整改 (with evidence) → 销号, through the pages, with notifications and board counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _open(cast, login):
    client = login("supervisor")
    deadline = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    response = client.post(
        "/supervision/branches/T1-001/findings/new/",
        {
            "category": "record",
            "severity": "major",
            "text": "会议记录缺少表决结果",
            "fix": "补记表决结果",
            "deadline": deadline,
        },
    )
    assert response.status_code == 302
    from zhibu.supervision.models import Finding

    return Finding.objects.get(branch=cast.a, text="会议记录缺少表决结果")


def test_finding_rectification_closure(cast, login, django_capture_on_commit_callbacks):
    from zhibu.notifications.models import Notification
    from zhibu.supervision.models import BranchStatus, Event, Finding

    with django_capture_on_commit_callbacks(execute=True):
        finding = _open(cast, login)
    assert Notification.objects.filter(
        recipient=cast.secretary_a, url__endswith=f"/findings/{finding.pk}/"
    ).exists()
    assert BranchStatus.objects.get(branch=cast.a).open_findings == 1
    assert Event.objects.filter(kind="finding.opened", branch=cast.a).exists()

    secretary = login("secretary_a")
    # A file that is not a PDF or an image is refused by content, whatever its name.
    bad = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    secretary.post(f"/supervision/findings/{finding.pk}/rectify/", {"text": "已补记", "evidence": bad})
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and not finding.rectifications.exists()

    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    response = secretary.post(
        f"/supervision/findings/{finding.pk}/rectify/", {"text": "已补记表决结果", "evidence": png}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RESPONDED
    evidence = finding.rectifications.get().evidence.get()
    assert evidence.content_type == "image/png"
    assert secretary.get(f"/supervision/evidence/{evidence.pk}/").status_code == 200
    assert login("secretary_b").get(f"/supervision/evidence/{evidence.pk}/").status_code == 404

    supervisor = login("supervisor")
    # Sending back needs a reason.
    supervisor.post(f"/supervision/findings/{finding.pk}/decide/", {"decision": "return", "comment": ""})
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RESPONDED
    supervisor.post(
        f"/supervision/findings/{finding.pk}/decide/", {"decision": "return", "comment": "请附会议记录页照片"}
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN
    secretary.post(f"/supervision/findings/{finding.pk}/rectify/", {"text": "已附照片"})
    with django_capture_on_commit_callbacks(execute=True):
        supervisor.post(
            f"/supervision/findings/{finding.pk}/decide/", {"decision": "close", "comment": "整改到位"}
        )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED and finding.closed_by == cast.supervisor
    assert BranchStatus.objects.get(branch=cast.a).open_findings == 0
    from zhibu.core.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="supervision.finding_close", target=f"Finding:{finding.pk}"
    ).exists()


def test_bad_finding_input_names_the_field(cast, login):
    client = login("supervisor")
    response = client.post(
        "/supervision/branches/T1-001/findings/new/",
        {"category": "record", "severity": "major", "text": "x", "fix": "y", "deadline": "2001-01-01"},
    )
    assert response.status_code == 200
    assert "整改期限不能早于今天" in response.content.decode()
    response = client.post(
        "/supervision/branches/T1-001/findings/new/",
        {"category": "record", "severity": "major", "text": "x", "fix": "y", "deadline": "明天"},
    )
    assert "日期格式不对" in response.content.decode()
    from zhibu.supervision.models import Finding

    assert not Finding.objects.filter(branch=cast.a).exists()
