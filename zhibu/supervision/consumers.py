"""The board's WebSocket: join the groups of the user's reach, replay what was missed, then stream.

Protocol: connect to ws/board/?after=<last event id seen>. The consumer joins its groups first,
then replays every event in reach with a larger id from the Event table, then forwards live ones,
skipping any it has already sent. No gap (the groups are joined before the replay query), no
duplicate from the server; the client also ignores an id it already has.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from zhibu.core.events import serialize

from .scope import board_scope

REPLAY_LIMIT = 1000
SENT_MEMORY = 5000
# Besides the channel layer, each board looks in the Event table every few seconds for events it has
# not sent: events published by another process (a command, a worker) with the in-process layer, and
# an event whose transaction committed after a later one. Looking back SWEEP_WINDOW ids covers that.
SWEEP_WINDOW = 200


def sweep_seconds() -> float:
    return float(getattr(settings, "ZHIBU_BOARD_SWEEP_SECONDS", 2.0))


@database_sync_to_async
def _scope_for(user):
    if not getattr(user, "is_authenticated", False):
        return None
    scope = board_scope(user)
    return None if scope.empty else scope


@database_sync_to_async
def _missed(scope, after: int) -> list[dict]:
    from .models import Event

    rows = Event.objects.filter(scope.event_filter(), pk__gt=after).order_by("id")[:REPLAY_LIMIT]
    return [serialize(e) for e in rows]


@database_sync_to_async
def _latest(scope) -> int:
    from .models import Event

    return (
        Event.objects.filter(scope.event_filter()).order_by("-id").values_list("id", flat=True).first() or 0
    )


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.board = await _scope_for(self.scope.get("user"))
        if self.board is None:
            await self.close(code=4403)
            return
        self.sent: set[int] = set()
        self.sent_order: list[int] = []
        for group in self.board.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        query = parse_qs((self.scope.get("query_string") or b"").decode())
        try:
            after = int(query.get("after", ["0"])[0])
        except ValueError:
            after = 0
        # Events up to `floor` the client already has (replayed from `after`, or in the board data it loaded).
        self.floor = self.cursor = after if after > 0 else await _latest(self.board)
        if after > 0:
            for event in await _missed(self.board, after):
                await self._send_once(event)
        await self.send_json({"type": "ready"})
        self.sweeper = asyncio.ensure_future(self._sweep()) if sweep_seconds() > 0 else None

    async def disconnect(self, code):
        sweeper = getattr(self, "sweeper", None)
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sweeper
        board = getattr(self, "board", None)
        for group in board.groups if board else []:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _sweep(self):
        while True:
            await asyncio.sleep(sweep_seconds())
            for event in await _missed(self.board, max(self.floor, self.cursor - SWEEP_WINDOW)):
                await self._send_once(event)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def board_event(self, message):
        event = message["event"]
        if self.board.covers(event):
            await self._send_once(event)

    async def _send_once(self, event: dict) -> None:
        if event["id"] in self.sent or event["id"] <= self.floor or event["id"] <= self.cursor - SWEEP_WINDOW:
            return
        self.cursor = max(self.cursor, event["id"])
        self.sent.add(event["id"])
        self.sent_order.append(event["id"])
        if len(self.sent_order) > SENT_MEMORY:
            self.sent.discard(self.sent_order.pop(0))
        await self.send_json({"type": "event", "event": event})
