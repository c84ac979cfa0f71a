"""Periodic jobs of 督 (schedule them with celery beat or cron: `zhibu supervision escalate` / `rebuild`)."""

from celery import shared_task

from . import services, status


@shared_task
def escalate_overdue() -> int:
    """Hourly: overdue dispatches and findings go up to the town's supervisors (each once)."""
    return services.escalate_overdue()


@shared_task
def rebuild_board() -> int:
    """Nightly: rebuild every branch's board row (month roll-over, compliance as of today)."""
    return status.rebuild()
