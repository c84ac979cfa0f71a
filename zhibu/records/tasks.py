"""三会一课 台账 imports as background jobs: a preview first, then the all-or-nothing write.

As with the roster (orgs/tasks.py), both tasks may run more than once for the same job: the queue hands a
job to another worker when the one running it dies (acks_late, reject_on_worker_lost, in settings), and
they retry while the database is away. So a step already done is left alone, and the import's write and
the job's "applied" are one transaction: a job is either applied and done, or neither.
"""

from celery import shared_task
from django.db import transaction
from django.utils.translation import gettext_noop

from zhibu.core.middleware import DATABASE_AWAY
from zhibu.core.models import Job
from zhibu.core.xlsx import WorkbookError
from zhibu.orgs.models import Branch

from . import workbook

READING = gettext_noop("正在读取台账")  # stored untranslated; the job's page translates what it shows
IMPORTING = gettext_noop("正在导入台账")

# The database went away (restart, fail-over): try again later; the transaction saved nothing.
RETRY = {"autoretry_for": DATABASE_AWAY, "retry_backoff": 2, "retry_backoff_max": 60, "max_retries": 12}


def _run(job_id: str, step, *, done, message: str) -> None:
    """Run one step of a job on its file unless `done(job)` says an earlier delivery already did it."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if done(job):
        return
    job.progress(0, message=message)
    branch = Branch.objects.filter(code=job.params.get("branch")).first()
    if branch is None:
        job.finish(failed="找不到要导入台账的支部（可能已被撤销），未导入任何数据")
        return
    try:
        with job.file.open("rb") as f:
            result = step(f, branch, job)
    except WorkbookError as exc:
        job.finish(failed=str(exc))
        return
    job.finish(result=result)


def _planned(job: Job) -> bool:
    return job.finished or bool(job.result)


def _applied(job: Job) -> bool:
    return job.status == Job.Status.FAILED or bool(job.result.get("applied"))


@shared_task(**RETRY)
def ledger_plan(job_id: str) -> None:
    """Every row's fate, kept on the job only: running it twice does no harm."""

    def step(f, branch, job):
        return workbook.plan(f, branch, progress=job.progress)

    _run(job_id, step, done=_planned, message=READING)


@shared_task(**RETRY)
def ledger_apply(job_id: str) -> None:
    """Write the previewed file's new records, once."""

    def step(f, branch, job):
        return workbook.apply(f, branch, by=job.owner, progress=job.progress)

    job = Job.objects.get(pk=job_id)
    if _applied(job):
        if not job.finished:  # queued again once it was done: it is shown done again, not waiting
            job.finish(result=job.result)
        return
    job.progress(0, message=IMPORTING)  # in the row too: this is outside the transaction
    # The write and the job's "applied" commit together, with the job's row locked: a second delivery
    # waits for the first, then finds the job applied and does nothing. The import's progress meanwhile
    # goes to the shared cache, where the page reads it (Job.progress).
    with transaction.atomic():
        list(Job.objects.select_for_update().filter(pk=job_id).values_list("pk", flat=True))
        _run(job_id, step, done=_applied, message=IMPORTING)
