"""The board's event table on PostgreSQL: partitioned by month, pruned by dropping whole old months."""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from zhibu.core.events import publish
from zhibu.supervision import partitions
from zhibu.supervision.models import Event
from zhibu.supervision.tasks import prune_events

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the event table is partitioned on PostgreSQL only"
)


def _home(event) -> str:
    """The partition that holds the event's row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM supervision_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return cursor.fetchone()[0]


def _event(cast, created, **kw):
    return Event.objects.create(
        kind="x", district_id=cast.t1.district_id, town_id=cast.t1.pk, created=created, **kw
    )


def _month(moment) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def _in_month(ahead: int) -> datetime.datetime:
    """A moment in the month `ahead` months after this one."""
    month = _month(timezone.now())
    for _ in range(ahead):
        month = partitions.next_month(month)
    return partitions.month_start(month) + datetime.timedelta(days=1)


def _as_committed():
    """Run the foreign-key checks a commit would: PostgreSQL refuses to drop a table with checks pending,
    which only happens here, where the rows are inserted in the same transaction as the DDL."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@postgres_only
def test_the_table_is_partitioned_by_month_with_the_coming_months_and_a_default(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = 'supervision_event'::regclass"
        )
        assert cursor.fetchall() == [("r", "created")]
    month = _month(timezone.now())
    names = set(partitions.ranges())
    assert partitions.DEFAULT in names
    for _ in range(partitions.AHEAD + 1):
        assert partitions.name(month) in names
        month = partitions.next_month(month)
    assert partitions.ensure() == []  # nothing missing: nothing made


@postgres_only
def test_an_event_lands_in_its_months_partition(cast):
    now = timezone.now()
    published = publish("meeting.signin", branch_id=cast.a.pk, payload={})  # the raw INSERT of the burst
    assert _home(published) == partitions.name(_month(now))
    later = _event(cast, now + datetime.timedelta(days=40))
    assert _home(later) == partitions.name(_month(later.created))
    long_ago = _event(cast, now - datetime.timedelta(days=3650))
    assert _home(long_ago) == partitions.DEFAULT  # no month for it: DEFAULT takes it, the insert never fails


@postgres_only
def test_ids_keep_increasing_across_partitions(cast):
    moments = [
        _in_month(1),
        _in_month(0),
        timezone.now() - datetime.timedelta(days=3650),
        _in_month(2),
        _in_month(0),
    ]
    events = [_event(cast, moment) for moment in moments]
    assert len({_home(e) for e in events}) == 4
    ids = [e.pk for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@postgres_only
def test_prune_drops_an_old_months_partition_and_keeps_recent_events(cast):
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=90)
    old_month = _month(now - datetime.timedelta(days=130))  # ends before the cutoff
    partitions.ensure(months=[old_month, _month(cutoff)])
    old = [_event(cast, now - datetime.timedelta(days=130)) for _ in range(2)]
    assert _home(old[0]) == partitions.name(old_month)
    just_old = _event(cast, cutoff - datetime.timedelta(minutes=5))  # in a month that is kept: deleted
    very_old = _event(cast, now - datetime.timedelta(days=3650))  # in DEFAULT: deleted
    recent = [_event(cast, cutoff + datetime.timedelta(minutes=5)), _event(cast, now)]
    _as_committed()
    assert prune_events() == 4
    assert not _exists(partitions.name(old_month))
    assert _exists(partitions.name(_month(cutoff))) and _exists(partitions.name(_month(now)))
    assert not Event.objects.filter(pk__in=[e.pk for e in [*old, just_old, very_old]]).exists()
    assert list(Event.objects.values_list("pk", flat=True)) == [e.pk for e in recent]


@postgres_only
def test_a_board_catches_up_after_an_id_across_partitions(cast, login):
    now = timezone.now()
    before = _event(cast, now)
    missed = [_event(cast, now + datetime.timedelta(days=d), branch=cast.a) for d in (0, 40, -3650, 70)]
    Event.objects.create(kind="x", district_id=cast.t1.district_id + 1000, created=now)  # another district
    events = login("admin").get(f"/supervision/board/events/?after={before.pk}").json()["events"]
    assert [e["id"] for e in events] == [e.pk for e in missed]


@postgres_only
def test_the_migration_keeps_rows_ids_and_indexes_both_ways(cast):
    """Run on a table with rows: back to a plain table and partitioned again, inside the test's transaction."""
    migration = importlib.import_module("zhibu.supervision.migrations.0003_event_partitions")
    now = timezone.now()
    rows = [_event(cast, now - datetime.timedelta(days=d), branch=cast.a) for d in (200, 45, 0)]
    expected = list(Event.objects.order_by("id").values_list("id", "created", "branch_id"))

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'supervision_event'::regclass"
            )
            return {row[0] for row in cursor.fetchall()}

    names = indexes()
    assert {"supervision_event_pkey", "sup_event_district", "sup_event_town"} <= names

    _as_committed()
    migration._rebuild(connection, partitioned=False)
    assert not partitions.is_partitioned()
    assert indexes() == names
    migration._rebuild(connection, partitioned=True)
    assert partitions.is_partitioned() and indexes() == names
    assert list(Event.objects.order_by("id").values_list("id", "created", "branch_id")) == expected
    assert _home(rows[0]) == partitions.name(_month(rows[0].created))  # its month was made for it
    assert _event(cast, now).pk > rows[-1].pk


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps a plain table")
def test_sqlite_keeps_a_plain_table_pruned_by_delete(cast):
    assert not partitions.is_partitioned() and partitions.ensure() == []
    _event(cast, timezone.now() - datetime.timedelta(days=100))
    recent = _event(cast, timezone.now())
    assert prune_events() == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
