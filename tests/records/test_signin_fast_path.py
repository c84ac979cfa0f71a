"""The scan's fast path (records.middleware): a plain scan is answered early, everything else by the view."""

import datetime

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.test import Client

from tests.records.helpers import held_meeting
from zhibu.core import audit, qr
from zhibu.core.models import AuditEvent
from zhibu.records.middleware import SignInFastPathMiddleware
from zhibu.records.models import Attendance
from zhibu.supervision.models import Event


@pytest.fixture
def meeting(cast):
    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date.today(), present=[])
    meeting.status = "in_session"
    meeting.save()
    return meeting


def phone_of(user):
    """A phone logged in as `user` that has opened one page since (so its second factor is worked out)."""
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    phone.force_login(user)
    phone.get("/")
    return phone


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    """What the fast path answered for each scan (None: it left the scan to the view)."""
    seen = []
    original = SignInFastPathMiddleware.sign_in

    def remembering(self, request, token):
        seen.append(original(self, request, token))
        return seen[-1]

    monkeypatch.setattr(SignInFastPathMiddleware, "sign_in", remembering)
    return seen


def scan(phone, meeting, answers):
    """(the response, whether the fast path answered it)."""
    before = len(answers)
    response = phone.get(f"/records/signin/{qr.make_token('meeting', meeting.pk)}/")
    return response, len(answers) == before + 1 and answers[-1] is not None


def test_a_plain_scan_is_signed_in_evented_audited_and_the_session_kept_alive(cast, meeting, answers):
    phone = phone_of(cast.member_a)
    session = Session.objects.get(pk=phone.session.session_key)
    data = session.get_decoded()
    data["zhibu_seen"] = 0  # last used long ago: the scan renews the session
    session.session_data = Session.objects.encode(data)
    session.save()

    response, fast = scan(phone, meeting, answers)
    assert fast
    page = response.content.decode()
    assert response.status_code == 200 and "签到成功" in page and meeting.branch.name in page
    row = Attendance.objects.get(meeting=meeting, member=cast.member_of_a)
    assert row.state == "present" and not row.by_proxy
    event = Event.objects.filter(kind="meeting.signin").latest("id")
    assert event.payload["meeting_id"] == meeting.pk and event.payload["present"] == 1
    assert event.branch_id == meeting.branch_id and event.town_id == meeting.branch.town_id
    audit.seal()
    entry = AuditEvent.objects.get(action="records.signin", target=f"Meeting:{meeting.pk}")
    assert entry.user_id == cast.member_a.pk and entry.username == cast.member_a.username
    # The answer went back through the session and security middleware like any page.
    assert Session.objects.get(pk=phone.session.session_key).get_decoded()["zhibu_seen"] > 0
    assert response.cookies["sessionid"]["max-age"]
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

    again, fast = scan(phone, meeting, answers)
    assert fast and "签到成功" in again.content.decode()
    assert Attendance.objects.filter(meeting=meeting, member=cast.member_of_a).count() == 1
    assert Event.objects.filter(kind="meeting.signin", payload__meeting_id=meeting.pk).count() == 1
    audit.seal()
    assert AuditEvent.objects.filter(action="records.signin", target=f"Meeting:{meeting.pk}").count() == 1


def test_anything_unusual_is_left_to_the_view(cast, meeting, answers):
    # Not logged in: the view asks for a login and remembers the scan.
    anonymous = Client()
    response, fast = scan(anonymous, meeting, answers)
    assert not fast and "/login/" in response["Location"]

    # A member of another branch: the view's refusal.
    response, fast = scan(phone_of(cast.secretary_b), meeting, answers)
    assert not fast and "不是本支部党员" in response.content.decode()

    # Must change their password first: the account middleware sends them there.
    cast.worker_a.must_change_password = True
    cast.worker_a.save()
    worker = phone_of(cast.worker_a)
    response, fast = scan(worker, meeting, answers)
    assert not fast and "/accounts/password/" in response["Location"]
    cast.worker_a.must_change_password = False
    cast.worker_a.save()

    # The password changed elsewhere: the session is no longer theirs.
    member = phone_of(cast.member_a)
    cast.member_a.set_password("另一个新密码Aa1!")
    cast.member_a.save()
    response, fast = scan(member, meeting, answers)
    assert not fast and "/login/" in response["Location"]

    # A meeting that has ended: the view says so.
    meeting.status = "ended"
    meeting.save(update_fields=["status"])
    response, fast = scan(phone_of(cast.secretary_a), meeting, answers)
    assert not fast and "会议已结束" in response.content.decode()
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_an_unknown_host_is_refused_on_the_fast_path_too(cast, meeting):
    phone = phone_of(cast.member_a)
    token = qr.make_token("meeting", meeting.pk)
    assert phone.get(f"/records/signin/{token}/", HTTP_HOST="evil.example").status_code == 400
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_the_session_engine_saves_an_existing_session_in_one_statement(
    cast, settings, django_assert_num_queries
):
    from zhibu.accounts.sessions import SessionStore

    settings.SESSION_ENGINE = "zhibu.accounts.sessions"
    store = SessionStore()
    store["zhibu_seen"] = 1
    store.create()
    again = SessionStore(store.session_key)
    again["zhibu_seen"] = 2
    with django_assert_num_queries(1):
        again.save()
    assert Session.objects.get(pk=store.session_key).get_decoded()["zhibu_seen"] == 2
    assert SessionStore(store.session_key)["zhibu_seen"] == 2  # from the cache
    Session.objects.filter(pk=store.session_key).delete()  # logged out elsewhere
    again["zhibu_seen"] = 3
    with pytest.raises(UpdateError):
        again.save()
