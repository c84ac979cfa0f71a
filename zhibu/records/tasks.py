"""三会一课 台账 imports as background jobs: a preview first, then the all-or-nothing write (core.jobs)."""

from celery import shared_task
from django.utils.translation import gettext_noop

from zhibu.core import jobs
from zhibu.core.xlsx import WorkbookError
from zhibu.orgs.models import Branch

from . import workbook

READING = gettext_noop("正在读取台账")  # stored untranslated; the job's page translates what it shows
IMPORTING = gettext_noop("正在导入台账")


def _branch(job) -> Branch:
    branch = Branch.objects.filter(code=job.params.get("branch")).first()
    if branch is None:
        raise WorkbookError("找不到要导入台账的支部（可能已被撤销），未导入任何数据")
    return branch


@shared_task(**jobs.RETRY)
def ledger_plan(job_id: str) -> None:
    """Every row's fate, kept on the job only: running it twice does no harm."""

    def step(f, job):
        return workbook.plan(f, _branch(job), progress=job.progress)

    jobs.run_step(job_id, step, done=jobs.planned, message=READING)


@shared_task(**jobs.RETRY)
def ledger_apply(job_id: str) -> None:
    """Write the previewed file's new records, once."""

    def step(f, job):
        return workbook.apply(f, _branch(job), by=job.owner, progress=job.progress)

    jobs.apply_once(job_id, step, message=IMPORTING)
