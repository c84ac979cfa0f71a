"""Journeys 4–6: the training centre runs a class and an instructor scores a drill on a tablet; the command
room's board updates live over its WebSocket; an administrator imports a roster (a bad file first)."""

import time

from django.core import signing
from openpyxl import Workbook

from .conftest import BOARD, PHONE, SECRET_KEY, TABLET, axe


def token(purpose: str, object_id: int) -> str:
    return signing.TimestampSigner(key=SECRET_KEY, salt="zhibu.signin").sign_object(
        {"p": purpose, "id": object_id}, compress=True
    )


def test_centre_runs_a_class_and_an_instructor_scores_a_drill_on_a_tablet(journey, server):
    klass, session = server.data["drill_class"], server.data["drill_session"]
    centre = journey.page("centre")
    centre.goto(f"/training/classes/{klass}/")
    centre.get_by_role("button", name="按规则生成调训名单").click()
    centre.get_by_text("甲党员").first.wait_for()
    assert "（共 4 人）" in centre.inner_text("main")  # town T1's rural branches: A (3) and C (1)
    journey.shot(centre, "roster-generated")

    # Sign-in: a trainee scans the session's code with a phone; staff record one without a phone.
    centre.goto(f"/training/sessions/{session}/qr/")
    assert centre.locator("svg").count() >= 1
    journey.shot(centre, "session-qr")
    phone = journey.page("member_a", device=PHONE)
    phone.goto(f"/training/signin/{token('class-session', session)}/")
    phone.get_by_role("button", name="确认签到").tap()
    phone.get_by_text("签到成功").wait_for()
    journey.shot(phone, "trainee-signed-in")
    centre.goto(f"/training/sessions/{session}/")
    centre.select_option("#mark-who", label="甲书记")
    centre.get_by_role("button", name="登记签到").click()
    centre.get_by_text("已登记甲书记签到").wait_for()
    assert "2 / 4 人" in centre.inner_text("main")
    journey.shot(centre, "signed-in-2-of-4")

    # A drill for the session.
    centre.goto(f"/training/classes/{klass}/drills/new/")
    centre.fill("#id_title", "示范班支部党员大会演练")
    centre.select_option("#id_session", index=1)
    centre.get_by_role("button", name="创建").click()
    centre.get_by_role("heading", name="示范班支部党员大会演练").wait_for()
    drill_url = centre.url

    # The instructor scores on a tablet, level buttons first; an out-of-range score is refused by name.
    tablet = journey.page("instructor", device=TABLET)
    tablet.goto(drill_url)
    tablet.locator("tr").filter(has_text="甲党员").get_by_role("link", name="评分").tap()
    sheets = tablet.locator("fieldset")
    sheets.first.wait_for()
    first = sheets.first
    # An impossible score is stopped by the field itself (max = the criterion's full marks), nothing sent.
    first.locator("input[type=number]").fill("99")
    tablet.get_by_role("button", name="保存并评下一位").tap()
    assert first.locator("input[type=number]").evaluate("e => e.validity.rangeOverflow")
    assert "/score/" in tablet.url
    journey.shot(tablet, "score-refused-out-of-range")
    for i in range(sheets.count()):
        sheets.nth(i).locator("button.level").first.tap()
    sheets.first.locator("input[id^=n]").fill("程序完整，表决规范")
    assert first.locator("button.level").first.get_attribute("aria-pressed") == "true"
    journey.shot(tablet, "score-sheet")
    assert axe(tablet) == []
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="保存并评下一位").tap()
    tablet.goto(drill_url)
    row = tablet.locator("tr").filter(has_text="甲党员")
    cells = row.locator("td").all_inner_texts()
    assert cells[-2].strip() == "1", cells  # one scorer
    assert cells[-3].strip() not in ("—", ""), cells
    journey.shot(tablet, "drill-scored")


