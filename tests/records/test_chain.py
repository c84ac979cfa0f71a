"""Tamper evidence: `zhibu records verify` passes, then names the record altered directly in the database."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.records.helpers import held_meeting
from zhibu.records import services
from zhibu.records.chain import verify
from zhibu.records.models import Seal


def _submitted(cast, day):
    meeting = held_meeting(cast.a, cast.secretary_a, day=day)
    services.meeting_submit(meeting=meeting, today=day + datetime.timedelta(days=1))
    return meeting


def test_verify_names_the_first_broken_link(cast):
    first = _submitted(cast, datetime.date(2025, 1, 10))
    second = _submitted(cast, datetime.date(2025, 2, 10))
    services.meeting_review(meeting=first, decision="approved", comment="", by=cast.supervisor)
    assert [s.seq for s in Seal.objects.filter(branch=cast.a)] == [1, 2]
    assert Seal.objects.get(meeting=second).previous == Seal.objects.get(meeting=first).digest
    out = io.StringIO()
    call_command("records", "verify", stdout=out)
    assert "存证链完好" in out.getvalue() and verify() == []

    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_meeting SET minutes = %s WHERE id = %s", ["改过的记录", second.pk])
    problems = verify()
    assert problems == [
        {
            "branch": "T1-001",
            "seq": 2,
            "meeting": second.pk,
            "record": f"r{second.pk}",
            "problem": "纪实内容在提交后被改动（与存证哈希不符）",
        }
    ]
    err = io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("records", "verify", stdout=io.StringIO(), stderr=err)
    assert caught.value.code == 1
    assert "T1-001" in err.getvalue() and "第 2 环" in err.getvalue() and f"r{second.pk}" in err.getvalue()


def test_a_rewritten_link_breaks_the_next(cast):
    first = _submitted(cast, datetime.date(2025, 1, 10))
    _submitted(cast, datetime.date(2025, 2, 10))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_attendance SET state = 'absent' WHERE meeting_id = %s", [first.pk])
    assert verify()[0]["seq"] == 1
    # Recomputing the first link's hashes by hand does not help: the second no longer follows on.
    seal = Seal.objects.get(meeting=first)
    from zhibu.records.chain import contents, link

    content = contents([first.pk])[first.pk]
    Seal.objects.filter(pk=seal.pk).update(content=content, digest=link("", content))
    assert verify()[0]["seq"] == 2


def test_record_page_shows_chain_status(cast, login):
    meeting = _submitted(cast, datetime.date(2025, 1, 10))
    page = login("secretary_a").get(f"/records/{meeting.pk}/").content.decode()
    assert "已存证" in page
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_meeting SET topic = %s WHERE id = %s", ["改", meeting.pk])
    page = login("secretary_a").get(f"/records/{meeting.pk}/").content.decode()
    assert "断裂" in page
