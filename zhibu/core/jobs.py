"""The steps of a file import run as a queued job (the roster's, the 台账's): a preview, then the write.

Each step may run more than once for the same job: the queue hands a job to another worker when the one
running it dies (acks_late, reject_on_worker_lost, in settings), and the tasks retry while the database
is away (RETRY). So a step already done is left alone, and the write and the job's "applied" commit in one
transaction: a job is either applied and done, or neither.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .middleware import DATABASE_AWAY
from .models import Job
from .xlsx import WorkbookError

# Stored untranslated in the job; its page translates what it shows.
FILE_GONE = gettext_noop("上传的文件已按保留期限删除，请重新上传")

# The database went away (restart, fail-over): try again later; the transaction saved nothing.
RETRY = {"autoretry_for": DATABASE_AWAY, "retry_backoff": 2, "retry_backoff_max": 60, "max_retries": 12}


def planned(job: Job) -> bool:
    return job.finished or bool(job.result)


def applied(job: Job) -> bool:
    return job.status == Job.Status.FAILED or bool(job.result.get("applied"))


def run_step(job_id: str, step, *, done, message: str) -> None:
    """Run `step(file, job)` on the job's file unless `done(job)` says an earlier delivery already did it;
    the job ends with what the step returns, or failed with the WorkbookError it raised."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if done(job):
        return
    if not job.file:  # deleted when its keeping time ran out (prune_files), before it was imported
        job.finish(failed=FILE_GONE)
        return
    job.progress(0, message=message)
    try:
        with job.file.open("rb") as f:
            result = step(f, job)
    except WorkbookError as exc:
        job.finish(failed=str(exc))
        return
    job.finish(result=result)


def apply_once(job_id: str, step, *, message: str) -> None:
    """The write: once, however often it is delivered or confirmed."""
    job = Job.objects.get(pk=job_id)
    if applied(job):
        if not job.finished:  # queued again once it was done: it is shown done again, not waiting
            job.finish(result=job.result)
        return
    job.progress(0, message=message)  # in the row too: this is outside the transaction
    # The write and the job's "applied" commit together, with the job's row locked: a second delivery
    # waits for the first, then finds the job applied and does nothing. The import's progress meanwhile
    # goes to the shared cache, where the page reads it (Job.progress).
    with transaction.atomic():
        list(Job.objects.select_for_update().filter(pk=job_id).values_list("pk", flat=True))
        run_step(job_id, step, done=applied, message=message)


def prune_files(now: datetime.datetime | None = None) -> int:
    """Delete the files jobs keep once their time is up, as they hold personal data: an export's after
    ZHIBU_EXPORT_KEEP_HOURS, an uploaded file (a roster, a 台账) after ZHIBU_UPLOAD_KEEP_DAYS, imported or
    not. The job stays, with its results; how many files were deleted."""
    from .exports import KIND as EXPORT

    now = now or timezone.now()
    exports = datetime.timedelta(hours=settings.ZHIBU_EXPORT_KEEP_HOURS)
    uploads = datetime.timedelta(days=settings.ZHIBU_UPLOAD_KEEP_DAYS)
    n = 0
    for job in Job.objects.filter(created__lt=now - min(exports, uploads)).exclude(file=""):
        if now - job.created < (exports if job.kind == EXPORT else uploads):
            continue
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
        n += 1
    return n
