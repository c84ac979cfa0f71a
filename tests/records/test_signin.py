"""QR sign-in: a scan made before logging in still counts after a slow login; wrong people are refused."""

import datetime

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
