"""What our PostgreSQL sessions tell the planner: set on the database (core migration 0005), so every new
session has it, whether it comes straight or through a pooler that refuses startup options (PgBouncer)."""

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings"),
]


def test_a_new_session_of_the_database_has_the_planner_settings():
    """jit off (a district-wide summary spent 1.3 s compiling to run 0.3 s); each run of a prepared statement
    planned for its own parameters (one plan for any was ten times slower on branch-wide sums); every
    server-side cursor planned for all its rows (planned for its first tenth, the nightly sum of online 学时
    walked the whole table in member order, 1.0-1.4 s a chunk of 250 branches instead of 0.08 s)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as session:  # new, with no startup options of ours
        names = ("jit", "plan_cache_mode", "cursor_tuple_fraction")
        shown = {name: session.execute(f"SHOW {name}").fetchone()[0] for name in names}
    assert shown == {"jit": "off", "plan_cache_mode": "force_custom_plan", "cursor_tuple_fraction": "1"}
