"""What our PostgreSQL sessions tell the planner (settings.DATABASES' options)."""

import pytest
from django.db import connection, transaction

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings"),
]


def _setting(cursor, name: str) -> str:
    cursor.execute(f"SHOW {name}")
    return cursor.fetchone()[0]


def test_a_server_side_cursor_is_planned_for_all_its_rows():
    """Every long read of ours (iterator(): exports, the nightly 学时 sums) reads its cursor to the end;
    planned for its first tenth instead, the nightly evaluation's sum of online 学时 walked the whole
    table in member order (1.0-1.4 s a chunk of 250 branches instead of 0.08 s)."""
    with transaction.atomic(), connection.cursor() as cursor:
        assert _setting(cursor, "cursor_tuple_fraction") == "1"
        assert _setting(cursor, "jit") == "off"
        assert _setting(cursor, "plan_cache_mode") == "force_custom_plan"
