"""Periodic jobs of the shared plumbing (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import audit, exports, jobs


@shared_task
def seal_audit() -> int:
    """Every half minute: audit events written while another request was sealing go into the chain."""
    return len(audit.seal())


@shared_task(**jobs.RETRY)
def export_run(job_id: str) -> None:
    """A large export (exports.start): made here, its progress on the job's page."""
    exports.run(job_id)


@shared_task
def prune_job_files() -> int:
    """Every hour: exports' and uploads' files whose keeping time is up are deleted (jobs.prune_files)."""
    return jobs.prune_files()
