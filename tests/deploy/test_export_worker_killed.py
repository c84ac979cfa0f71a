"""A real Celery worker killed (SIGKILL) while making an export; a second worker makes it, once.

The production profile's worker (benchmarks/stack.py: Redis broker, acks_late, reject_on_worker_lost)
takes a background export of a branch's roster and is held while reading it (the roles it reads wait on
a lock this test holds on their table). The whole worker is killed outright. Once the broker's visibility
timeout has passed, a second worker gets the same job and makes the file from the start: the job ends
done with every row, its file is in the storage, and the export is in the audit trail once. Delivering the
job yet again changes nothing.

It runs once, in the SQLite pass (it makes its own database on the shared PostgreSQL); skipped, with the
reason, where PostgreSQL or Redis is missing.
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import Stack, pg_connect  # noqa: E402
from tests.deploy.faultkit import kill_worker, one, set_up, start_worker, wait_for, worker_stack  # noqa: E402
from tests.deploy.test_worker_killed import VISIBILITY_TIMEOUT  # noqa: E402

MEMBERS = 40

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass (it makes its own database)"
)

QUEUE = """
import json
from zhibu.accounts.models import User
from zhibu.core import exports
job = exports.start(User.objects.get(username="fault-secretary"), "orgs.roster", {"branch": "fault-001", "full": ""}, ip=None)
print(json.dumps(str(job.pk)))
"""
DELIVER_AGAIN = 'from zhibu.core.tasks import export_run\nexport_run.delay("{job}")\n'
AUDITED = """
import json
from zhibu.core import audit
from zhibu.core.models import AuditEvent
audit.seal()
print(json.dumps(AuditEvent.objects.filter(action="roster.export", detail__job="{job}").count()))
"""


def _job(stack: Stack, job: str) -> tuple:
    return one(stack, "SELECT status, done, total, result, file FROM core_job WHERE id = %s", job)


def _waiting_on_the_lock(stack: Stack) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
    return one(stack, sql, stack.db_name)[0]


def test_a_worker_killed_while_making_an_export_leaves_it_to_another_that_makes_it_once():
    with worker_stack(VISIBILITY_TIMEOUT) as stack:
        set_up(stack, members=MEMBERS, roster=1)
        start_worker(stack, "worker-1")

        hold = pg_connect(stack.database_url)  # the export's read of the members' roles waits on this
        hold.execute("LOCK TABLE orgs_memberrole IN ACCESS EXCLUSIVE MODE")
        try:
            job = json.loads(stack.python(QUEUE).strip().splitlines()[-1])
            wait_for(
                lambda: _waiting_on_the_lock(stack) >= 1, 60, "the export to be held reading", interval=0.05
            )
            assert _job(stack, job)[:3] == ("running", 0, MEMBERS)  # its start is seen, nothing made yet
            _, killed_at = kill_worker(stack, "worker-1")
        finally:
            hold.rollback()
            hold.close()
        stack.stop_process("worker-1")
        status, _, _, result, name = _job(stack, job)
        assert status == "running" and not result and not name  # no file, no end: not done

        # After the visibility timeout the broker hands the unacknowledged job to the next worker.
        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
        start_worker(stack, "worker-2")
        wait_for(
            lambda: _job(stack, job)[0] in ("done", "failed"),
            120,
            "the second worker to make it",
            interval=0.2,
        )
        status, done, total, result, name = _job(stack, job)
        assert status == "done" and result["rows"] == done == total == MEMBERS, stack.log("worker-2")[-3000:]
        assert (stack.tmp / "media" / name).read_bytes()[:2] == b"PK"
        assert json.loads(stack.python(AUDITED.format(job=job)).strip().splitlines()[-1]) == 1

        # The same job delivered once more (a duplicate in the queue) changes nothing.
        stack.python(DELIVER_AGAIN.format(job=job))
        wait_for(
            lambda: stack.log("worker-2").count(" succeeded in ") == 2,
            60,
            "the duplicate delivery to be handled",
        )
        assert _job(stack, job) == (status, done, total, result, name)
        assert json.loads(stack.python(AUDITED.format(job=job)).strip().splitlines()[-1]) == 1
