"""The compliance to-dos kept for a minute are worked out afresh as soon as a record goes live."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.records.helpers import held_meeting
from zhibu.records import services

pytestmark = pytest.mark.django_db


def _theme_day_todos(client) -> list[str]:
    page = client.get("/").content.decode()
    return [line for line in page.split("<li>") if "/rules/branches/T1-001/" in line and "主题党日" in line]


def test_a_submitted_record_takes_its_to_do_off_the_home_page_at_once(
    cast, login, settings, django_capture_on_commit_callbacks
):
    settings.ZHIBU_FIGURES_SECONDS = 300
    cache.clear()
    client = login("secretary_a")
    assert _theme_day_todos(client)  # nothing held yet this month
    assert _theme_day_todos(client)  # the same, from the kept copy
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = held_meeting(cast.a, cast.secretary_a, types=("theme_day",), day=today)
        services.meeting_submit(meeting=meeting, today=today)
    assert not _theme_day_todos(client)


def _upcoming_theme_day(client) -> bool:
    page = client.get("/rules/branches/T1-001/").content.decode()
    section = page.split("接下来要做", 1)[1].split("</section>", 1)[0] if "接下来要做" in page else ""
    return "主题党日" in section


def test_the_compliance_page_shares_the_kept_to_dos_and_drops_one_as_soon_as_it_is_done(
    cast, login, settings, django_capture_on_commit_callbacks
):
    settings.ZHIBU_FIGURES_SECONDS = 300
    cache.clear()
    client = login("secretary_a")
    assert _theme_day_todos(client) and _upcoming_theme_day(client)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = held_meeting(cast.a, cast.secretary_a, types=("theme_day",), day=today)
        services.meeting_submit(meeting=meeting, today=today)
    assert not _upcoming_theme_day(client) and not _theme_day_todos(client)
