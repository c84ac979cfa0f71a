"""Journey 1: a member on a cheap phone scans the meeting's QR code, logs in, is signed in; then learns and
takes an exam (answers saved as given, kept over a reload, submitted, marked)."""

import re

from django.core import signing

from .conftest import PHONE, axe, login


def signin_url(server, meeting_id: int) -> str:
    """The address the room screen's QR code encodes (the same signed token the server makes)."""
    from .conftest import SECRET_KEY

    token = signing.TimestampSigner(key=SECRET_KEY, salt="zhibu.signin").sign_object(
        {"p": "meeting", "id": meeting_id}, compress=True
    )
    return f"{server.url}/records/signin/{token}/"


def test_member_signs_in_by_qr_learns_and_takes_an_exam(journey, server):
    data = server.data
    # The secretary's room screen shows the code (an inline SVG, nothing fetched from outside).
    screen = journey.page("secretary_a")
    screen.goto(f"/records/{data['planned_meeting']}/screen/")
    assert screen.locator(".qr svg").count() == 1
    assert screen.get_by_text("0 / 3").is_visible()
    journey.shot(screen, "room-screen-qr")

    phone = journey.page(device=PHONE)
    phone.goto(signin_url(server, data["planned_meeting"]))
    assert "/login/" in phone.url  # not logged in yet: the scan is remembered across the login
    journey.shot(phone, "scan-asks-to-log-in")
    login(phone, "member_a", data["password"])
    phone.get_by_role("heading", name="签到成功").wait_for()
    assert "甲村党支部" in phone.inner_text("main")
    journey.shot(phone, "signed-in")
    assert axe(phone) == []
    # The screen's count follows (its QR panel refreshes itself every 20 s; a reload shows it at once).
    screen.reload()
    assert screen.get_by_text("1 / 3").is_visible()

    # Learn: find an item by a Chinese word and open it.
    phone.goto("/library/")
    phone.fill("#q", "积极分子")
    phone.locator("#q").press("Enter")
    link = phone.get_by_role("link", name="发展党员工作流程图解")
    link.wait_for()
    assert phone.get_by_role("link", name="三会一课规范流程").count() == 0  # only what matches the word
    journey.shot(phone, "library-search")
    link.tap()
    phone.get_by_role("heading", name="发展党员工作流程图解").wait_for()
    journey.shot(phone, "library-item")

    # The exam: start, answer each question (saved as given), reload, submit, marked.
    phone.goto(f"/training/exams/{data['exam']}/take/")
    with phone.expect_navigation():
        phone.get_by_role("button", name="开始答题").tap()
    forms = phone.locator("form[data-exam-answer]")
    forms.first.wait_for()
    count = forms.count()
    assert count == 4
    for i in range(count):
        form = forms.nth(i)
        kind = form.locator("input[name=kind]").get_attribute("value")
        if kind == "single":
            form.locator("input[type=radio][value='1']").check()  # 乙, the bank's right answer
        elif kind == "judge":
            form.locator("input[type=radio][value='true']").check()
        else:
            form.locator("input[name=value]").fill("三会一课")
            form.locator("input[name=value]").dispatch_event("change")
        form.locator(".saved").filter(has_text="已保存").wait_for()
    journey.shot(phone, "exam-answered")
    assert axe(phone) == []
    phone.reload()
    assert re.search(r"已答\s*4\s*/\s*4\s*题", phone.inner_text("#exam-status"))
    assert phone.locator("input[type=radio]:checked").count() == 3
    assert (
        phone.locator("form[data-exam-answer] input[name=value]:not([type])").first.input_value()
        == "三会一课"
    )
    phone.once("dialog", lambda d: d.accept())
    phone.get_by_role("button", name="交卷").tap()
    phone.get_by_text("100.0 分").first.wait_for()
    journey.shot(phone, "exam-marked")
    assert phone.locator(".tag.ok").count() == 4
