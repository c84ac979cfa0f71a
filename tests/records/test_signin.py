"""QR sign-in: a scan made before logging in still counts after a slow login; wrong people are refused."""

import datetime

import pytest
from django.test import Client

from tests.records.helpers import held_meeting
from zhibu.core import qr
from zhibu.records.models import Attendance


def test_a_scan_survives_a_slow_login(cast, monkeypatch):
    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date.today(), present=[])
    token = qr.make_token("meeting", meeting.pk)
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    assert "/login/" in phone.get(f"/records/signin/{token}/")["Location"]
    phone.force_login(cast.member_a)

    def expired(*args, **kwargs):
        raise ValueError("二维码已过期，请扫描屏幕上最新的二维码")

    monkeypatch.setattr(qr, "read_token", expired)
    response = phone.get(f"/records/signin/{token}/")
    assert "签到成功" in response.content.decode()
    assert Attendance.objects.get(meeting=meeting, member=cast.member_of_a).state == "present"
    # Without a scan remembered before login, an expired code is refused.
    other = Client()
    other.force_login(cast.worker_a)
    refused = other.get(f"/records/signin/{token}/")
    assert refused.status_code == 400 and "过期" in refused.content.decode()


def test_a_member_of_another_branch_is_not_signed_in(cast):
    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date.today(), present=[])
    phone = Client()
    phone.force_login(cast.secretary_b)
    page = phone.get(f"/records/signin/{qr.make_token('meeting', meeting.pk)}/").content.decode()
    assert "不是本支部党员" in page
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert phone.get(f"/records/signin/{qr.make_token('class', meeting.pk)}/").status_code == 400


def test_repeated_scans_make_one_row_and_one_audit_event_and_leave_turns_into_present(cast):
    from django.db import IntegrityError, transaction

    from zhibu.core.models import AuditEvent
    from zhibu.records import services

    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date.today(), present=[])
    meeting.status = "in_session"
    meeting.save()
    phone = Client()
    phone.force_login(cast.member_a)
    for _ in range(3):
        page = phone.get(f"/records/signin/{qr.make_token('meeting', meeting.pk)}/").content.decode()
        assert "签到成功" in page
    assert Attendance.objects.filter(meeting=meeting, member=cast.member_of_a).count() == 1
    assert AuditEvent.objects.filter(action="records.signin", target=f"Meeting:{meeting.pk}").count() == 1

    # Someone who asked for leave and came after all: their one row becomes present.
    other = cast.worker_a.member
    services.leave_request(meeting=meeting, member=other, reason="外出务工")
    row, signed = services.sign_in(meeting=meeting, member=other)
    assert signed and row.state == "present" and row.reason == ""
    assert Attendance.objects.filter(meeting=meeting, member=other).count() == 1

    # The database itself refuses a second platform row for one person; a paper ledger's copy is kept.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(meeting=meeting, member=other, state="absent")
    Attendance.objects.create(meeting=meeting, member=other, state="absent", imported=True)
