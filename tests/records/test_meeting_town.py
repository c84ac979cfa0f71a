"""A meeting carries its branch's town, so a town's records are read by their own index; it never drifts."""

import datetime

from zhibu.accounts.reach import visible
from zhibu.records.models import Attendance, Meeting
from zhibu.records.services import meeting_plan

from .helpers import held_meeting


def test_a_planned_meeting_takes_its_branchs_town(cast):
    meeting = meeting_plan(
        branch=cast.b, types=["theme_day"], date=datetime.date(2025, 4, 8), by=cast.secretary_b
    )
    assert Meeting.objects.get(pk=meeting.pk).town_id == cast.t2.pk


def test_a_branch_moved_to_another_town_takes_its_meetings_and_their_reach(cast, login):
    meeting = held_meeting(cast.a, cast.secretary_a)
    assert visible(Meeting, cast.supervisor, "records.view").filter(pk=meeting.pk).exists()  # over T1

    cast.a.town = cast.t2
    cast.a.save()

    assert Meeting.objects.get(pk=meeting.pk).town_id == cast.t2.pk
    assert not visible(Meeting, cast.supervisor, "records.view").filter(pk=meeting.pk).exists()
    assert not visible(Attendance, cast.supervisor, "records.view").filter(meeting=meeting).exists()
    assert login("supervisor").get(f"/records/{meeting.pk}/").status_code == 404
    assert login("admin").get(f"/records/{meeting.pk}/").status_code == 200  # the district's, still


def test_the_town_filter_of_the_list_and_the_api_reads_the_meetings_town(cast, login):
    in_t1 = held_meeting(cast.c, cast.secretary_a)
    in_t2 = held_meeting(cast.b, cast.secretary_b)
    client = login("admin")

    listed = client.get("/api/v1/meetings/", {"town": "T2"}).json()["results"]
    assert [m["id"] for m in listed] == [in_t2.pk]

    page = client.get("/records/", {"town": "T1"}).content.decode()
    assert f"/records/{in_t1.pk}/" in page and f"/records/{in_t2.pk}/" not in page
