"""Roster imports as background jobs: a preview first, then the all-or-nothing write (core.jobs)."""

from celery import shared_task
from django.utils.translation import gettext_noop

from zhibu.accounts.reach import visible
from zhibu.core import jobs
from zhibu.core.models import Job

from . import roster
from .models import Branch

READING = gettext_noop("正在读取名册")  # stored untranslated; the page translates what it shows
IMPORTING = gettext_noop("正在导入名册")


def _scope(job: Job):
    code = job.params.get("branch")
    if code:
        return {"branch": Branch.objects.get(code=code), "branches": None}
    return {"branch": None, "branches": visible(Branch, job.owner, "members.manage")}


@shared_task(**jobs.RETRY)
def roster_plan(job_id: str) -> None:
    def step(f, job):
        return roster.plan(f, progress=job.progress, **_scope(job))

    jobs.run_step(job_id, step, done=jobs.planned, message=READING)  # reads only: twice does no harm


@shared_task(**jobs.RETRY)
def roster_apply(job_id: str) -> None:
    def step(f, job):
        result = roster.apply(f, progress=job.progress, **_scope(job))
        result["applied"] = True
        result["valid"] = False  # applied once; a second confirm does nothing
        return result

    jobs.apply_once(job_id, step, message=IMPORTING)
