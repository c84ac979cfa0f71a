"""The audit trail: every write and sensitive read, append-only, hash-chained, for the audit administrator only."""

import io

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from zhibu.accounts import services
from zhibu.accounts.models import Role, User
from zhibu.core import audit
from zhibu.core.models import AuditEvent, AuditHead


def test_writes_are_recorded_with_who_what_and_where(cast, login):
    login("secretary_a").post(f"/orgs/members/{cast.member_of_a.pk}/reveal/", REMOTE_ADDR="10.1.2.3")
    actions = list(AuditEvent.objects.order_by("id").values_list("username", "action", "ip"))
    assert ("secretary_a", "member.reveal", "10.1.2.3") in actions
    assert ("secretary_a", "POST orgs:member_reveal", "10.1.2.3") in actions


def test_the_chain_verifies_and_names_a_tampered_event(cast):
    for i in range(5):
        audit.append(username="x", action=f"test.{i}")
    count, broken = audit.verify()
    assert count == 5 and broken is None
    target = AuditEvent.objects.order_by("id")[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT action FROM core_auditevent WHERE id = %s", [target.pk])
        # the database refuses the edit; simulate an attacker with direct file access by dropping the guard
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")  # a database superuser can skip triggers
        cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [target.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    count, broken = audit.verify()
    assert broken.pk == target.pk and count == 2


def test_the_trail_is_append_only_in_the_database(cast):
    event = audit.append(username="x", action="test")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


def test_only_the_audit_administrator_searches_and_exports(cast, login):
    auditor = User.objects.create_user("audit1")
    services.grant_add(user=auditor, role=Role.objects.get(code="audit_admin"), district=cast.a.town.district)
    audit.append(username="secretary_a", action="roster.export")
    for role in ("admin", "auditor", "secretary_a"):
        assert login(role).get("/audit/").status_code == 404
    client = login("audit1")
    page = client.get("/audit/?user=secretary_a").content.decode()
    assert "roster.export" in page
    export = client.get("/audit/?user=secretary_a&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    assert [c.value for c in sheet[1]][:3] == ["时间", "账号", "操作"]
    assert AuditEvent.objects.filter(action="audit.export", username="audit1").exists()


def test_events_left_pending_by_a_busy_chain_are_sealed_in_order_and_shown(cast, login):
    """A writer that finds another sealing leaves its event pending; the next seal or read takes it along."""
    from django.utils import timezone

    from zhibu.core.models import AuditPending

    for i in range(3):  # as if three writers had skipped the busy chain head
        AuditPending.objects.create(username="secretary_a", action=f"busy.{i}", at=timezone.now())
    sealed = audit.append(username="secretary_a", action="busy.last")
    assert sealed is not None and not AuditPending.objects.exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "busy.0",
        "busy.1",
        "busy.2",
        "busy.last",
    ]
    assert audit.verify() == (4, None)

    AuditPending.objects.create(username="secretary_a", action="busy.unsealed", at=timezone.now())
    auditor = User.objects.create_user("audit2")
    services.grant_add(user=auditor, role=Role.objects.get(code="audit_admin"), district=cast.a.town.district)
    assert "busy.unsealed" in login("audit2").get("/audit/?user=secretary_a").content.decode()
    assert audit.verify()[1] is None


def test_a_writer_never_waits_for_the_chain_lock(cast):
    """PostgreSQL: while another transaction holds the chain head, a write is recorded at once (pending)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    import threading

    from django.db import connections

    from zhibu.core.models import AuditPending

    holding, release = threading.Event(), threading.Event()

    def sealer():  # its own connection: the head row made by the migration is committed, so it can lock it
        try:
            with transaction.atomic():
                AuditHead.objects.select_for_update().get(pk=1)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    t = threading.Thread(target=sealer)
    t.start()
    try:
        assert holding.wait(10)
        assert audit.append(username="x", action="while.busy") is None  # did not wait for the lock
        assert AuditPending.objects.filter(action="while.busy").exists()
    finally:
        release.set()
        t.join(10)
    assert audit.verify()[1] is None
    assert AuditEvent.objects.filter(action="while.busy").exists() and not AuditPending.objects.exists()


def test_a_busy_process_seals_its_writes_in_batches(cast, settings):
    from zhibu.core.models import AuditPending

    settings.ZHIBU_AUDIT_SEAL_SECONDS = 60
    audit._last_seal[0] = float("-inf")
    first = audit.append(username="x", action="burst.0")
    rest = [audit.append(username="x", action=f"burst.{i}") for i in range(1, 4)]
    assert first is not None and rest == [None, None, None]  # sealed a moment ago: left for the next seal
    assert AuditPending.objects.count() == 3
    assert audit.verify() == (4, None) and not AuditPending.objects.exists()
