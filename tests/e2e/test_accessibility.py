"""Accessibility in the browser: axe-core on each role's main pages, keyboard use, the large-type mode,
the base font size and touch-target sizes on a phone."""

import pytest

from .conftest import PHONE, axe

MAIN_PAGES = [
    ("member_a", "/"),
    ("member_a", "/library/"),
    ("member_a", "/training/"),
    ("member_a", "/records/{planned_meeting}/"),
    ("secretary_a", "/"),
    ("secretary_a", "/orgs/branches/T1-001/"),
    ("secretary_a", "/orgs/members/{member_a}/"),
    ("secretary_a", "/records/"),
    ("secretary_a", "/records/branches/T1-001/"),
    ("secretary_a", "/records/{planned_meeting}/"),
    ("supervisor", "/"),
    ("supervisor", "/orgs/"),
    ("supervisor", "/records/{submitted_meeting}/"),
    ("supervisor", "/supervision/"),
    ("centre", "/training/"),
    ("centre", "/training/classes/{class}/"),
    ("admin", "/"),
    ("admin", "/orgs/"),
    ("admin", "/orgs/import/"),
    ("admin", "/supervision/board/"),
]


@pytest.mark.parametrize(("user", "path"), MAIN_PAGES, ids=[f"{u}:{p}" for u, p in MAIN_PAGES])
def test_no_serious_or_critical_axe_violations(journey, server, user, path):
    url = path.format(**server.data)
    # Members use phones: their pages are checked at the phone size too.
    for device in ({}, PHONE) if user == "member_a" else ({},):
        page = journey.page(user, **({"device": device} if device else {}))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        violations = axe(page)
        assert not violations, f"{url} ({'phone' if device else 'desktop'}): {violations}"
    journey.shot(page, "phone")


# The pages a member uses on a phone: every button and link in the main content is a finger's width.
PHONE_PAGES = ["/", "/library/", "/training/", "/records/{planned_meeting}/", "/library/my/"]

TARGETS_JS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('main a, main button, main input[type=submit], main summary, main select')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;                     // not shown
    const inline = el.tagName === 'A' && getComputedStyle(el).display === 'inline'
      && el.closest('p, li, td, dd, h1, h2, h3') && el.closest('p, li, td, dd, h1, h2, h3').innerText.trim() !== el.innerText.trim();
    if (inline) continue;                                     // a link inside a sentence (WCAG 2.5.8 inline exception)
    if (r.height < 44 || (el.tagName !== 'A' && r.width < 44)) small.push(`${el.tagName} "${el.innerText.trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return small;
}"""


def test_phone_pages_touch_targets_and_base_font(journey, server):
    page = journey.page("member_a", device=PHONE)
    for path in PHONE_PAGES:
        page.goto(path.format(**server.data))
        size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16, f"{path}: body font {size}px"
        small = page.evaluate(TARGETS_JS)
        assert not small, f"{path}: touch targets under 44 px: {small}"
    journey.shot(page, "phone-targets")


def test_keyboard_reaches_the_main_actions_with_visible_focus(journey, server):
    page = journey.page("secretary_a")
    page.goto(f"/records/{server.data['planned_meeting']}/")
    page.keyboard.press("Tab")
    first = page.evaluate("() => document.activeElement.textContent.trim()")
    assert first == "跳到正文"  # the skip link comes first and is shown when focused
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().left >= 0")
    reached, outlines = set(), set()
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.textContent.trim(), s.outlineStyle, s.outlineWidth, s.boxShadow, e.tagName]; }"
        )
        if info[4] == "BODY":  # past the last control the focus returns to the page itself
            continue
        reached.add(info[0])
        outlines.add(info[1] != "none" and info[2] != "0px" or info[3] != "none")
    assert {"填写纪实", "出缺席登记", "会场签到屏", "提交审核"} <= reached, reached
    assert outlines == {True}, "every focused element shows where the focus is"
    journey.shot(page, "keyboard-focus")


def test_large_type_high_contrast_mode_switches_and_is_remembered(journey, server):
    page = journey.page("member_a", device=PHONE)
    page.goto("/")
    before = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert before >= 16
    toggle = page.get_by_role("button", name="大字模式")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.tap()
    after = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert after >= before * 1.2
    assert toggle.get_attribute("aria-pressed") == "true"
    journey.shot(page, "large-type")
    page.goto("/library/")  # remembered (a cookie), rendered by the server: no flash of small type
    assert "large" in page.evaluate("() => document.body.className")
    assert axe(page) == []
    page.get_by_role("button", name="大字模式").tap()
    assert "large" not in page.evaluate("() => document.body.className")
