"""The live meeting wall: meetings in session with their step and sign-ins; video only where a camera is registered."""

import datetime

import pytest

pytest.importorskip("zhibu.records.services")


@pytest.fixture
def in_session(cast, django_capture_on_commit_callbacks):
    from zhibu.orgs.models import Member
    from zhibu.records import services as records

    with django_capture_on_commit_callbacks(execute=True):
        meeting = records.meeting_plan(
            branch=cast.a, types=["theme_day"], date=datetime.date.today(), notify_members=False
        )
        records.meeting_start(meeting=meeting)
        records.sign_in(meeting=meeting, member=Member.objects.filter(branch=cast.a).first())
        records.meeting_step(meeting=meeting, step=1)
    cast.meeting = meeting
    return cast


def test_wall_shows_status_and_video_only_with_a_camera(in_session, login):
    client = login("supervisor")
    page = client.get("/supervision/wall/").content.decode()
    assert in_session.a.name in page and "签到 1 / 应到 3" in page and "第 2 / " in page
    assert "data-hls" not in page and "未登记摄像头" in page

    response = client.post(
        "/supervision/branches/T1-001/cameras/", {"room": "村委会活动室", "stream_url": "http://x/a.m3u8"}
    )
    assert response.status_code == 200 and "以 / 开头" in response.content.decode()
    client.post(
        "/supervision/branches/T1-001/cameras/",
        {"room": "村委会活动室", "stream_url": "/live/t1-001/index.m3u8"},
    )
    page = client.get("/supervision/wall/").content.decode()
    assert 'data-hls="/live/t1-001/index.m3u8"' in page and "hls.min.js" in page
    # The admin of the district sees it too; town T2's wall (admin only) does not show it.
    assert in_session.a.name not in login("admin").get("/supervision/wall/?town=T2").content.decode()


def test_wall_without_meetings(cast, login):
    page = login("auditor").get("/supervision/wall/").content.decode()
    assert "当前没有正在召开的会议" in page
