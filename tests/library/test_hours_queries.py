"""学时统计: a fixed number of queries whatever the members and records; the figures are shared by users
of the same reach for a few minutes (zhibu.core.figures), with the time they were computed."""

import datetime

from tests.page_queries import page_queries
from zhibu.core import figures
from zhibu.library import services
from zhibu.orgs.models import Member


def _study(cast):
    services.collective_study_record(
        branch=cast.a,
        date=datetime.date.today(),
        topic="学习党章",
        hours=2,
        attendees=list(Member.objects.filter(branch=cast.a)),
        user=cast.secretary_a,
    )


def test_hours_queries_do_not_grow_with_records(cast, login):
    client = login("admin")
    before = page_queries(client, "/library/hours/")
    _study(cast)
    assert page_queries(client, "/library/hours/") == before <= 14


def test_hours_figures_are_shared_for_a_while_and_show_their_time(cast, login, settings):
    settings.ZHIBU_FIGURES_SECONDS = 300
    figures.changed("learning-hours")  # nothing left from another test in this process
    admin, auditor = login("admin"), login("auditor")
    first = page_queries(admin, "/library/hours/")
    page = admin.get("/library/hours/")
    assert "统计时间" in page.content.decode()
    assert page_queries(admin, "/library/hours/") == first  # served from the shared copy
    rows = {r.key: r.hours for r in page.context["rows"]}
    _study(cast)
    assert {r.key: r.hours for r in admin.get("/library/hours/").context["rows"]} == rows  # not yet
    figures.changed("learning-hours")
    fresh = {r.key: r.hours for r in admin.get("/library/hours/").context["rows"]}
    assert fresh != rows
    # The auditor's reach is the admin's district too, but a different grant: a copy of its own.
    assert {r.key: r.hours for r in auditor.get("/library/hours/").context["rows"]} == fresh


def test_hall_visits_page_queries_do_not_grow_with_visits_or_attendees(cast, login):
    from zhibu.library.models import HallVisit

    client = login("admin")
    day = datetime.date.today()
    HallVisit.objects.create(branch=cast.a, date=day, guests=1).attendees.set([cast.member_of_a])
    before = page_queries(client, "/library/visits/")
    for branch in (cast.a, cast.b, cast.c):
        HallVisit.objects.create(branch=branch, date=day, guests=2).attendees.set(
            Member.objects.filter(branch=branch)
        )
    assert page_queries(client, "/library/visits/") == before <= 12


def test_collective_study_list_counts_attendees_without_reading_them(cast, login):
    from zhibu.library.models import CollectiveStudy

    client = login("admin")
    day = datetime.date.today()
    CollectiveStudy.objects.create(branch=cast.a, date=day, topic="学习党章", hours=2).attendees.set(
        [cast.member_of_a]
    )
    before = page_queries(client, "/library/study/")
    for branch in (cast.a, cast.b, cast.c):
        CollectiveStudy.objects.create(branch=branch, date=day, topic="学习党史", hours=1).attendees.set(
            Member.objects.filter(branch=branch)
        )
    assert page_queries(client, "/library/study/") == before <= 12
    rows = list(client.get("/library/study/").context["studies"])
    assert [s.pk for s in rows] == sorted((s.pk for s in rows), reverse=True)  # newest first, as before
    assert sorted(s.n_attendees for s in rows) == sorted(
        [1] + [Member.objects.filter(branch=b).count() for b in (cast.a, cast.b, cast.c)]
    )
