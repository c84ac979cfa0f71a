"""Faults: the database going away gives a clear 503 and saves nothing half-way."""

from unittest import mock

from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from zhibu.orgs.models import Member


def test_a_lost_database_gives_a_clear_503(cast, login):
    client = login("secretary_a")
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("server closed")
    ):
        response = client.get("/orgs/")
    assert response.status_code == 503
    text = response.content.decode()
    assert "数据库暂时无法连接" in text and response["Retry-After"] == "30"
    assert "没有保存，也没有保存一半" in text  # away before anything ran: certainly nothing saved
    assert client.get("/orgs/").status_code == 200  # and back once it returns


def test_a_write_that_fails_half_way_saves_nothing(cast, login):
    client = login("admin")
    before = Member.objects.count()
    with mock.patch("zhibu.orgs.services.Transfer.objects.create", side_effect=OperationalError("gone")):
        response = client.post(
            f"/orgs/members/{cast.member_of_a.pk}/transfer/", {"to_branch": cast.b.pk, "date": "2026-03-01"}
        )
    assert response.status_code == 503
    assert Member.objects.count() == before
    assert Member.objects.get(pk=cast.member_of_a.pk).left is None


def test_the_database_going_away_after_the_first_check_still_gives_the_503_page(cast, login):
    """A restart may end the connection while a later middleware runs (here: loading the user)."""
    client = login("secretary_a")
    client.raise_request_exception = False
    with mock.patch(
        "django.contrib.auth.backends.ModelBackend.get_user", side_effect=OperationalError("terminating")
    ):
        response = client.get("/orgs/")
    assert response.status_code == 503
    assert "数据库暂时无法连接" in response.content.decode() and response["Retry-After"] == "30"


def test_a_session_that_cannot_be_saved_because_the_database_went_away_gives_the_503_page(cast, login):
    """Django answers 400 when it cannot save a changed session; with the database away that is a 503."""
    client = login("secretary_a")
    client.raise_request_exception = False
    session = client.session
    session.pop("zhibu_seen", None)  # the next request changes the session, so it is saved
    session.save()
    seen_by_middleware = mock.MagicMock(connection=None)  # the view keeps the real connection
    seen_by_middleware.ensure_connection.side_effect = [None, OperationalError("gone")]
    with (
        mock.patch("django.contrib.sessions.backends.db.SessionStore.save", side_effect=UpdateError),
        mock.patch("zhibu.core.middleware.connection", seen_by_middleware),
    ):
        response = client.get("/orgs/")
    assert response.status_code == 503
    text = response.content.decode()
    assert "数据库暂时无法连接" in text
    # the view had finished: the page does not claim that nothing was saved, and says a retry is safe
    assert "可能在断开前已经完整保存" in text and "没有保存，也没有保存一半" not in text
    assert "重试是安全的" in text


def test_the_503_page_in_english():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        before = render_to_string("503.html", {"nothing_saved": True})
        during = render_to_string("503.html", {"nothing_saved": False})
    assert "not saved, not even in part" in before
    assert "saved in full before the connection was lost" in during and "Trying again is safe" in during
