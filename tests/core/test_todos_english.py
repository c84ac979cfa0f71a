"""Home-page to-dos of the record book and supervision: Chinese by default, English when chosen."""

import datetime

from zhibu.records.models import Meeting


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_todos_follow_the_chosen_language(cast, login):
    from zhibu.records import services as records
    from zhibu.supervision import services as supervision
    from zhibu.supervision.models import Finding

    today = datetime.date.today()
    records.meeting_plan(branch=cast.a, types=["committee_meeting"], date=today - datetime.timedelta(days=10))
    returned = records.meeting_plan(
        branch=cast.a, types=["committee_meeting"], date=today - datetime.timedelta(days=20)
    )
    submitted = records.meeting_plan(
        branch=cast.a, types=["committee_meeting"], date=today - datetime.timedelta(days=30)
    )
    Meeting.objects.filter(pk=returned.pk).update(status="returned")
    Meeting.objects.filter(pk=submitted.pk).update(status="submitted")
    records.meeting_plan(branch=cast.a, types=["general_meeting"], date=today + datetime.timedelta(days=5))
    supervision.finding_create(
        branch=cast.a,
        category="record",
        severity="minor",
        text="记录不全",
        fix="补齐会议记录",
        deadline=datetime.date(today.year, 12, 31),
        by=cast.supervisor,
    )
    responded = supervision.finding_create(
        branch=cast.a,
        category="attendance",
        severity="minor",
        text="到会人数不足",
        fix="补开",
        deadline=datetime.date(today.year, 12, 31),
        by=cast.supervisor,
    )
    Finding.objects.filter(pk=responded.pk).update(status=Finding.Status.RESPONDED)
    supervision.dispatch_create(
        district=cast.a.town.district,
        branches=[cast.a],
        title="报送学习计划",
        body="b",
        priority="normal",
        deadline=today + datetime.timedelta(days=3),
    )

    secretary = login("secretary_a")
    page = secretary.get("/").content.decode()
    assert "纪实被退回，请修改后重新提交" in page and "已召开，请在会后 7 天内提交纪实" in page
    assert "督导意见待整改：" in page and "调度指令待办理：报送学习计划" in page
    page = _english(secretary).get("/").content.decode()
    assert f"The record of the Branch committee meeting on {returned.date}" in page  # the type too
    assert "was returned: please revise it and submit it again" in page
    assert "has been held: please submit its record within 7 days" in page
    assert "Supervision finding to rectify:" in page and "Dispatch to handle: 报送学习计划 (due" in page
    assert "纪实被退回" not in page and "督导意见待整改" not in page

    member = _english(login("member_a")).get("/").content.decode()
    assert "please attend on time or ask for leave" in member and "请准时参加" not in member

    supervisor = login("supervisor")
    page = supervisor.get("/").content.decode()
    assert "1 条整改待审核销号" in page and "有 1 份会议纪实等待审核" in page
    page = _english(supervisor).get("/").content.decode()
    assert "1 rectification is waiting to be checked and closed" in page
    assert "1 meeting record is waiting for review" in page
