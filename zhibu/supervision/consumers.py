"""The board's WebSocket: join the groups of the user's reach, replay what was missed, then stream.

Protocol: connect to ws/board/?after=<last event id seen>. The consumer joins its groups first,
then replays every event in reach with a larger id from the Event table, then forwards live ones,
skipping any it has already sent. No gap (the groups are joined before the replay query), no
duplicate from the server; the client also ignores an id it already has. A frame carries one event
({"type": "event"}) or several in id order ({"type": "events"}: a replay, or a burst of sign-ins).

Events from several processes arrive out of id order, so the largest id a board has seen does not mean
it has every smaller one. The consumer therefore tells the board, with {"type": "confirmed", "id": N},
each time it has made sure that every event in reach up to N was sent; a board reconnects with
?after=<last confirmed id> and ignores the ids of the replay it already has.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import datetime
import json
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from zhibu.core.events import serialize

from .scope import board_scope

REPLAY_LIMIT = 1000
REPLAY_CHUNKS = 20
REPLAY_MAX_IDS = 100_000
# Besides the channel layer, each board checks the Event table every few seconds for events it has not
# sent: events published by another process (a command, a worker) with the in-process layer, one lost
# on the way, and an event whose transaction committed after a later one. The check is one count of the
# ids in reach between the last confirmed id and the newest id seen one sweep earlier (by then the layer
# has had a whole sweep to bring them), compared with the ids sent; rows are read only when they differ.
# Ids stay under check for SWEEP_LAG sweeps, so a transaction that commits late is still caught.
SWEEP_LAG = 3
CHECK_LIMIT = 20000


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


# The ids in reach above a low mark, read by one board's sweep and used by every board of the same scope in
# this process for half a sweep: {scope: (read at, low, ids in order)}. Two hundred boards watching the
# district then cost one read a sweep instead of two hundred counts. An id committed after the read is
# counted by a later sweep (ids stay under check for SWEEP_LAG sweeps).
_scope_ids: dict = {}


@database_sync_to_async
def _count(scope, low: int, high: int | None) -> tuple[int, int | None]:
    """(events in reach with low < id <= high, the newest id in reach above low)."""
    from .models import Event

    if high is None:
        high = low
    now = time.monotonic()
    kept = _scope_ids.get(scope)
    if kept is None or now - kept[0] > sweep_seconds() / 2 or kept[1] > low:
        ids = list(
            Event.objects.filter(scope.event_filter(), pk__gt=low)
            .order_by("id")
            .values_list("id", flat=True)[:CHECK_LIMIT]
        )
        kept = _scope_ids[scope] = (now, low, ids)
    ids = kept[2]
    if len(ids) >= CHECK_LIMIT:  # far behind: exact figures for this board alone
        from django.db.models import Count, Max, Q

        row = Event.objects.filter(scope.event_filter(), pk__gt=low).aggregate(
            n=Count("id", filter=Q(pk__lte=high)), top=Max("id")
        )
        return row["n"], row["top"]
    above = bisect.bisect_right(ids, low)
    return bisect.bisect_right(ids, high) - above, (ids[-1] if len(ids) > above else None)


@database_sync_to_async
def _unsent(scope, low: int, high: int, sent: set) -> tuple[list[dict], bool]:
    """The events in reach with low < id <= high that are not in `sent`; and whether that is all of them."""
    from .models import Event

    ids = list(
        Event.objects.filter(scope.event_filter(), pk__gt=low, pk__lte=high)
        .order_by("id")
        .values_list("id", flat=True)[:CHECK_LIMIT]
    )
    missing = [i for i in ids if i not in sent]
    rows = Event.objects.filter(pk__in=missing[:REPLAY_LIMIT]).order_by("id")
    return [serialize(e) for e in rows], len(ids) < CHECK_LIMIT and len(missing) <= REPLAY_LIMIT


class _Frames:
    """The last frame encoded in this process: every board of a scope gets the same batch, encoded once."""

    key: tuple | None = None
    text = ""

    @classmethod
    def text_for(cls, frame: dict, events: list[dict]) -> str:
        # An id names one event for good; the times guard against a test database that reuses ids.
        key = (frame["type"], tuple(e["id"] for e in events), events[0]["created"], events[-1]["created"])
        if key != cls.key:
            cls.key, cls.text = key, json.dumps(frame)
        return cls.text


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.board = await _scope_for(self.scope.get("user"))
        if self.board is None:
            await self.close(code=4403)
            return
        self.sent: set[int] = set()
        self.sent_order: list[int] = []  # the same ids, sorted when `unsorted` is False
        self.unsorted = False
        self.layer_lag, self.layer_at = 0.0, 0.0  # how old the last layer batch was when handled, and when
        _scope_ids.pop(self.board, None)  # a board that joins has its first sweep read afresh
        for group in self.board.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        query = parse_qs((self.scope.get("query_string") or b"").decode())
        # ?after=N (0 too: a board whose data showed no event yet) replays what came after N; without
        # it the board starts from now. A very old cursor is brought forward (the data reload covers it).
        try:
            after = int(query["after"][0]) if query.get("after", [""])[0] != "" else -1
        except ValueError:
            after = -1
        latest = await _latest(self.board)
        if after >= 0:
            after = max(after, latest - REPLAY_MAX_IDS)
        # Every event in reach up to `confirmed` has been sent, or the client had it already (replayed
        # from `after`, or in the board data it loaded); nothing at or below it is ever sent again.
        self.confirmed = after if after >= 0 else latest
        self.horizons: collections.deque = collections.deque(maxlen=SWEEP_LAG)
        if after >= 0:
            for _ in range(REPLAY_CHUNKS):  # the whole gap, a chunk at a time
                chunk = await _missed(self.board, after)
                await self._send_many(chunk)
                if len(chunk) < REPLAY_LIMIT:
                    break
                after = chunk[-1]["id"]
        await self.send_json({"type": "ready", "confirmed": self.confirmed})
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
            await self.check()

    async def check(self) -> None:
        """Send what the layer did not bring among the ids that had a whole sweep to arrive."""
        low = self.confirmed
        high = self.horizons[-1] if self.horizons else None
        n, top = await _count(self.board, low, high)
        complete = True
        if high is not None and n != self._sent_between(low, high):
            if self._behind():
                complete = (
                    False  # they are queued for this board in the layer: reading them too would only add load
                )
            else:
                events, complete = await _unsent(self.board, low, high, set(self.sent))
                await self._send_many(events)
        self.horizons.append(max(top or 0, high or 0, low))
        if complete and len(self.horizons) == SWEEP_LAG:
            if self._confirm(min(self.horizons[0], high if high is not None else low)):
                await self.send_json({"type": "confirmed", "id": self.confirmed})

    def _sorted(self) -> list[int]:
        if self.unsorted:
            self.sent_order.sort()  # nearly sorted already: a cheap sort, once per sweep
            self.unsorted = False
        return self.sent_order

    def _sent_between(self, low: int, high: int) -> int:
        order = self._sorted()
        return bisect.bisect_right(order, high) - bisect.bisect_right(order, low)

    def _confirm(self, upto: int) -> bool:
        if upto <= self.confirmed:
            return False
        self.confirmed = upto
        cut = bisect.bisect_right(self._sorted(), upto)
        for i in self.sent_order[:cut]:
            self.sent.discard(i)
        del self.sent_order[:cut]
        return True

    async def dispatch(self, message):
        """Layer batches go straight to their handler. Channels would first close stale database
        connections through the sync thread for every message, one thread hop per batch per board: the
        main cost of a board at a thousand events a second. These handlers use no database; the
        consumer's own queries (database_sync_to_async) close stale connections around each call."""
        kind = message.get("type")
        if kind == "board.events":
            await self.board_events(message)
        else:
            await super().dispatch(message)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    def _behind(self) -> bool:
        """Whether the layer is delivering, but late: its last batch, handled lately, was already old."""
        sweep = sweep_seconds()
        return self.layer_lag > sweep and time.monotonic() - self.layer_at < 2 * sweep

    async def board_events(self, message):
        """A batch from one process's outbox for one group this board joined (so all in reach), in one frame.

        The batch comes as its JSON text with its ids (core.events._messages): when none of them has been
        sent to this board yet, the common case, the text goes out as it is, read by nobody here."""
        ids, text = message["ids"], message["json"]
        if not ids:
            return
        created = datetime.datetime.fromisoformat(message["last_created"]).timestamp()
        self.layer_lag, self.layer_at = time.time() - created, time.monotonic()
        sent, confirmed = self.sent, self.confirmed
        if any(i <= confirmed or i in sent for i in ids):
            await self._send_many(json.loads(text))  # some were sent already: only the others go
            return
        self._remember(ids)
        if len(ids) == 1:
            await self.send(text_data='{"type": "event", "event": ' + text[1:-1] + "}")
        else:
            await self.send(text_data='{"type": "events", "events": ' + text + "}")

    def _fresh(self, events: list[dict]) -> list[dict]:
        """The events not sent yet (each board gets every event once), remembered as sent."""
        sent, confirmed = self.sent, self.confirmed
        fresh = [e for e in events if e["id"] > confirmed and e["id"] not in sent]
        if fresh:
            self._remember([e["id"] for e in fresh])
        return fresh

    def _remember(self, ids: list[int]) -> None:
        """These ids are sent to the board now."""
        self.sent.update(ids)
        if self.sent_order and ids[0] < self.sent_order[-1] or ids != sorted(ids):
            self.unsorted = True
        self.sent_order.extend(ids)

    async def _send_many(self, events: list[dict]) -> None:
        fresh = self._fresh(events)
        if len(fresh) == 1:
            frame = {"type": "event", "event": fresh[0]}
        elif fresh:
            frame = {"type": "events", "events": fresh}
        else:
            return
        await self.send(text_data=_Frames.text_for(frame, fresh))
