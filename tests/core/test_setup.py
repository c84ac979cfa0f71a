"""The platform's own commands and pages: token, home per role, notifications, health."""

import io

from django.core.management import call_command
from rest_framework.authtoken.models import Token

from zhibu.notifications.models import Notification
from zhibu.notifications.services import notify


def test_token_create_prints_a_working_token(cast, client):
    out = io.StringIO()
    call_command("token", "create", "secretary_a", stdout=out)
    key = out.getvalue().strip()
    assert Token.objects.get(user=cast.secretary_a).key == key
    response = client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json()["count"] == 1


def test_the_home_page_shows_what_to_do_now(cast, login):
    cast.a.committee_elected = None
    page = login("secretary_a").get("/").content.decode()
    assert "现在要做的事" in page and "组织架构" in page
    assert "甲村党支部" in page


def test_a_member_sees_only_their_own_menu(cast, login):
    page = login("member_a").get("/").content.decode()
    assert "导入名册" not in page and "党员名册" not in page


def test_notifications_reach_the_inbox_once(cast, login):
    notify([cast.member_a], title="本月主题党日通知", body="请于15日参加", kind="meeting", dedupe_key="m-1")
    notify([cast.member_a], title="本月主题党日通知", body="请于15日参加", kind="meeting", dedupe_key="m-1")
    assert Notification.objects.filter(recipient=cast.member_a).count() == 1
    client = login("member_a")
    assert "本月主题党日通知" in client.get("/inbox/").content.decode()
    client.post("/inbox/read-all/")
    assert not Notification.objects.filter(recipient=cast.member_a, read_at__isnull=True).exists()


def test_pages_are_chinese_by_default_and_english_on_request(cast, login):
    client = login("admin")
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
    assert '<html lang="zh-hans">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_health(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_an_api_address_that_matches_nothing_answers_in_json(cast, login):
    client = login("admin")
    response = client.get("/api/v1/districts/0.5/")  # not an id: no route matches
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}
    page = client.get("/orgs/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