def test_the_board_updates_live_when_a_member_signs_in(journey, server):
    board = journey.page("admin", device=BOARD)
    board.goto("/supervision/board/")
    board.wait_for_function("() => document.getElementById('conn').dataset.state === 'live'", timeout=15_000)
    journey.shot(board, "board-live")
    assert axe(board) == []
    assert "实时" in board.inner_text("#conn")

    # Elsewhere, a member scans the meeting room's code with a phone.
    phone = journey.page("member_a", device=PHONE)
    before = board.locator("#feed li").count()  # the opening feed already lists earlier events
    started = time.monotonic()
    phone.goto(f"/records/signin/{token('meeting', server.data['board_meeting'])}/")
    phone.get_by_role("heading", name="签到成功").wait_for()
    board.wait_for_function(
        "n => document.querySelectorAll('#feed li').length > n", arg=before, timeout=2_000
    )
    elapsed = time.monotonic() - started
    assert "签到" in board.locator("#feed li").first.inner_text()
    assert elapsed < 2.0
    assert (
        board.evaluate("document.getElementById('conn').dataset.state") == "live"
    )  # the socket, not polling
    journey.shot(board, "board-event-arrived")
    (journey.dir / "timing.txt").write_text(
        f"scan to event on the board: {elapsed:.3f} s over the WebSocket\n"
    )


def test_the_board_falls_back_to_polling_without_a_socket(journey, server):
    """Where WebSockets cannot get through (an old browser, a proxy), the board polls and still updates."""
    board = journey.page("supervisor", device=BOARD)
    board.add_init_script("delete window.WebSocket;")
    board.goto("/supervision/board/")
    board.wait_for_function("() => document.getElementById('conn').dataset.state === 'polling'")
    journey.shot(board, "board-polling")
    secretary = journey.page("secretary_a")
    secretary.goto(f"/records/{server.data['board_meeting']}/attendance/")
    before = board.locator("#feed li").count()
    started = time.monotonic()
    secretary.locator("tr").filter(has_text="甲党务").get_by_role("button", name="登记").click()
    board.wait_for_function(  # it polls every 3 s
        "n => document.querySelectorAll('#feed li').length > n", arg=before, timeout=5_000
    )
    assert "签到" in board.locator("#feed li").first.inner_text()
    (journey.dir / "timing.txt").write_text(
        f"sign-in to board by polling: {time.monotonic() - started:.3f} s\n"
    )
    journey.shot(board, "board-event-by-polling")


def _roster(path, bad: bool):
    wb = Workbook()
    ws = wb.active
    ws.append(["甲村党支部党员花名册"])
    ws.merge_cells("A1:F1")
    ws.append(["姓名", "性别", "公民身份号码", "联系电话", "入党日期", "转正时间"])
    ws.append(["刘建国", "男", "11011619650712001X", "13900000001", "1990.07", "1991年7月"])
    ws.append(["陈秀兰", "女", "110116197203040023" if not bad else "110116197203040024", "", "2001-7-1", ""])
    wb.save(path)


def test_admin_imports_a_roster_bad_file_first(journey, server, tmp_path):
    page = journey.page("admin")
    bad, good = tmp_path / "坏名册.xlsx", tmp_path / "名册.xlsx"
    _roster(bad, bad=True)
    _roster(good, bad=False)
    before = server.sql("select count(*) from orgs_member")[0][0]

    page.goto("/orgs/import/?branch=T1-002")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_text("未导入任何数据").wait_for()
    error_row = page.locator("tr").filter(has_text="陈秀兰")
    assert error_row.locator("td").first.inner_text().strip() == "4"  # the row number in the sheet
    assert "【身份证号】" in error_row.inner_text() and "校验位" in error_row.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    journey.shot(page, "bad-roster-refused")
    assert server.sql("select count(*) from orgs_member")[0][0] == before

    page.goto("/orgs/import/?branch=T1-002")
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="上传并预览").click()
    confirm = page.get_by_role("button", name="确认导入（新增 2 人，更新 0 人）")
    confirm.wait_for()
    journey.shot(page, "good-roster-preview")
    confirm.click()
    page.get_by_role("heading", name="名册已导入").wait_for()
    journey.shot(page, "imported")
    assert server.sql("select count(*) from orgs_member")[0][0] == before + 2
