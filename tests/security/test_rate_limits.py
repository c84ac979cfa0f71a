"""Rate limits: meeting and class sign-ins are limited per person (per address before login)."""

from django.conf import settings


def test_sign_in_attempts_are_limited(cast, login, monkeypatch):
    from django_ratelimit import core

    # All attempts inside one window, however slowly a busy machine makes them (a window may end mid-test).
    windows = {}
    original = core._get_window
    monkeypatch.setattr(
        core,
        "_get_window",
        lambda value, period: windows.setdefault((value, period), original(value, period)),
    )
    client = login("member_a")
    limit = int(settings.ZHIBU_SIGNIN_RATE.split("/")[0])
    statuses = [client.get("/records/signin/not-a-real-code/").status_code for _ in range(limit + 1)]
    assert set(statuses[:limit]) == {400}  # a forged code: refused with its reason
    assert statuses[-1] == 429
