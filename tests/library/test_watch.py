"""A member on a phone finds a video by a Chinese word, watches it, and earns exactly the credited time."""

import datetime

import pytest
from django.utils import timezone

from zhibu.library import credit
from zhibu.library.models import Progress, StudyDay
from zhibu.library.selectors import learning_hours

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def clock(monkeypatch):
    """A controllable 'now' for the server's side of the heartbeats."""
    state = {"now": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def advance(seconds):
        state["now"] += datetime.timedelta(seconds=seconds)

    return advance


def beat(client, item, played, position=0):
    response = client.post(
        f"/library/items/{item.pk}/beat/",
        {"played": played, "position": position},
        content_type="application/json",
        HTTP_USER_AGENT=PHONE,
    )
    assert response.status_code == 200
    return response.json()


def test_member_finds_watches_and_earns_no_more_than_credited(cast, library, login, clock):
    client = login("member_a")
    year = timezone.localdate().year
    member = cast.member_of_a
    before = learning_hours([member.pk], year)[member.pk]

    found = client.get("/library/?q=流程", HTTP_USER_AGENT=PHONE)
    assert found.status_code == 200
    html = found.content.decode()
    assert f"/library/items/{library.video.pk}/" in html
    assert "<mark>流程</mark>" in html
    assert 'name="viewport" content="width=device-width' in html

    page = client.get(f"/library/items/{library.video.pk}/", HTTP_USER_AGENT=PHONE).content.decode()
    assert f'data-beat-url="/library/items/{library.video.pk}/beat/"' in page
    assert f'src="/library/items/{library.video.pk}/file/"' in page
    assert "library/player.js" in page
    # Opening the page alone credits nothing.
    assert learning_hours([member.pk], year)[member.pk] == before

    assert beat(client, library.video, 0) == {"accepted": True, "credited": 0, "seconds": 0, "duration": 120}
    clock(15)
    assert beat(client, library.video, 15, 15)["credited"] == 15
    clock(15)
    forged = beat(client, library.video, 600, 615)  # claims ten minutes after fifteen seconds
    assert forged["accepted"] is False and forged["credited"] == 0
    clock(15)
    # 30 s have passed since the last accepted heartbeat; the page honestly reports 15 s of playing.
    assert beat(client, library.video, 15, 30)["credited"] == 15
    clock(5)
    assert beat(client, library.video, 14.5, 35)["accepted"] is False  # more than 5 s (+2 s slack)

    progress = Progress.objects.get(member=member, item=library.video)
    assert progress.seconds == 30 and progress.refused == 2 and progress.position == 30
    after = learning_hours([member.pk], year)[member.pk]
    assert after - before == pytest.approx(30 / credit.SECONDS_PER_HOUR["video"], abs=0.01)
    assert StudyDay.objects.get(member=member, item=library.video).seconds == 30


def test_credit_stops_at_the_video_length(cast, library, login, clock):
    client = login("member_a")
    beat(client, library.video, 0)
    total = 0
    for _ in range(12):  # 12 × 15 s = 180 s of playing a 120 s video
        clock(15)
        total += beat(client, library.video, 15)["credited"]
    assert total == 120
    assert Progress.objects.get(member=cast.member_of_a, item=library.video).seconds == 120


def test_a_long_pause_earns_nothing_for_the_pause(cast, library, login, clock):
    client = login("member_a")
    beat(client, library.video, 0)
    clock(600)  # the tab slept ten minutes; the page says it played all that time
    assert beat(client, library.video, 600)["credited"] == credit.MAX_GAP_SECONDS


def test_two_tabs_at_once_share_one_clock(cast, library, login, clock):
    client = login("member_a")
    beat(client, library.video, 0)
    beat(client, library.document, 0)
    clock(15)
    assert beat(client, library.video, 15)["credited"] == 15
    clock(1)
    # Reading the document "at the same time" cannot claim the same 15 s again.
    assert beat(client, library.document, 15)["accepted"] is False


def test_document_reading_counts_by_heartbeats_only(cast, library, login, clock):
    client = login("member_a")
    page = client.get(f"/library/items/{library.document.pk}/").content.decode()
    assert f'src="/library/items/{library.document.pk}/file/"' in page and "<iframe" in page
    assert not Progress.objects.filter(member=cast.member_of_a, item=library.document).exists()
    beat(client, library.document, 0)
    clock(15)
    assert beat(client, library.document, 15)["credited"] == 15


def test_accounts_without_a_membership_earn_nothing(cast, library, login):
    response = login("admin").post(
        f"/library/items/{library.video.pk}/beat/", {"played": 15}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("elapsed", "claimed", "so_far", "cap", "expected"),
    [
        (None, 15, 0, 100, (0, True)),
        (15, 15, 0, 100, (15, True)),
        (15, 17, 0, 100, (15, True)),  # within the slack: accepted, credited the time that passed
        (15, 18, 0, 100, (0, False)),
        (15, -1, 0, 100, (0, False)),
        (15, float("nan"), 0, 100, (0, False)),
        (600, 600, 0, 1000, (credit.MAX_GAP_SECONDS, True)),
        (15, 15, 95, 100, (5, True)),
        (15, 15, 100, 100, (0, True)),
    ],
)
def test_credit_rule(elapsed, claimed, so_far, cap, expected):
    result = credit.credit(elapsed=elapsed, claimed=claimed, credited_so_far=so_far, cap=cap)
    assert (result.credited, result.accepted) == expected
