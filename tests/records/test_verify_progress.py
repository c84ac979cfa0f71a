"""`zhibu records verify` shows its progress on standard error; what it prints and how it exits are as
before: the same line on standard output when every chain is intact, the same broken links and exit 1."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.records.helpers import held_meeting
from zhibu.records import services
from zhibu.records.chain import verify
from zhibu.records.management.commands import records


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _submitted(branch, by, day):
    meeting = held_meeting(branch, by, day=day)
    services.meeting_submit(meeting=meeting, today=day + datetime.timedelta(days=1))
    return meeting


@pytest.fixture
def chains(cast):
    """Two records in branch A's chain, one in branch B's."""
    return [
        _submitted(cast.a, cast.secretary_a, datetime.date(2025, 1, 10)),
        _submitted(cast.a, cast.secretary_a, datetime.date(2025, 2, 10)),
        _submitted(cast.b, cast.secretary_b, datetime.date(2025, 1, 12)),
    ]


def _tamper(meeting) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_meeting SET minutes = %s WHERE id = %s", ["改过的记录", meeting.pk])


def test_an_intact_chain_prints_the_same_and_shows_progress_elsewhere(chains):
    out, err = io.StringIO(), io.StringIO()
    call_command("records", "verify", stdout=out, stderr=err)
    assert out.getvalue() == "存证链完好：2 个支部，3 环\n"
    assert err.getvalue().splitlines() == ["  0% 正在校验存证链", "100% 正在校验存证链"]


def test_on_a_terminal_the_bar_is_redrawn_in_place(chains, monkeypatch):
    monkeypatch.setattr(records, "BATCH", 1)
    err = Terminal()
    call_command("records", "verify", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n")
    assert " 50% 1/2 正在校验存证链" in text and " 100% 2/2 正在校验存证链" in text


def test_broken_chains_are_named_as_before_one_batch_of_branches_at_a_time(chains, monkeypatch):
    _tamper(chains[1])
    _tamper(chains[2])
    expected = verify()
    assert [p["branch"] for p in expected] == ["T1-001", "T2-001"]
    monkeypatch.setattr(records, "BATCH", 1)  # each branch checked on its own: the same findings
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("records", "verify", stdout=out, stderr=err)
    assert caught.value.code == 1 and out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert lines[:3] == ["  0% 正在校验存证链", " 50% 正在校验存证链", "100% 正在校验存证链"]
    assert lines[3:] == [
        f"支部 {p['branch']} 存证链第 {p['seq']} 环断裂（纪实 {p['record']}）：{p['problem']}"
        for p in expected
    ]


def test_verbosity_0_shows_only_the_broken_links(chains):
    _tamper(chains[0])
    err = io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("records", "verify", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert caught.value.code == 1
    assert err.getvalue().splitlines() == [
        f"支部 T1-001 存证链第 1 环断裂（纪实 r{chains[0].pk}）：纪实内容在提交后被改动（与存证哈希不符）"
    ]
