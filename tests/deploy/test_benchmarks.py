"""The benchmark scripts run and report what they generated (no timing is asserted: figures are the scripts')."""

import asyncio
import json
import secrets
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import DEFAULT_PG, check_services, percentile, percentiles, pg_connect, with_db  # noqa: E402


def test_percentiles_are_in_milliseconds_and_ordered():
    got = percentiles([i / 1000 for i in range(1, 101)])
    assert got == {"p50_ms": 50.0, "p90_ms": 90.0, "p95_ms": 95.0, "p99_ms": 99.0, "max_ms": 100.0}
    assert percentiles([]) == {}
    # Nearest rank: of 20 requests the 95th percentile is the 19th slowest, not the maximum.
    assert percentile(list(range(1, 21)), 0.95) == 19 and percentile([7], 0.99) == 7


class _Answers(BaseHTTPRequestHandler):
    """A keep-alive server for the closed loop: 200 for /ok; /close answers and then closes the connection."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200 if self.path in ("/ok", "/close") else 404)
        self.send_header("Content-Length", "2")
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("path", ["/ok", "/close", "/missing"])
def test_the_server_floor_counts_every_answer_by_status(path):
    """The sign-in burst's closed loop: every request answered is counted under its status, and a
    connection the server closes is opened again (none counted as failed)."""
    from benchmarks.signin_burst import floor

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        got = asyncio.run(floor(server.server_address[1], path, connections=3, seconds=0.3))
    finally:
        server.shutdown()
        server.server_close()
    status = "404" if path == "/missing" else "200"
    assert got["path"] == path and got["requests"] > 0
    assert got["statuses"] == {status: got["requests"]}
    assert got["rate"] > 0


def _script(name: str, *args: str) -> dict:
    """Run benchmarks/<name> with `args`; the JSON it printed."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_the_city_generator_fills_the_applications_tables():
    reason = check_services()
    if reason:
        pytest.skip(f"the city generator needs PostgreSQL: {reason}")
    db = f"zhibu_city_test_{secrets.token_hex(3)}"
    try:
        report = _script("city.py", "--scale", "0.0005", "--db", db)
        assert report["branches"] == 50 and report["meetings"] == 50 * 50
        with pg_connect(with_db(DEFAULT_PG, db)) as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("orgs_branch", "orgs_member", "records_meeting", "records_attendance")
            }
            orphans = conn.execute(
                "SELECT count(*) FROM records_attendance a JOIN orgs_member m ON m.id = a.member_id "
                "JOIN records_meeting r ON r.id = a.meeting_id WHERE m.branch_id <> r.branch_id"
            ).fetchone()[0]
            unanalysed = conn.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 0 "
                "AND last_analyze IS NULL AND last_autoanalyze IS NULL"
            ).fetchall()
            fks = conn.execute(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'records_attendance'::regclass AND contype = 'f'"
            ).fetchone()[0]
        assert counts["orgs_branch"] == 50
        assert counts["orgs_member"] == report["members"] == report["tables"]["orgs_member"]["rows"]
        assert counts["records_attendance"] == report["tables"]["records_attendance"]["rows"] > 0
        assert orphans == 0  # everyone attends their own branch's meetings
        assert fks == 2  # the constraints dropped for COPY are back
        assert unanalysed == []  # the planner has statistics for every table, autovacuum or not

        # The city's shared summaries, served by gunicorn as its administrator: every page answered, and
        # once a copy's time is up a copy served at once and a new one stored after the response.
        summaries = _script("summaries.py", "--city-db", db, "--seconds", "1")
        assert summaries["branches"] == 50
        pages = summaries["stale_served"]["pages"]
        assert set(pages) == {"/library/hours/", "/plans/needs/", "/training/statistics/", "/targets/"}
        assert all(p["refreshed_after_seconds"] >= 0 for p in pages.values())
        assert set(summaries["recomputed_in_request"]["pages"]) == set(pages)
        assert summaries["stale_served"]["worker_peak_rss_mb"] > 0

        # The main pages at the city's scale, as its administrator, a district's, a town supervisor, and a
        # branch's secretary and member.
        pages = _script("pages.py", "--city-db", db, "--rounds", "1")
        assert pages["database"] == db and pages["not_200"] == []
        users = {p["user"] for p in pages["pages"]}
        assert users == {
            "bench-city-admin",
            "bench-district-admin",
            "bench-town-supervisor",
            "bench-secretary",
            "bench-member",
        }
        assert pages["pages_measured"] > 20 and all(p["first_ms"] > 0 for p in pages["pages"])

        # The REST API's lists, for the same users: each one a list (or refused to a role that does not read it).
        api = _script("pages.py", "--city-db", db, "--rounds", "1", "--api")
        assert api["what"] == "api" and api["not_200"] == []
        measured = {(p["user"], p["page"]) for p in api["pages"]}
        assert ("bench-city-admin", "/api/v1/meetings/") in measured
        assert ("bench-secretary", "/api/v1/training/enrolments/") in measured
        assert all(p["page"].startswith("/api/v1/") for p in api["pages"])
    finally:
        with pg_connect(DEFAULT_PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
