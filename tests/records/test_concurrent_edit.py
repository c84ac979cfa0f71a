"""Two people editing one record: the later save does not silently overwrite the earlier one."""

import datetime
import re

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Member
from zhibu.records import services
from zhibu.records.models import Meeting


def test_a_save_over_a_newer_edit_is_refused(cast, login):
    meeting = held_meeting(cast.a, cast.secretary_a, types=("theme_day",), day=datetime.date.today())
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    secretary = login("secretary_a")
    page = secretary.get(f"/records/{meeting.pk}/edit/").content.decode()
    revision = re.search(r'name="revision" value="([0-9a-f]+)"', page).group(1)

    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), topic="党务工作者先改了议题")

    form = {
        "types": ["theme_day"],
        "date": meeting.date.isoformat(),
        "place": meeting.place,
        "topic": "书记的议题",
        "chair": members[0].pk,
        "recorder": members[-1].pk,
        "minutes": meeting.minutes,
        "revision": revision,
    }
    response = secretary.post(f"/records/{meeting.pk}/edit/", form)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).topic == "党务工作者先改了议题"

    fresh = re.search(
        r'name="revision" value="([0-9a-f]+)"', secretary.get(f"/records/{meeting.pk}/edit/").content.decode()
    ).group(1)
    response = secretary.post(f"/records/{meeting.pk}/edit/", {**form, "revision": fresh})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).topic == "书记的议题"
