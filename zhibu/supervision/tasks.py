"""Periodic jobs of 督 (schedule them with celery beat or cron: `zhibu supervision escalate` / `rebuild`)."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import partitions, services, status


@shared_task
def escalate_overdue() -> int:
    """Hourly: overdue dispatches and findings go up to the town's supervisors (each once)."""
    return services.escalate_overdue()


@shared_task
def rebuild_board(compliance: bool = True) -> int:
    """Nightly: rebuild every branch's board row (month roll-over, compliance as of today), make the coming
    months' event partitions (PostgreSQL), prune old events.

    The branches go out as one task per chunk (status.CHUNK), so every worker process takes a share; with
    the in-process default they run here one after another."""
    partitions.ensure()
    prune_events()
    today = timezone.localdate().isoformat()
    parts = status.chunks()
    for ids in parts:
        rebuild_board_chunk.delay(ids, today, compliance)
    return sum(len(ids) for ids in parts)


@shared_task
def rebuild_board_chunk(branch_ids: list[int], today: str | None = None, compliance: bool = True) -> int:
    """One chunk of the nightly rebuild, as of `today` (ISO date; the day the night's run began)."""
    day = datetime.date.fromisoformat(today) if today else None
    return status.rebuild_chunk(branch_ids, compliance=compliance, today=day)


def prune_events(days: int = 90) -> int:
    """Board events older than `days` are removed (boards catch up over minutes, the records keep the history);
    the number removed. On PostgreSQL the months wholly older go as whole partitions, the rest by DELETE."""
    from .models import Event

    cutoff = timezone.now() - datetime.timedelta(days=days)
    dropped = partitions.drop_before(cutoff)
    return dropped + Event.objects.filter(created__lt=cutoff).delete()[0]
