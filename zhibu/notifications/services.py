from django.db import transaction
from django.utils import timezone

from .models import Notification
from .tasks import deliver


def notify(
    recipients, *, title: str, body: str = "", url: str = "", kind: str = "general", dedupe_key: str = ""
):
    """Put a message in each recipient's inbox (once per dedupe_key) and deliver it beyond, if configured."""
    created = []
    for user in recipients:
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        created.append(
            Notification.objects.create(
                recipient=user, title=title, body=body, url=url, kind=kind, dedupe_key=dedupe_key
            )
        )
    for n in created:
        transaction.on_commit(lambda pk=n.pk: deliver.delay(pk))
    return created


def mark_read(user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
