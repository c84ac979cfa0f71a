"""Roster imports as background jobs: a preview first, then the all-or-nothing write.

Both tasks may run more than once for the same job: the queue hands a job to another worker when the one
running it dies (acks_late, reject_on_worker_lost), and they retry while the database is away. So a step
already done is left alone, and the import's write and the job's "applied" are one transaction: a job is
either applied and done, or neither.
"""

from celery import shared_task
from django.db import transaction
from django.utils.translation import gettext_noop

from zhibu.accounts.reach import visible
from zhibu.core.middleware import DATABASE_AWAY
from zhibu.core.models import Job
from zhibu.core.xlsx import WorkbookError

from . import roster
from .models import Branch

IMPORTING = gettext_noop("正在导入名册")  # stored untranslated; the page translates what it shows

# The database went away (restart, fail-over): try again later; the transaction saved nothing.
RETRY = {"autoretry_for": DATABASE_AWAY, "retry_backoff": 2, "retry_backoff_max": 60, "max_retries": 12}


def _scope(job: Job):
    code = job.params.get("branch")
    if code:
        return {"branch": Branch.objects.get(code=code), "branches": None}
    return {"branch": None, "branches": visible(Branch, job.owner, "members.manage")}


def _run(job_id: str, step, *, done, message: str = gettext_noop("正在读取名册")) -> None:
    """Run one step of a job unless `done(job)` says an earlier delivery already did it."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if done(job):
        return
    job.progress(0, message=message)
    try:
        with job.file.open("rb") as f:
            result = step(f, progress=job.progress, **_scope(job))
    except WorkbookError as exc:
        job.finish(failed=str(exc))
        return
    job.finish(result=result)


def _planned(job: Job) -> bool:
    return job.finished or bool(job.result)


def _applied(job: Job) -> bool:
    return job.status == Job.Status.FAILED or bool(job.result.get("applied"))


@shared_task(**RETRY)
def roster_plan(job_id: str) -> None:
    _run(job_id, roster.plan, done=_planned)  # reads only: running it twice does no harm


@shared_task(**RETRY)
def roster_apply(job_id: str) -> None:
    def step(f, **kwargs):
        result = roster.apply(f, **kwargs)
        result["applied"] = True
        result["valid"] = False  # applied once; a second confirm does nothing
        return result

    job = Job.objects.get(pk=job_id)
    if _applied(job):
        return
    job.progress(0, message=IMPORTING)  # in the row too: this is outside the transaction
    # The write and the job's "applied" commit together, with the job's row locked: a second delivery
    # waits for the first, then finds the job applied and does nothing. The import's progress meanwhile
    # goes to the shared cache, where the page reads it (Job.progress).
    with transaction.atomic():
        list(Job.objects.select_for_update().filter(pk=job_id).values_list("pk", flat=True))
        _run(job_id, step, done=_applied, message=IMPORTING)
