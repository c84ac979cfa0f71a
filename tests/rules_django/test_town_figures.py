"""A town's branches × rules table is shared for a few minutes, shows its time, and is worked out afresh
as soon as a record goes live."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.page_queries import page_queries
from tests.records.helpers import held_meeting
from zhibu.records import services

pytestmark = pytest.mark.django_db


def _theme_days(client, year: int) -> int:
    rows = client.get(f"/rules/towns/T1/?year={year}").context["rows"]
    return next(
        dict((k, v + w) for k, v, w in r["cells"])["theme_day"] for r in rows if r["branch"].code == "T1-001"
    )


def test_town_table_is_shared_and_refreshed_when_a_record_goes_live(
    cast, login, settings, django_capture_on_commit_callbacks
):
    settings.ZHIBU_FIGURES_SECONDS = 300
    cache.clear()
    client = login("supervisor")
    assert "统计时间" in client.get("/rules/towns/T1/").content.decode()
    assert page_queries(client, "/rules/towns/T1/") <= 8  # the branches' ledgers are not read again
    today = timezone.localdate()
    day = today.replace(day=1) - datetime.timedelta(days=1)  # last month: a period already evaluated
    before = _theme_days(client, day.year)
    assert before  # no theme day held that month
    with django_capture_on_commit_callbacks(execute=True):
        meeting = held_meeting(cast.a, cast.secretary_a, types=("theme_day",), day=day)
        services.meeting_submit(meeting=meeting, today=today)
    assert _theme_days(client, day.year) == before - 1


def test_each_branch_and_each_of_its_findings_links_to_the_branch_page(cast, login):
    year = timezone.localdate().year - 1
    html = login("supervisor").get(f"/rules/towns/T1/?year={year}").content.decode()
    for code in ("T1-001", "T1-002"):
        assert f'href="/rules/branches/{code}/?year={year}"' in html
        assert f'href="/rules/branches/{code}/?year={year}&amp;rule=theme_day"' in html  # none held that year


def test_a_large_towns_table_is_paged_and_its_summary_counts_every_branch(cast, login, monkeypatch):
    from zhibu.rules import views

    monkeypatch.setattr(views, "TOWN_PAGE", 1)
    client = login("supervisor")
    first = client.get("/rules/towns/T1/")
    second = client.get("/rules/towns/T1/", {"page": 2, "only": ""})
    branches = [r["branch"].code for r in first.context["rows"]]
    assert branches == ["T1-001", "T1-002"]  # the summary and the counts are the whole town's
    assert [r["branch"].code for r in first.context["page"]] == ["T1-001"]
    assert [r["branch"].code for r in second.context["page"]] == ["T1-002"]
    text = first.content.decode()
    assert "共 2 个支部" in text and "第 1 / 2 页" in text and "only=&amp;page=2" not in text
    assert "?page=2" in text and "only=&amp;page=1" in second.content.decode()
