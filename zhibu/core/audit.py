"""The audit trail: every write and every sensitive read, with who, when, what and from where.

Append-only (refused by the model and by database triggers) and hash-chained like the record book.

A request inserts its event into AuditPending and goes on: it never waits for another request's lock.
Sealing moves pending events into the chain (AuditEvent, each linked to the one before) under the
chain head's lock. A writer seals at once unless its process sealed less than ZHIBU_AUDIT_SEAL_SECONDS ago or
another transaction is sealing (that one, or the next, takes its event along); reading the trail,
verifying it, backing up and a periodic task seal first, so nothing stays pending for long and
nothing read is missing.
"""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import rows
from .chain import link
from .models import AuditEvent, AuditHead, AuditPending

SEAL_BATCH = 5000
# A process seals at most every settings.ZHIBU_AUDIT_SEAL_SECONDS from its own writes: under a burst
# one seal takes hundreds of events along instead of every write paying for its own; when writes are
# sparse each seals its own.
_last_seal = [float("-inf")]
FIELDS = ("at", "user_id", "username", "action", "target", "ip", "detail")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def append(
    *, user=None, username: str = "", action: str, target: str = "", ip=None, detail=None
) -> AuditEvent | None:
    """Record one event; the sealed AuditEvent, or None when another writer will seal it moments later."""
    now = timezone.now()
    now = now.replace(
        microsecond=now.microsecond // 1000 * 1000
    )  # what a fixture keeps, so a restore verifies
    with transaction.atomic(savepoint=False):
        pending_id = rows.insert(
            AuditPending,
            user_id=user.pk if user else None,
            username=username or (user.username if user else ""),
            action=action[:60],
            target=target[:200],
            ip=ip,
            detail=detail or {},
            at=now,
        )
        if time.monotonic() - _last_seal[0] < settings.ZHIBU_AUDIT_SEAL_SECONDS:
            return None  # this process sealed a moment ago: the next seal takes this event along
        _last_seal[0] = time.monotonic()
        sealed = seal(wait=False)
    return sealed.get(pending_id)


def seal(*, wait: bool = True) -> dict[int, AuditEvent]:
    """Move every committed pending event into the chain, in order; {pending id: its AuditEvent}.

    wait=False: if another transaction is sealing, return at once (it, or the next writer, takes ours).
    """
    sealed: dict[int, AuditEvent] = {}
    with transaction.atomic():
        head = AuditHead.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if head is None:
            if AuditHead.objects.filter(pk=1).exists():
                return sealed  # another transaction is sealing
            AuditHead.objects.get_or_create(pk=1)  # a new installation's first event
            head = AuditHead.objects.select_for_update().get(pk=1)
        while True:
            batch = list(AuditPending.objects.order_by("id")[:SEAL_BATCH])
            if not batch:
                break
            prev = head.last_hash
            events = []
            for p in batch:
                event = AuditEvent(**{f: getattr(p, f) for f in FIELDS}, prev_hash=prev)
                event.hash = prev = link(prev, event.payload())
                events.append(event)
            AuditEvent.objects.bulk_create(events)
            AuditPending.objects.filter(pk__in=[p.pk for p in batch]).delete()
            head.last_hash = prev
            sealed.update({p.pk: e for p, e in zip(batch, events, strict=True)})
            if len(batch) < SEAL_BATCH:
                break
        if sealed:
            head.save(update_fields=["last_hash"])
    return sealed


def record(request, action: str, target: str = "", detail: dict | None = None) -> AuditEvent:
    user = (
        request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
    )
    return append(user=user, action=action, target=target, ip=client_ip(request), detail=detail)


def search(params) -> tuple:
    """The audit page's search: (the events found, newest first; the criteria; an error to show or "").

    `params` the page's query (user, action, target: parts of them; since, until: dates, YYYY-MM-DD)."""
    events = AuditEvent.objects.all()
    q = {k: (params.get(k) or "").strip() for k in ("user", "action", "since", "until", "target")}
    if q["user"]:
        events = events.filter(username__icontains=q["user"])
    if q["action"]:
        events = events.filter(action__icontains=q["action"])
    if q["target"]:
        events = events.filter(target__icontains=q["target"])
    try:
        if q["since"]:
            events = events.filter(at__date__gte=datetime.date.fromisoformat(q["since"]))
        if q["until"]:
            events = events.filter(at__date__lte=datetime.date.fromisoformat(q["until"]))
    except ValueError:
        return events, q, "日期格式应为 YYYY-MM-DD"
    return events, q, ""


def record_sensitive_read(request, action: str, obj) -> AuditEvent:
    return record(request, action, f"{type(obj).__name__}:{obj.pk}")


def record_export(request, action: str, detail: dict) -> AuditEvent:
    return record(request, action, "", detail)


VERIFY_CHUNK = 2000  # events read at a time while verifying; progress is reported after each


def verify(progress=None) -> tuple[int, AuditEvent | None]:
    """Walk the chain: (events checked, the first event whose link is broken or None).

    `progress(done, total)`, if given, hears of the events checked, a chunk at a time."""
    seal()
    total = AuditEvent.objects.count() if progress else 0
    prev = ""
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=VERIFY_CHUNK):
        if event.prev_hash != prev or event.hash != link(prev, event.payload()):
            return count, event
        prev = event.hash
        count += 1
        if progress and count % VERIFY_CHUNK == 0:
            progress(count, total)
    if progress:
        progress(count, max(total, count))
    return count, None
