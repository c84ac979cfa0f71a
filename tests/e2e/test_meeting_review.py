"""Journeys 2 and 3: a branch secretary plans, runs, minutes and submits a meeting; the town supervisor
reviews a submitted meeting and sends a dispatch."""

import datetime

from .conftest import PHONE


def test_secretary_plans_runs_minutes_and_submits_a_meeting(journey, server):
    page = journey.page("secretary_a", device=PHONE)
    page.goto("/records/branches/T1-001/")
    page.get_by_role("link", name="计划会议").tap()
    page.get_by_role("heading", name="计划会议").wait_for()
    # Leaving out the meeting type is refused with the reason next to the field.
    page.get_by_role("button", name="保存并通知党员").tap()
    page.locator(".errorlist").first.wait_for()
    assert "会议类型" in page.inner_text("main")
    journey.shot(page, "plan-refused-without-type")

    page.get_by_label("支部党员大会").check()
    page.fill("#id_date", datetime.date.today().isoformat())
    page.fill("#id_start_time", "09:00")
    page.fill("#id_place", "村委会二楼会议室")
    page.fill("#id_topic", "讨论村级公益事业项目")
    page.select_option("#id_chair", label="甲书记")
    page.select_option("#id_recorder", label="甲党务")
    journey.shot(page, "plan-filled")
    page.get_by_role("button", name="保存并通知党员").tap()
    page.get_by_text("已计划").first.wait_for()
    meeting_url = page.url
    assert "/records/" in meeting_url and "讨论村级公益事业项目" in page.inner_text("main")
    journey.shot(page, "planned")

    # Run it: the procedure stepped through on the meeting screen.
    page.get_by_role("link", name="会场签到屏").tap()
    page.get_by_role("button", name="开始会议").tap()
    page.get_by_text("▶ 清点人数并宣布会议是否有效").wait_for()
    page.get_by_role("button", name="下一步").tap()
    page.get_by_text("▶ 宣布议程").wait_for()
    page.get_by_role("button", name="下一步").tap()
    page.get_by_text("▶ 讨论").wait_for()
    journey.shot(page, "in-session-step-3")

    # Attendance by proxy for members without phones (HTMX updates the rows in place).
    page.goto(meeting_url + "attendance/")
    rows = page.locator("tr").filter(has_text="未登记")
    for left in (2, 1, 0):
        rows.first.get_by_role("button", name="登记").tap()
        page.wait_for_function(
            "n => [...document.querySelectorAll('tr')].filter(r => r.innerText.includes('未登记')).length === n",
            arg=left,
        )
    journey.shot(page, "attendance")

    # Minutes and a resolution.
    page.goto(meeting_url + "edit/")
    page.fill("#id_minutes", "书记介绍项目方案，党员逐一发表意见，同意提交村民代表会议讨论。")
    page.get_by_role("button", name="保存", exact=True).tap()
    page.wait_for_url(meeting_url)
    page.fill("#id_title", "同意实施村级公益事业项目")
    page.fill("#id_yes", "3")
    page.select_option("#id_declared", index=1)
    page.get_by_role("button", name="添加表决事项").tap()
    page.get_by_text("同意实施村级公益事业项目").first.wait_for()
    journey.shot(page, "minuted")

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交审核").tap()
    page.get_by_text("已提交待审核").first.wait_for()
    journey.shot(page, "submitted")
    pk = int(meeting_url.rstrip("/").rsplit("/", 1)[1])
    assert server.sql("select status from records_meeting where id = ?", pk) == [("submitted",)]


def test_supervisor_reviews_and_dispatches(journey, server):
    page = journey.page("supervisor")
    page.goto("/records/")
    journey.shot(page, "records-overview")
    page.goto(f"/records/{server.data['submitted_meeting']}/")
    page.get_by_role("heading", name="乡镇审核").wait_for()
    page.get_by_label("审核通过").check()
    page.fill("#id_comment", "程序规范，记录完整")
    page.get_by_role("button", name="保存审核结果").click()
    page.get_by_text("已审核通过").first.wait_for()
    journey.shot(page, "reviewed")
    assert server.sql(
        "select status from records_meeting where id = ?", server.data["submitted_meeting"]
    ) == [("approved",)]

    page.goto("/supervision/")
    page.get_by_role("link", name="下达调度指令").click()
    page.fill("#id_title", "报送本月主题党日计划")
    page.fill("#id_body", "请于期限前在平台上计划本月主题党日。")
    page.fill("#id_deadline", (datetime.date.today() + datetime.timedelta(days=7)).isoformat())
    page.select_option("#id_scope", "branches")
    page.fill("#id_branches", "T1-001 T9-999")
    page.get_by_role("button", name="下达").click()
    page.locator(".errorlist").first.wait_for()
    assert "T9-999" in page.locator(".field").filter(has=page.locator("#id_branches")).inner_text()
    journey.shot(page, "dispatch-refused-unknown-branch")
    page.fill("#id_branches", "T1-001")
    page.get_by_role("button", name="下达").click()
    page.get_by_text("调度指令已下达到 1 个支部").wait_for()
    journey.shot(page, "dispatched")
