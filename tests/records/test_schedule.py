"""一表: the district publishes monthly topics; records link to them; a town sees branches × months."""

import datetime

from tests.records.helpers import held_meeting
from zhibu.records import services
from zhibu.records.models import ScheduleItem
from zhibu.records.schedule import DONE, MISSED, OPEN, UNLINKED, completion


def test_publish_link_and_completion(cast, login):
    admin = login("admin")
    response = admin.post(
        "/records/schedule/",
        {
            "year": 2025,
            "month": 3,
            "meeting_type": "theme_day",
            "title": "学习党章",
            "readings": "党章总纲",
            "link": "/library/",
        },
    )
    assert response.status_code == 302
    refused = admin.post(
        "/records/schedule/",
        {
            "year": 2025,
            "month": 13,
            "meeting_type": "theme_day",
            "title": "x",
            "link": "https://example.com/",
        },
    ).content.decode()
    assert "月份应为 1 到 12" in refused and "不链接外网" in refused
    for month in (4, 5):
        ScheduleItem.objects.create(
            district=cast.a.town.district,
            year=2025,
            month=month,
            meeting_type="theme_day",
            title=f"{month}月主题",
        )
    item = ScheduleItem.objects.get(month=3)
    assert "学习党章" in login("member_a").get("/records/schedule/?year=2025").content.decode()

    linked = held_meeting(
        cast.a, cast.secretary_a, types=("theme_day",), day=datetime.date(2025, 3, 5), schedule_item=item
    )
    services.meeting_submit(meeting=linked, today=datetime.date(2025, 3, 6))
    unlinked = held_meeting(cast.a, cast.secretary_a, types=("theme_day",), day=datetime.date(2025, 4, 5))
    services.meeting_submit(meeting=unlinked, today=datetime.date(2025, 4, 6))
    rows = completion([cast.a, cast.c], cast.a.town.district_id, 2025, datetime.date(2025, 6, 15))
    a, c = rows
    assert a["cells"][2:6] == [DONE, UNLINKED, MISSED, OPEN]
    assert c["cells"][2] == MISSED and c["cells"][0] == OPEN
    page = login("supervisor").get("/records/schedule/towns/T1/?year=2025").content.decode()
    assert "甲村党支部" in page and "丙村党支部" in page and "✓" in page
    assert "学习党章" in login("secretary_a").get(f"/records/{linked.pk}/").content.decode()
