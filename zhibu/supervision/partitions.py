"""The board's event table on PostgreSQL: partitioned by month of `created`, so old months are dropped whole.

Migration 0003 makes `supervision_event` a table partitioned by RANGE (created), one partition per calendar
month in settings.TIME_ZONE (named supervision_event_pYYYYMM) and a DEFAULT partition that takes any row no
month partition covers, so an insert never fails. `ensure()` (the migration, then the nightly task) creates
this month's and the next AHEAD months' partitions ahead of the rows. Nothing moves rows out of DEFAULT: a
month whose rows already landed there keeps landing there (logged), and pruning deletes them in time.
On SQLite the table stays a plain table and every function here does nothing.
"""

from __future__ import annotations

import datetime
import logging

from django.db import connections, router, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

TABLE = "supervision_event"
DEFAULT = f"{TABLE}_default"
AHEAD = 2  # months created beyond the current one


def _connection(connection):
    if connection is not None:
        return connection
    from .models import Event

    return connections[router.db_for_write(Event)]


def is_partitioned(connection=None) -> bool:
    connection = _connection(connection)
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [TABLE]
        )
        return cursor.fetchone()[0]


def name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def month_start(month: datetime.date) -> datetime.datetime:
    """The first instant of `month` in the project's time zone."""
    return datetime.datetime(month.year, month.month, 1, tzinfo=timezone.get_default_timezone())


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def ranges(connection=None) -> dict[str, datetime.datetime | None]:
    """{partition name: the end of its range (None for DEFAULT)}."""
    connection = _connection(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            r"""SELECT c.relname,
                       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = to_regclass(%s)""",
            [TABLE],
        )
        return dict(cursor.fetchall())


def ensure(connection=None, months=()) -> list[str]:
    """Create DEFAULT and the partitions of this month, the next AHEAD months and `months` that are missing;
    the names created."""
    connection = _connection(connection)
    if not is_partitioned(connection):
        return []
    month = timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)
    wanted = {m.replace(day=1) for m in months}
    for _ in range(AHEAD + 1):
        wanted.add(month)
        month = next_month(month)
    quote = connection.ops.quote_name
    made = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        existing = ranges(connection)
        if DEFAULT not in existing:
            cursor.execute(f"CREATE TABLE {quote(DEFAULT)} PARTITION OF {quote(TABLE)} DEFAULT")
            made.append(DEFAULT)
        for month in sorted(wanted):
            if name(month) in existing:
                continue
            low, high = month_start(month), month_start(next_month(month))
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {quote(DEFAULT)} WHERE created >= %s AND created < %s)",
                [low, high],
            )
            if cursor.fetchone()[0]:
                log.warning(
                    "%s: rows of %s are in %s already; their month stays there", TABLE, month, DEFAULT
                )
                continue
            # DDL takes no parameters: the bounds are ISO timestamps made here, not input.
            cursor.execute(
                f"CREATE TABLE {quote(name(month))} PARTITION OF {quote(TABLE)} "
                f"FOR VALUES FROM ('{low.isoformat()}') TO ('{high.isoformat()}')"
            )
            made.append(name(month))
    return made


def drop_before(cutoff: datetime.datetime, connection=None) -> int:
    """Detach and drop the month partitions that end at or before `cutoff`; the number of rows they held."""
    connection = _connection(connection)
    if not is_partitioned(connection):
        return 0
    quote = connection.ops.quote_name
    rows = 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for partition, end in sorted(ranges(connection).items()):
            if end is None or end > cutoff:
                continue
            cursor.execute(f"SELECT count(*) FROM {quote(partition)}")
            rows += cursor.fetchone()[0]
            cursor.execute(f"ALTER TABLE {quote(TABLE)} DETACH PARTITION {quote(partition)}")
            cursor.execute(f"DROP TABLE {quote(partition)}")
    return rows
