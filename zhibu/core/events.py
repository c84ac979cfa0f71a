"""Live events: write one Event row, then push it to the district's and the town's board groups.

`publish(kind, branch_id=..., payload=...)` is called by subscribers inside the request's transaction;
the row is part of that transaction (a rolled-back sign-in publishes nothing) and the push happens after
commit. A slow or broken channel layer is logged, never raised: the request has already succeeded,
and a board that missed the push catches up from the Event table by id.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from . import rows

log = logging.getLogger(__name__)


def district_group(district_id: int) -> str:
    return f"board.d{district_id}"


def town_group(town_id: int) -> str:
    return f"board.t{town_id}"


def serialize(event) -> dict:
    """What a board receives for one event (the same over WebSocket, SSE/polling and replay)."""
    return {
        "id": event.pk,
        "kind": event.kind,
        "branch_id": event.branch_id,
        "town_id": event.town_id,
        "district_id": event.district_id,
        "created": event.created.isoformat(),
        "payload": event.payload,
    }


def push(event_dict: dict) -> None:
    """Send one serialized event to its groups; failures are logged.

    With the in-process layer (the embedded default: one server process) it is sent at once. With a
    shared layer (Redis in production) it joins this process's outgoing batch: one message per group a
    few times a second, however many sign-ins arrive, instead of a round trip per event.
    """
    try:
        from channels.layers import InMemoryChannelLayer, get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer):
            _send(layer, [event_dict])
        else:
            _outbox().put(event_dict)
    except Exception:  # noqa: BLE001 - a board push must never fail the request
        log.exception("live push of event %s failed", event_dict.get("id"))


def _messages(events: list[dict]) -> dict[str, dict]:
    """One message per group for a batch of events, each group getting its own events in order.

    The events travel as their JSON text, made once here, with their ids and the last one's time beside
    it: every board of a group receives the message, and the layer decodes it once per board. Decoding
    one string is a copy; decoding the events themselves was most of a board server's time at a thousand
    events a second. A board sends the text on as it is when it has none of these events yet.
    """
    by_group: dict[str, list[dict]] = {}
    for event in events:
        by_group.setdefault(district_group(event["district_id"]), []).append(event)
        if event.get("town_id"):
            by_group.setdefault(town_group(event["town_id"]), []).append(event)
    return {
        group: {
            "type": "board.events",
            "ids": [e["id"] for e in batch],
            "last_created": batch[-1]["created"],
            "json": json.dumps(batch),
        }
        for group, batch in by_group.items()
    }


def _send(layer, events: list[dict]) -> None:
    from asgiref.sync import async_to_sync

    for group, message in _messages(events).items():
        async_to_sync(layer.group_send)(group, message)


class Outbox:
    """A process's outgoing board events, sent by one thread with its own event loop and connections."""

    FLUSH_SECONDS = 0.2
    MAX_BATCH = 2000

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="board-outbox", daemon=True)
        self.thread.start()

    def put(self, event_dict: dict) -> None:
        self.queue.put(event_dict)

    def _run(self) -> None:
        import asyncio

        from channels.layers import get_channel_layer

        loop = asyncio.new_event_loop()
        layer = get_channel_layer()
        while True:
            batch = [self.queue.get()]
            time.sleep(self.FLUSH_SECONDS)  # let the batch fill: one message carries many events
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                loop.run_until_complete(self._flush(layer, batch))
            except Exception:  # noqa: BLE001 - boards catch up from the Event table by id
                log.exception("live push of %d events failed", len(batch))

    @staticmethod
    async def _flush(layer, events: list[dict]) -> None:
        for group, message in _messages(events).items():
            await layer.group_send(group, message)


_outbox_lock = threading.Lock()
_the_outbox: Outbox | None = None


def _outbox() -> Outbox:
    global _the_outbox
    if _the_outbox is None or _the_outbox.pid != os.getpid():  # made after a fork: each process its own
        with _outbox_lock:
            if _the_outbox is None or _the_outbox.pid != os.getpid():
                _the_outbox = Outbox()
    return _the_outbox


def publish(
    kind: str,
    *,
    branch_id: int | None,
    payload: dict | None = None,
    district_id: int | None = None,
    town_id: int | None = None,
):
    """Record an event for `branch_id` (or for a whole district) and push it after commit.

    A caller that has the branch's town and district at hand passes them, saving a query.
    Returns the Event row, or None when the supervision area is not installed.
    """
    if not apps.is_installed("zhibu.supervision"):
        return None
    from zhibu.orgs.models import Branch
    from zhibu.supervision.models import Event

    if branch_id is not None and (town_id is None or district_id is None):
        town_id, district_id = (
            Branch.objects.filter(pk=branch_id).values_list("town_id", "town__district_id").get()
        )
    if district_id is None:
        raise ValueError("publish() needs a branch or a district")
    values = {
        "kind": kind,
        "branch_id": branch_id,
        "town_id": town_id,
        "district_id": district_id,
        "payload": payload or {},
        "created": timezone.now(),
    }
    event = Event(pk=rows.insert(Event, **values), **values)
    data = serialize(event)
    transaction.on_commit(lambda: push(data))
    return event
