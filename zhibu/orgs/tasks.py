"""Roster imports as background jobs: a preview first, then the all-or-nothing write."""

from celery import shared_task

from zhibu.accounts.reach import visible
from zhibu.core.models import Job
from zhibu.core.xlsx import WorkbookError

from . import roster
from .models import Branch


def _scope(job: Job):
    code = job.params.get("branch")
    if code:
        return {"branch": Branch.objects.get(code=code), "branches": None}
    return {"branch": None, "branches": visible(Branch, job.owner, "members.manage")}


def _run(job_id: str, step) -> None:
    job = Job.objects.select_related("owner").get(pk=job_id)
    job.progress(0, message="正在读取名册")
    try:
        with job.file.open("rb") as f:
            result = step(f, progress=job.progress, **_scope(job))
    except WorkbookError as exc:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=str(exc))
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, result=result, done=job.total)


@shared_task
def roster_plan(job_id: str) -> None:
    _run(job_id, roster.plan)


@shared_task
def roster_apply(job_id: str) -> None:
    def step(f, **kwargs):
        result = roster.apply(f, **kwargs)
        result["applied"] = True
        result["valid"] = False  # applied once; a second confirm does nothing
        return result

    _run(job_id, step)
