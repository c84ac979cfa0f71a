"""PostgreSQL stopped and restarted for real while members sign in and a roster import runs.

The production profile (gunicorn, a Celery worker over Redis; benchmarks/stack.py) runs against a
PostgreSQL cluster of the test's own (tests/deploy/pgcluster.py), which is stopped with `pg_ctl stop -m
fast` and started again; the suite's shared PostgreSQL is never touched. While the database is down every
answer is the clear 503 page, never a 500 and never half a row; once it is back the same processes
recover by themselves, and every member is signed in exactly once and the roster imported exactly once.

It brings its own PostgreSQL, so it runs once, in the SQLite pass; skipped, with the reason, where the
PostgreSQL server binaries or Redis are missing.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import DEFAULT_REDIS, Stack, pg_connect, request  # noqa: E402
from tests.deploy import pgcluster  # noqa: E402
from tests.deploy.faultkit import (  # noqa: E402
    HalfWay,
    csrf_post,
    is_signed_in,
    is_unavailable_page,
    set_up,
    signin,
    wait_for,
)

MEMBERS = 18
ROSTER = 400

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="brings its own PostgreSQL: runs once, in the SQLite pass"
)


def _redis_missing() -> str | None:
    try:
        import redis

        redis.Redis.from_url(DEFAULT_REDIS, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis is not reachable at {DEFAULT_REDIS}: {exc.__class__.__name__}: {exc}"
    return None


def _attendance(stack: Stack, meeting: int) -> dict[int, int]:
    with pg_connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT member_id, count(*) FROM records_attendance WHERE meeting_id = %s AND state = 'present' "
            "GROUP BY member_id",
            [meeting],
        ).fetchall()
    return dict(rows)


def _imported(stack: Stack) -> tuple[int, int]:
    """(members whose name comes from the roster, distinct ID numbers among them)."""
    with pg_connect(stack.database_url) as conn:
        return conn.execute(
            "SELECT count(*), count(DISTINCT id_number_index) FROM orgs_member WHERE name LIKE '导入党员%%'"
        ).fetchone()


def _job(stack: Stack, job: str) -> tuple[str, dict]:
    with pg_connect(stack.database_url) as conn:
        return conn.execute("SELECT status, result FROM core_job WHERE id = %s", [job]).fetchone()


class SignInStream(threading.Thread):
    """Members scanning one after another, all through the outage: every answer is recorded."""

    def __init__(self, stack, port, meeting, sessions):
        super().__init__(daemon=True)
        self.args = (stack, port, meeting)
        self.sessions = sessions
        self.stop = threading.Event()
        self.answers: list[tuple[int, int, dict, str]] = []
        self.errors: list[str] = []

    def run(self):
        k = 0
        while not self.stop.is_set():
            member = self.sessions[k % len(self.sessions)][0]
            try:
                status, headers, text = signin(*self.args, self.sessions[k % len(self.sessions)][1])
                self.answers.append((member, status, headers, text))
            except OSError as exc:  # the server must answer, not drop the request
                self.errors.append(f"{member}: {exc!r}")
            k += 1
            time.sleep(0.05)


def _sign_in_until_answered(stack, port, meeting, session, timeout: float = 60):
    """Scan again every half second while the page says the database is unavailable."""
    deadline = time.monotonic() + timeout
    while True:
        status, headers, text = signin(stack, port, meeting, session)
        if status != 503 or time.monotonic() > deadline:
            return status, headers, text
        assert is_unavailable_page(status, headers, text), text[:500]
        time.sleep(0.5)


def test_postgresql_stopped_and_restarted_during_sign_ins_and_an_import():
    reason = pgcluster.missing() or _redis_missing()
    if reason:
        pytest.skip(f"the database-restart test needs the PostgreSQL server binaries and Redis: {reason}")
    cluster = pgcluster.Cluster()
    stack = None
    try:
        cluster.init()
        cluster.start()
        cluster.wait_ready()
        stack = Stack(pg_url=cluster.url)
        stack.create_database()
        stack.zhibu("migrate", "--no-input", "-v0")
        data = set_up(stack, members=MEMBERS, roster=ROSTER)
        port = stack.start_gunicorn(workers=2, threads=4)
        stack.wait_http("gunicorn")
        stack.start_celery()
        stack.wait_log("celery", " ready.")
        meeting, sessions = data["meeting"], sorted(data["sessions"].items())
        before, during, after = sessions[:6], sessions[6:12], sessions[12:]

        # Members sign in as usual.
        for member, session in before:
            status, _, text = signin(stack, port, meeting, session)
            assert is_signed_in(status, text), (member, status, text[:500])

        # The database stops while members keep scanning (the first ones a second time).
        stream = SignInStream(stack, port, meeting, before + during)
        stream.start()
        time.sleep(0.5)
        cluster.stop("fast")
        down_at = len(stream.answers)
        for member, session in during:
            status, headers, text = signin(stack, port, meeting, session)
            assert is_unavailable_page(status, headers, text), (member, status, text[:500])
        status, headers, body = request(port, "/", headers={"Cookie": f"sessionid={data['secretary']}"})
        assert is_unavailable_page(status, headers, body.decode()), (status, body[:500])
        time.sleep(1)
        while_down = stream.answers[down_at:]
        cluster.start()  # the same gunicorn and worker processes go on: no restart of the application

        # Back: everyone not yet signed in retries until it succeeds; one row per member, none twice.
        for member, session in during + after:
            status, _, text = _sign_in_until_answered(stack, port, meeting, session)
            assert is_signed_in(status, text), (member, status, text[:500])
        stream.stop.set()
        stream.join(30)
        assert not stream.errors, stream.errors[:5]
        assert len(while_down) >= 3, "too few scans while the database was down to say anything"
        unexpected = [
            (m, s, t[:300])
            for m, s, h, t in stream.answers
            if not (is_signed_in(s, t) or is_unavailable_page(s, h, t))
        ]
        assert not unexpected, unexpected[:3]  # never a 500, never another error page
        assert any(s == 503 for _, s, _, _ in while_down)
        assert _attendance(stack, meeting) == {member: 1 for member, _ in sessions}

        # A roster import confirmed on its page; the database stops half-way through its write.
        hold = HalfWay(stack, data["branch"])
        try:
            status, headers, text = csrf_post(port, f"/orgs/import/{data['job']}/", data["secretary"], {})
            assert status == 302, (status, text[:500])
            hold.wait()
            cluster.stop("fast")
        finally:
            hold.release()
        status, headers, body = request(
            port, f"/orgs/import/{data['job']}/", headers={"Cookie": f"sessionid={data['secretary']}"}
        )
        assert is_unavailable_page(status, headers, body.decode()), (status, body[:500])
        time.sleep(1)
        cluster.start()
        assert _imported(stack) == (0, 0)  # the half-written import was rolled back whole

        # The job retries by itself once the database is back and imports everything, exactly once.
        def finished():
            count, _ = _imported(stack)
            assert count in (0, ROSTER), f"{count} of {ROSTER} members imported: half an import is visible"
            job_status, _ = _job(stack, data["job"])
            return job_status in ("done", "failed")

        wait_for(finished, 120, "the import job to finish after the restart", interval=0.2)
        job_status, result = _job(stack, data["job"])
        assert job_status == "done" and result["applied"], (job_status, stack.log("celery")[-3000:])
        assert result["counts"]["create"] == ROSTER and result["counts"]["error"] == 0
        assert _imported(stack) == (ROSTER, ROSTER)
        status, _, body = request(
            port, f"/orgs/import/{data['job']}/", headers={"Cookie": f"sessionid={data['secretary']}"}
        )
        assert status == 200 and "名册已导入" in body.decode()

        # Importing the same roster again changes nothing.
        again = stack.python(
            "import json\n"
            "from django.core.files.base import ContentFile\n"
            "from zhibu.core.models import Job\n"
            "from zhibu.orgs.tasks import roster_apply, roster_plan\n"
            f"old = Job.objects.get(pk='{data['job']}')\n"
            "job = Job.objects.create(kind='roster', owner=old.owner, params=old.params)\n"
            "job.file.save('again.xlsx', ContentFile(old.file.read()))\n"
            "roster_plan(str(job.pk))\n"
            "roster_apply(str(job.pk))\n"
            "job.refresh_from_db()\n"
            "print(json.dumps([job.status, job.result['counts']]))\n"
        )
        job_status, counts = json.loads(again.strip().splitlines()[-1])
        assert job_status == "done"
        assert counts["same"] == ROSTER and counts["create"] == counts["update"] == counts["error"] == 0
        assert _imported(stack) == (ROSTER, ROSTER)
    except BaseException:
        if stack is not None:  # shown by pytest with the failure
            for name in ("gunicorn", "celery"):
                print(f"--- {name} log (end) ---\n{stack.log(name)[-6000:]}")
        print(f"--- PostgreSQL log (end) ---\n{cluster.log()[-2000:]}")
        raise
    finally:
        try:
            if stack is not None:
                stack.db_created = False  # it goes with the cluster
                stack.stop()
        finally:
            cluster.destroy()
