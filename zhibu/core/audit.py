"""The audit trail: every write and every sensitive read, with who, when, what and from where.

Append-only (refused by the model and by database triggers) and hash-chained like the record book.
"""

from django.db import transaction
from django.utils import timezone

from .chain import link
from .models import AuditEvent, AuditHead


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def append(
    *, user=None, username: str = "", action: str, target: str = "", ip=None, detail=None
) -> AuditEvent:
    now = timezone.now()
    now = now.replace(
        microsecond=now.microsecond // 1000 * 1000
    )  # what a fixture keeps, so a restore verifies
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            user=user,
            username=username or (user.username if user else ""),
            action=action[:60],
            target=target[:200],
            ip=ip,
            detail=detail or {},
            at=now,
            prev_hash=head.last_hash,
        )
        event.hash = link(head.last_hash, event.payload())
        event.save()
        head.last_hash = event.hash
        head.save(update_fields=["last_hash"])
    return event


def record(request, action: str, target: str = "", detail: dict | None = None) -> AuditEvent:
    user = (
        request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
    )
    return append(user=user, action=action, target=target, ip=client_ip(request), detail=detail)


def record_sensitive_read(request, action: str, obj) -> AuditEvent:
    return record(request, action, f"{type(obj).__name__}:{obj.pk}")


def record_export(request, action: str, detail: dict) -> AuditEvent:
    return record(request, action, "", detail)


def verify() -> tuple[int, AuditEvent | None]:
    """Walk the chain: (events checked, the first event whose link is broken or None)."""
    prev = ""
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev or event.hash != link(prev, event.payload()):
            return count, event
        prev = event.hash
        count += 1
    return count, None
