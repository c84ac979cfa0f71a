"""Identity controls: password policy, lock-out with back-off, idle timeout, forced change, TOTP, 三员分立."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhibu.accounts import services
from zhibu.accounts.models import Role, User
from zhibu.accounts.passwords import CharacterClassValidator


def test_passwords_need_length_and_three_character_classes(db):
    with pytest.raises(ValidationError) as err:
        services.user_create(username="newbie", display_name="新人", password="alllowercase")
    assert "至少三类" in " ".join(err.value.messages)
    with pytest.raises(ValidationError):
        services.user_create(username="newbie", display_name="新人", password="Ab1!")  # too short
    CharacterClassValidator().validate("Strong-Pass-2026")
    user = services.user_create(username="newbie", display_name="新人", password="Strong-Pass-2026")
    assert user.must_change_password


def test_an_initial_password_must_be_changed_before_anything_else(cast):
    user = services.user_create(username="fresh", display_name="新账号", password="Initial-Pass-01")
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Initial-Pass-01",
            "new_password1": "Changed-Pass-2026",
            "new_password2": "Changed-Pass-2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_repeated_failures_lock_the_account_with_back_off(cast):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "secretary_a", "wrong-password").status_code == 200
    assert _login(client, "secretary_a", "wrong-password").status_code == 429
    locked = _login(client, "secretary_a", "test-pass-2026")
    assert locked.status_code == 429 and "暂时锁定" in locked.content.decode()
    from axes.models import AccessAttempt

    from zhibu.accounts.passwords import cool_off

    class Req:
        POST = {"username": "secretary_a"}

    AccessAttempt.objects.filter(username="secretary_a").update(failures_since_start=5)
    first = cool_off(Req())
    AccessAttempt.objects.filter(username="secretary_a").update(failures_since_start=8)
    assert cool_off(Req()) == first * 8


def test_the_right_password_logs_in(cast):
    client = Client()
    response = _login(client, "secretary_a", "test-pass-2026")
    assert response.status_code == 302 and response["Location"] == "/"


def test_sessions_end_after_idle_time(cast, login):
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    client = login("secretary_a")
    client.get("/")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first = Session.objects.get(session_key=key).expire_date
    client.get("/orgs/")  # within the minute: the session is not written again
    assert Session.objects.get(session_key=key).expire_date == first
    session = client.session
    session["zhibu_seen"] = 0  # as if the last refresh were long ago
    session.save()
    client.get("/orgs/")
    assert Session.objects.get(session_key=key).expire_date > first


def test_a_user_with_totp_must_give_a_code(cast):
    device = TOTPDevice.objects.create(user=cast.secretary_a, name="phone", confirmed=True)
    client = Client()
    assert _login(client, "secretary_a", "test-pass-2026").status_code == 302
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/verify/")
    bad = client.post("/accounts/otp/verify/?next=/orgs/", {"token": "000000"})
    assert "验证码不正确" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a failure throttles the device for a moment; a person would wait
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post("/accounts/otp/verify/?next=/orgs/", {"token": f"{totp.token():06d}"})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert client.get("/orgs/").status_code == 200


@override_settings(ZHIBU_REQUIRE_OTP_FOR_ADMINS=True)
def test_administrators_must_enrol_a_second_factor_when_required(cast):
    user = User.objects.create_user("sysadmin", password="x")
    services.grant_add(user=user, role=Role.objects.get(code="sys_admin"), district=cast.a.town.district)
    client = Client()
    client.force_login(user)
    response = client.get("/accounts/users/")
    assert response.status_code == 302 and response["Location"] == "/accounts/otp/setup/"
    page = client.get("/accounts/otp/setup/").content.decode()
    assert "<svg" in page


def test_the_three_administrators_are_separate_people(cast):
    district = cast.a.town.district
    user = User.objects.create_user("admin3")
    services.grant_add(user=user, role=Role.objects.get(code="sys_admin"), district=district)
    for code in ("security_admin", "audit_admin"):
        with pytest.raises(ValidationError, match="三员分立"):
            services.grant_add(user=user, role=Role.objects.get(code=code), district=district)


def test_a_system_administrator_creates_an_account_and_grants_it(cast):
    sysadmin = User.objects.create_user("sys")
    services.grant_add(user=sysadmin, role=Role.objects.get(code="sys_admin"), district=cast.a.town.district)
    client = Client()
    client.force_login(sysadmin)
    response = client.post(
        "/accounts/users/new/",
        {"username": "secretary_c", "display_name": "丙书记", "password": "Initial-Pass-01"},
    )
    assert response.status_code == 302
    created = User.objects.get(username="secretary_c")
    response = client.post(
        f"/accounts/users/{created.pk}/",
        {"role": Role.objects.get(code="branch_secretary").pk, "unit": "T1-002"},
    )
    assert response.status_code == 302
    assert created.grants.get().branch == cast.c
    response = client.post(
        f"/accounts/users/{created.pk}/",
        {"role": Role.objects.get(code="branch_secretary").pk, "unit": "NOPE"},
    )
    assert "没有编码为“NOPE”的单位" in response.content.decode()
