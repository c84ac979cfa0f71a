"""Signing in to a class session by the rotating QR code on the screen."""

from django.core import signing

from zhibu.core import qr
from zhibu.training.models import Attendance


def test_qr_page_rotates_and_a_trainee_signs_in_once(cast, course, login):
    centre = login("centre")
    page = centre.get(f"/training/sessions/{course.session.pk}/qr/").content.decode()
    assert "<svg" in page and 'hx-trigger="every' in page
    assert "<svg" in centre.get(f"/training/sessions/{course.session.pk}/qr/code/").content.decode()
    token = qr.make_token("class-session", course.session.pk)
    member = login("member_a")
    assert "确认签到" in member.get(f"/training/signin/{token}/").content.decode()
    first = member.post(f"/training/signin/{token}/")
    assert "签到成功" in first.content.decode()
    member.post(f"/training/signin/{token}/")  # a second scan changes nothing
    assert Attendance.objects.filter(session=course.session, enrolment__member=cast.member_of_a).count() == 1
    e = course.klass.enrolments.get(member=cast.member_of_a)
    assert e.status == "confirmed"
    assert "已签到 1 人" in centre.get(f"/training/sessions/{course.session.pk}/qr/code/").content.decode()


def test_forged_expired_or_foreign_codes_and_strangers_are_refused(cast, course, login):
    member = login("member_a")
    forged = member.post("/training/signin/abc:def/").content.decode()
    assert "二维码无效" in forged
    meeting_code = qr.make_token("meeting", course.session.pk)
    assert "不是本次活动的签到码" in member.post(f"/training/signin/{meeting_code}/").content.decode()
    old = signing.TimestampSigner(salt="zhibu.signin")
    old.timestamp = lambda: signing.b62_encode(0)  # a photo of a code from long ago
    expired = old.sign_object({"p": "class-session", "id": course.session.pk}, compress=True)
    assert "已过期" in member.post(f"/training/signin/{expired}/").content.decode()
    token = qr.make_token("class-session", course.session.pk)
    assert "不在本班调训名单" in login("secretary_b").post(f"/training/signin/{token}/").content.decode()
    assert "没有关联党员信息" in login("centre").post(f"/training/signin/{token}/").content.decode()
    assert not Attendance.objects.exists()


def test_staff_record_a_trainee_without_a_phone(cast, course, login):
    e = course.klass.enrolments.get(member__name="丙党员")
    login("centre").post(f"/training/sessions/{course.session.pk}/mark/", {"enrolment": e.pk})
    assert Attendance.objects.get(enrolment=e).method == "manual"
