"""A meeting's life through the pages: plan → QR sign-in from a phone → minutes → submit → review → findings."""

import datetime
import io
import re

from django.test import Client
from PIL import Image

from zhibu.core import qr
from zhibu.notifications.models import Notification
from zhibu.orgs.models import Member
from zhibu.records.models import Attendance, Meeting, Seal

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_plan_sign_in_minute_submit_review(cast, login, django_user_model):
    today = datetime.date.today()
    secretary = login("secretary_a")
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    response = secretary.post(
        "/records/branches/T1-001/new/",
        {
            "types": ["general_meeting", "theme_day"],
            "date": today.isoformat(),
            "start_time": "09:00",
            "place": "村党员活动室",
            "topic": "学习党章",
            "chair": members[0].pk,
            "recorder": members[2].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    meeting = Meeting.objects.get(branch=cast.a, topic="学习党章")
    assert meeting.status == "planned"
    # The notice reached the expected attendee who has an account.
    assert Notification.objects.filter(recipient=cast.member_a, title__contains="会议通知").exists()

    # The room screen shows a QR code; the member scans it with a phone, logging in first.
    screen = secretary.get(f"/records/{meeting.pk}/screen/").content.decode()
    assert "<svg" in screen and "every 20s" in screen
    token = qr.make_token("meeting", meeting.pk)
    phone = Client(**PHONE)
    first = phone.get(f"/records/signin/{token}/")
    assert first.status_code == 302 and "/login/" in first["Location"]
    phone.force_login(cast.member_a)
    done = phone.get(f"/records/signin/{token}/")
    assert done.status_code == 200 and "签到成功" in done.content.decode()
    again = phone.get(f"/records/signin/{token}/")  # idempotent
    assert "签到成功" in again.content.decode()
    assert Attendance.objects.filter(meeting=meeting, state="present").count() == 1
    assert phone.get("/records/signin/forged-token/").status_code == 400

    # Half present is not a quorum: the finding shows next to the record while it is filled in.
    page = secretary.get(f"/records/{meeting.pk}/edit/").content.decode()
    assert "不足" in page or "未过半" in page or "半数" in page

    # The secretary signs in the members without phones by proxy.
    for m in members:
        secretary.post(f"/records/{meeting.pk}/attendance/", {"member": m.pk, "state": "present"})
    assert Attendance.objects.get(meeting=meeting, member=members[0]).by_proxy
    assert not Attendance.objects.get(meeting=meeting, member=cast.member_of_a).by_proxy

    # Session steps through the standard procedure.
    secretary.post(f"/records/{meeting.pk}/session/", {"action": "start"})
    secretary.post(f"/records/{meeting.pk}/session/", {"action": "next"})
    meeting.refresh_from_db()
    assert meeting.status == "in_session" and meeting.step == 1
    assert "宣布议程" in secretary.get(f"/records/{meeting.pk}/").content.decode()

    # Minutes, a resolution, a photo and a sign-in sheet scan.
    data = {
        "types": ["general_meeting", "theme_day"],
        "date": today.isoformat(),
        "start_time": "09:00",
        "place": "村党员活动室",
        "topic": "学习党章",
        "chair": members[0].pk,
        "recorder": members[2].pk,
        "minutes": "书记领学党章第一章，党员交流体会。",
    }
    assert secretary.post(f"/records/{meeting.pk}/edit/", data).status_code == 302
    secretary.post(
        f"/records/{meeting.pk}/resolutions/",
        {"title": "同意开展志愿服务", "yes": 3, "no": 0, "abstain": 0, "declared": "passed"},
    )
    for kind in ("photo", "signin"):
        upload = io.BytesIO(_jpeg())
        upload.name = "现场.jpg"
        secretary.post(f"/records/{meeting.pk}/attachments/", {"kind": kind, "file": upload})
    assert meeting.attachments.count() == 2 and meeting.resolutions.count() == 1
    page = secretary.get(f"/records/{meeting.pk}/").content.decode()
    assert "符合规定" in page

    # Submit: sealed into the branch's chain; the town supervisor is told.
    assert secretary.post(f"/records/{meeting.pk}/submit/").status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "submitted" and meeting.submitted == today
    assert Seal.objects.filter(meeting=meeting).count() == 1
    assert Notification.objects.filter(recipient=cast.supervisor, title__contains="待审核").exists()
    assert secretary.post(f"/records/{meeting.pk}/edit/", data).status_code == 302  # refused, redirected
    assert "已存证" in secretary.get(f"/records/{meeting.pk}/").content.decode()

    # The supervisor returns it with a comment, then approves the resubmission.
    supervisor = login("supervisor")
    supervisor.post(f"/records/{meeting.pk}/review/", {"decision": "returned", "comment": ""})
    meeting.refresh_from_db()
    assert meeting.status == "submitted"  # a return needs a comment
    supervisor.post(f"/records/{meeting.pk}/review/", {"decision": "returned", "comment": "请补充讨论内容"})
    meeting.refresh_from_db()
    assert meeting.status == "returned"
    assert Notification.objects.filter(recipient=cast.secretary_a, title__contains="退回").exists()
    data["minutes"] += "讨论中大家表示要带头参加志愿服务。"
    secretary.post(f"/records/{meeting.pk}/edit/", data)
    secretary.post(f"/records/{meeting.pk}/submit/")
    supervisor.post(f"/records/{meeting.pk}/review/", {"decision": "approved", "comment": "规范"})
    meeting.refresh_from_db()
    assert meeting.status == "approved" and Seal.objects.filter(meeting=meeting).count() == 2

    # Approved records are never edited: a correction is an amendment, sealed too.
    secretary.post(f"/records/{meeting.pk}/amend/", {"reason": "记录人写错", "text": "记录人应为甲党务"})
    assert meeting.amendments.count() == 1
    assert Seal.objects.filter(meeting=meeting).count() == 3

    from zhibu.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="records.review", target=f"Meeting:{meeting.pk}").count() == 2
    listing = secretary.get("/records/?type=theme_day").content.decode()
    assert "学习党章" in listing
    assert "学习党章" not in secretary.get("/records/?type=committee_meeting").content.decode()

    # The branch's compliance page links the record; the member sees the meeting but not the findings.
    assert login("member_a").get(f"/records/{meeting.pk}/").status_code == 200
    assert login("member_a").get("/rules/branches/T1-001/").status_code == 403
    page = secretary.get("/rules/branches/T1-001/").content.decode()
    assert "检查结果" in page and re.search(r"\d+", page)


def test_leave_request_and_sheet(cast, login):
    secretary = login("secretary_a")
    day = datetime.date.today() + datetime.timedelta(days=3)
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    secretary.post(
        "/records/branches/T1-001/new/",
        {
            "types": ["committee_meeting"],
            "date": day.isoformat(),
            "place": "会议室",
            "topic": "研究发展党员",
            "chair": members[0].pk,
            "recorder": members[0].pk,
        },
    )
    meeting = Meeting.objects.get(topic="研究发展党员")
    member = login("member_a")
    assert member.post(f"/records/{meeting.pk}/leave/", {"reason": ""}).status_code == 200
    member.post(f"/records/{meeting.pk}/leave/", {"reason": "外出就医"})
    row = Attendance.objects.get(meeting=meeting, member=cast.member_of_a)
    assert row.state == "leave" and row.reason == "外出就医"
    pdf = secretary.get(f"/records/{meeting.pk}/signin.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_attachments_are_checked_from_content(cast, login):
    from tests.records.helpers import held_meeting

    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date.today())
    secretary = login("secretary_a")
    fake = io.BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "photo.jpg"
    secretary.post(f"/records/{meeting.pk}/attachments/", {"kind": "photo", "file": fake})
    assert meeting.attachments.count() == 0
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj << /OpenAction << /JS (app.alert(1)) >> >> endobj")
    pdf.name = "scan.pdf"
    secretary.post(f"/records/{meeting.pk}/attachments/", {"kind": "minutes_scan", "file": pdf})
    assert meeting.attachments.count() == 0
    good = io.BytesIO(_jpeg() + b"<script>hidden</script>")
    good.name = "a.jpg"
    secretary.post(f"/records/{meeting.pk}/attachments/", {"kind": "photo", "file": good})
    item = meeting.attachments.get()
    stored = item.file.read()
    assert b"<script>" not in stored and stored.startswith(b"\xff\xd8")
    assert len(item.sha256) == 64
    assert secretary.get(f"/records/attachments/{item.pk}/")["X-Content-Type-Options"] == "nosniff"
