"""Live events: write one Event row, then push it to the district's and the town's board groups.

`publish(kind, branch_id=..., payload=...)` is called by subscribers inside the request's transaction;
the row is part of that transaction (a rolled-back sign-in publishes nothing) and the push happens after
commit. A slow or broken channel layer is logged, never raised: the request has already succeeded,
and a board that missed the push catches up from the Event table by id.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction

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
    """Send one serialized event to its groups; failures are logged."""
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": "board.event", "event": event_dict}
        async_to_sync(layer.group_send)(district_group(event_dict["district_id"]), message)
        if event_dict.get("town_id"):
            async_to_sync(layer.group_send)(town_group(event_dict["town_id"]), message)
    except Exception:  # noqa: BLE001 - a board push must never fail the request
        log.exception("live push of event %s failed", event_dict.get("id"))


def publish(kind: str, *, branch_id: int | None, payload: dict | None = None, district_id: int | None = None):
    """Record an event for `branch_id` (or for a whole district) and push it after commit.

    Returns the Event row, or None when the supervision area is not installed.
    """
    if not apps.is_installed("zhibu.supervision"):
        return None
    from zhibu.orgs.models import Branch
    from zhibu.supervision.models import Event

    town_id = None
    if branch_id is not None:
        town_id, district_id = (
            Branch.objects.filter(pk=branch_id).values_list("town_id", "town__district_id").get()
        )
    if district_id is None:
        raise ValueError("publish() needs a branch or a district")
    event = Event.objects.create(
        kind=kind, branch_id=branch_id, town_id=town_id, district_id=district_id, payload=payload or {}
    )
    data = serialize(event)
    transaction.on_commit(lambda: push(data))
    return event
