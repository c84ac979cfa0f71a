"""While a record is filled in, the engine's findings for the form as it stands appear beside it."""

import datetime

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Member
from zhibu.records.models import Meeting


def test_unsaved_form_is_checked_and_nothing_is_saved(cast, login):
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    meeting = held_meeting(
        cast.a, cast.secretary_a, types=("theme_day",), day=datetime.date.today(), present=members[:1]
    )
    secretary = login("secretary_a")
    form = {
        "types": ["theme_day", "general_meeting"],
        "date": meeting.date.isoformat(),
        "place": meeting.place,
        "topic": meeting.topic,
        "chair": members[0].pk,
        "recorder": members[-1].pk,
        "minutes": "",
    }
    panel = secretary.post(f"/records/{meeting.pk}/findings/", form, HTTP_HX_REQUEST="true").content.decode()
    assert "支部党员大会到会正式党员1人，应到3人" in panel  # 1 of 3 full members present: no quorum
    assert "会议记录" in panel  # minutes left empty
    meeting.refresh_from_db()
    assert meeting.types == ["theme_day"] and meeting.minutes  # nothing was saved
    edit = secretary.get(f"/records/{meeting.pk}/edit/").content.decode()
    assert f'hx-post="/records/{meeting.pk}/findings/"' in edit
    assert Meeting.objects.get(pk=meeting.pk).types == ["theme_day"]
