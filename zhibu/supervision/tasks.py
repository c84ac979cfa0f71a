"""Periodic jobs of 督 (schedule them with celery beat or cron: `zhibu supervision escalate` / `rebuild`)."""

from celery import shared_task

from . import services, status


@shared_task
def escalate_overdue() -> int:
    """Hourly: overdue dispatches and findings go up to the town's supervisors (each once)."""
    return services.escalate_overdue()


@shared_task
def rebuild_board() -> int:
    """Nightly: rebuild every branch's board row (month roll-over, compliance as of today), prune old events."""
    prune_events()
    return status.rebuild()


def prune_events(days: int = 90) -> int:
    """Board events older than `days` are dropped: boards catch up over minutes, the records keep the history."""
    import datetime

    from django.utils import timezone

    from .models import Event

    return Event.objects.filter(created__lt=timezone.now() - datetime.timedelta(days=days)).delete()[0]
