"""Commands that run long jobs show their progress on standard error: a bar on a terminal, lines of
percentages otherwise; standard output keeps only the result."""

import io
import json

from django.core.management import call_command

from zhibu.core.progress import Bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_redrawn_in_place_on_a_terminal():
    out = Terminal()
    with Bar(out) as bar:
        bar(0, 4, "正在检查")
        bar(2)
        bar(4, message="完成")
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and "\n" not in text[:-1]
    assert "[###############---------------]  50% 2/4 正在检查" in text
    assert " 100% 4/4 完成" in text


def test_elsewhere_a_line_for_each_tenth_and_each_new_message():
    out = io.StringIO()
    bar = Bar(out)
    bar(0, 100, "正在检查")
    for done in range(1, 101):
        bar(done)
    bar(100, message="完成")
    lines = out.getvalue().splitlines()
    assert lines[0] == "  0% 正在检查" and lines[-2] == "100% 正在检查" and lines[-1] == "100% 完成"
    assert len(lines) == 12


def test_quiet_says_nothing():
    out = Terminal()
    with Bar(out, quiet=True) as bar:
        bar(1, 2, "正在检查")
    assert out.getvalue() == ""


def test_training_effect_shows_its_progress_town_by_town(cast):
    out, err = io.StringIO(), io.StringIO()
    call_command("training_effect", "--json", stdout=out, stderr=err)
    assert "rows" in json.loads(out.getvalue())
    lines = err.getvalue().splitlines()
    assert lines[0] == "  0% 正在检查各乡镇（街道）支部的组织生活"
    assert lines[-1].startswith("100% 已检查 ")


def test_the_board_rebuild_shows_its_progress(cast):
    err = io.StringIO()
    call_command("supervision", "rebuild", "--no-compliance", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == "  0% 正在重建支部大屏状态" and lines[-1] == "100% 正在重建支部大屏状态"


def test_key_rotation_shows_its_progress(cast):
    err = io.StringIO()
    call_command("rotate-keys", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == "  0% 正在重新加密" and lines[-1].startswith("100% 正在重新加密 ")


def test_verbosity_0_shows_no_progress(cast):
    err = io.StringIO()
    call_command("supervision", "rebuild", "--no-compliance", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
