"""`zhibu audit verify` shows its progress on standard error; what it prints and how it fails are as
before: the same count on standard output when the chain is whole, the same message and exit status when
it is broken."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from zhibu.core import audit
from zhibu.core.models import AuditEvent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _events(n: int) -> None:
    for i in range(n):
        audit.append(username="x", action=f"test.{i}")


def _forge(event: AuditEvent) -> None:
    """An attacker with direct access to the database, past its append-only guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_whole_chain_prints_the_same_and_shows_progress_elsewhere(cast):
    _events(5)
    count = AuditEvent.objects.count()
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert out.getvalue() == f"审计链完整：共 {count} 条\n"
    assert err.getvalue().splitlines() == ["  0% 正在校验审计链", "100% 正在校验审计链"]


def test_on_a_terminal_the_bar_is_redrawn_in_place(cast):
    _events(3)
    count = AuditEvent.objects.count()
    err = Terminal()
    call_command("audit", "verify", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert text.startswith("\r[") and text.endswith("\n")
    assert f" 100% {count}/{count} 正在校验审计链" in text


def test_a_long_chain_is_reported_a_chunk_at_a_time(cast, monkeypatch):
    _events(5)
    audit.seal()
    count = AuditEvent.objects.count()
    monkeypatch.setattr(audit, "VERIFY_CHUNK", 2)
    heard = []
    assert audit.verify(progress=lambda done, total: heard.append((done, total))) == (count, None)
    assert heard == [(done, count) for done in range(2, count + 1, 2)] + [(count, count)]
    assert audit.verify() == (count, None)  # without a listener, as before


def test_a_broken_chain_fails_as_before(cast):
    _events(5)
    target = AuditEvent.objects.order_by("id")[2]
    _forge(target)
    count, broken = audit.verify()
    assert broken.pk == target.pk
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"审计链在第 {count + 1} 条（编号 {target.pk}，{broken.at:%Y-%m-%d %H:%M:%S}，"
        f"x {broken.action}）处断开：该记录或其前一条被改动过"
    )
    assert err.getvalue().splitlines()[0] == "  0% 正在校验审计链"


def test_verbosity_0_shows_no_progress(cast):
    _events(2)
    err = io.StringIO()
    call_command("audit", "verify", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
