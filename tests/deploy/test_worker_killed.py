"""A real Celery worker killed (SIGKILL) half-way through a roster import; a second worker finishes it once.

The production profile's worker (benchmarks/stack.py: Redis broker, acks_late, reject_on_worker_lost)
takes the import job, which is held half-way through its write (tests/deploy/faultkit.py `HalfWay`). Its
pool process is killed, so the worker runs the job again, up to the same point; then the whole worker,
main process and pool, is killed. Nothing of the import may remain; once the broker's visibility timeout
has passed (ZHIBU_CELERY_VISIBILITY_TIMEOUT, shortened here) a second worker gets the same job and
imports the roster exactly once, and the job ends as done with the right counts. Delivering the job yet
again changes nothing. Throughout, another process reads the job's progress as its page does: each run's
progress is seen while its transaction is open, a dead run's last report stays until the next run's own
replaces it, and the reports are gone once the job is done.

It runs once, in the SQLite pass (it makes its own database on the shared PostgreSQL); skipped, with the
reason, where PostgreSQL or Redis is missing.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.stack import Stack, children  # noqa: E402
from tests.deploy.faultkit import HalfWay, kill_worker, one, set_up, start_worker, wait_for, worker_stack  # noqa: E402

ROSTER = 300
VISIBILITY_TIMEOUT = 4  # seconds before a dead worker's job is handed out again

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass (it makes its own database)"
)

QUEUE_APPLY = """
from zhibu.core.models import Job
from zhibu.orgs.tasks import roster_apply
Job.objects.filter(pk="{job}").update(status=Job.Status.QUEUED, done=0)  # as the confirm button does
roster_apply.delay("{job}")
"""
DELIVER_AGAIN = 'from zhibu.orgs.tasks import roster_apply\nroster_apply.delay("{job}")\n'
SHOWN = """
import json
from zhibu.core import progress
from zhibu.core.models import Job
job = Job.objects.live(pk="{job}")  # what the import's page shows
print(json.dumps([job.status, job.done, job.total, job.message, progress.read(job.pk) is not None]))
"""


def _imported(stack: Stack) -> tuple[int, int]:
    return one(
        stack,
        "SELECT count(*), count(DISTINCT id_number_index) FROM orgs_member WHERE name LIKE '导入党员%%'",
    )


def _job(stack: Stack, job: str) -> tuple[str, int, int, dict]:
    return one(stack, "SELECT status, done, total, result FROM core_job WHERE id = %s", job)


def _open_transactions(stack: Stack) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
    return one(stack, sql, stack.db_name)[0]


def _shown(stack: Stack, job: str) -> list:
    """What the page shows, from another process: [status, done, total, message, reported in the cache]."""
    return json.loads(stack.python(SHOWN.format(job=job)).strip().splitlines()[-1])


def test_a_worker_killed_mid_job_leaves_it_to_another_that_imports_it_exactly_once():
    with worker_stack(VISIBILITY_TIMEOUT) as stack:
        data = set_up(stack, members=1, roster=ROSTER)
        job = data["job"]
        start_worker(stack, "worker-1")

        # The first worker takes the job; half-way through the import's write, it is killed outright.
        hold = HalfWay(stack, data["branch"])
        try:
            stack.python(QUEUE_APPLY.format(job=job))
            hold.wait()
            # Its progress is seen from outside while its transaction is open: every row checked. The row
            # itself still says what the run's start wrote, outside the transaction.
            assert _shown(stack, job) == ["running", ROSTER, ROSTER, "正在核对名册", True]
            assert _job(stack, job)[:3] == ("running", 0, ROSTER)
            first = stack.procs["worker-1"]
            # Its pool process is killed first: the worker's main process puts the job back in the queue
            # (reject_on_worker_lost), and its new pool process takes it again, and waits: the killed run's
            # transaction still holds the job's lock until the database finds its client gone.
            [pool] = children(first.pid)
            os.kill(pool, signal.SIGKILL)
            hold.wait(count=2, behind_it=True)
            stack.wait_log("worker-1", "WorkerLostError")
            # Then the whole worker, main process and pool, is killed outright.
            pids, killed_at = kill_worker(stack, "worker-1")
            assert len(pids) >= 2 and pool not in pids, pids  # the main process and its new pool process
        finally:
            hold.release()
        stack.stop_process("worker-1")
        wait_for(lambda: _open_transactions(stack) == 0, 60, "the killed worker's transaction to end")
        assert _imported(stack) == (0, 0)  # its half-written import was rolled back whole
        status, _, _, result = _job(stack, job)
        assert status != "done" and not result.get("applied")
        # The page shows the last run's start (it had waited for the first run's lock), not a finished job.
        assert _shown(stack, job) == ["running", 0, ROSTER, "正在导入名册", True]

        # After the visibility timeout the broker hands the unacknowledged job to the next worker, whose
        # progress the page shows as it goes (held half-way once more to look).
        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
        hold = HalfWay(stack, data["branch"])
        try:
            start_worker(stack, "worker-2")
            hold.wait()
            assert _shown(stack, job) == ["running", ROSTER, ROSTER, "正在核对名册", True]
        finally:
            hold.release()

        def finished():
            count, _ = _imported(stack)
            assert count in (0, ROSTER), f"{count} of {ROSTER} members imported: half an import is visible"
            return _job(stack, job)[0] in ("done", "failed")

        wait_for(finished, 120, "the second worker to finish the job", interval=0.2)
        status, done, total, result = _job(stack, job)
        assert status == "done" and result["applied"], stack.log("worker-2")[-3000:]
        assert done == total == ROSTER
        assert _shown(stack, job) == ["done", ROSTER, ROSTER, "正在导入名册", False]  # the reports dropped
        assert result["counts"]["create"] == ROSTER and result["counts"]["error"] == 0
        assert _imported(stack) == (ROSTER, ROSTER)  # every row once: none lost, none twice
        log = stack.log("worker-2")
        assert log.count("roster_apply[") == 2 and " succeeded in " in log, log[-3000:]  # received, succeeded

        # The same job delivered once more (a duplicate in the queue) changes nothing.
        stack.python(DELIVER_AGAIN.format(job=job))
        wait_for(
            lambda: stack.log("worker-2").count(" succeeded in ") == 2,
            60,
            "the duplicate delivery to be handled",
        )
        assert _job(stack, job) == (status, done, total, result)
        assert _imported(stack) == (ROSTER, ROSTER)
