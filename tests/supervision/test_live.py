"""Event → board: live push over the WebSocket, and the catch-up protocol after a dropped connection."""

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

pytest.importorskip("zhibu.records.services")


@pytest.fixture
def live(cast, monkeypatch, django_capture_on_commit_callbacks):
    """A meeting in session in branch A; consumers share the test's database connection."""
    from zhibu.orgs.models import Member
    from zhibu.records import services as records

    # database_sync_to_async closes "old" connections around each call, which would end the test's
    # transaction; the consumer runs on the test thread here, so there is nothing to close.
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = records.meeting_plan(
            branch=cast.a, types=["theme_day"], date=datetime.date.today(), notify_members=False
        )
        records.meeting_start(meeting=meeting)
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))

    def sign(member):
        with django_capture_on_commit_callbacks(execute=True):
            records.sign_in(meeting=meeting, member=member)

    cast.meeting, cast.members, cast.sign = meeting, members, sign
    return cast


def _communicator(user, after=0):
    from zhibu.supervision.consumers import BoardConsumer

    comm = WebsocketCommunicator(
        BoardConsumer.as_asgi(), f"/ws/board/?after={after}" if after else "/ws/board/"
    )
    comm.scope["user"] = user
    return comm


def test_sign_in_reaches_board_and_reconnect_catches_up_exactly(live):
    async def scenario():
        comm = _communicator(live.supervisor)
        connected, _ = await comm.connect()
        assert connected
        assert (await comm.receive_json_from())["type"] == "ready"
        await sync_to_async(live.sign)(live.members[0])
        message = await comm.receive_json_from(timeout=2)
        assert message["type"] == "event"
        first = message["event"]
        assert first["kind"] == "meeting.signin"
        assert first["payload"]["meeting_id"] == live.meeting.pk
        assert first["payload"]["present"] == 1
        await comm.disconnect()

        # While the board is away, two more people sign in.
        await sync_to_async(live.sign)(live.members[1])
        await sync_to_async(live.sign)(live.members[2])

        comm = _communicator(live.supervisor, after=first["id"])
        connected, _ = await comm.connect()
        assert connected
        replay = await comm.receive_json_from()
        assert replay["type"] == "events"  # what was missed comes in one frame, in order
        missed = replay["events"]
        assert [e["payload"]["present"] for e in missed] == [2, 3]
        assert missed[0]["id"] < missed[1]["id"]
        assert (await comm.receive_json_from())["type"] == "ready"
        assert await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()
        return first, missed

    first, missed = async_to_sync(scenario)()
    assert first["id"] < missed[0]["id"]


def test_board_outside_reach_gets_nothing_and_no_capability_is_refused(live):
    async def scenario():
        # secretary_b has no board at all: the socket is closed.
        refused = _communicator(live.secretary_b)
        connected, _ = await refused.connect()
        assert not connected
        # A supervisor of town T2 does not exist in the cast; admin sees the whole district.
        admin = _communicator(live.admin)
        assert (await admin.connect())[0]
        assert (await admin.receive_json_from())["type"] == "ready"
        await sync_to_async(live.sign)(live.members[0])
        got = await admin.receive_json_from(timeout=2)
        assert got["event"]["branch_id"] == live.a.pk
        await admin.disconnect()

    async_to_sync(scenario)()


def test_town_supervisor_does_not_receive_other_towns_events(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from zhibu.core.events import publish

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)

    def emit():
        with django_capture_on_commit_callbacks(execute=True):
            publish("meeting.opened", branch_id=cast.b.pk, payload={"branch": cast.b.name})
            publish("meeting.opened", branch_id=cast.c.pk, payload={"branch": cast.c.name})

    async def scenario():
        comm = _communicator(cast.supervisor)
        assert (await comm.connect())[0]
        await comm.receive_json_from()
        await sync_to_async(emit)()
        got = await comm.receive_json_from(timeout=2)
        assert got["event"]["branch_id"] == cast.c.pk
        assert await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()

    async_to_sync(scenario)()


def test_polling_fallback_and_board_data(live, login):
    live.sign(live.members[0])
    live.sign(live.members[1])
    client = login("supervisor")
    events = client.get("/supervision/board/events/?after=0").json()["events"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("meeting.signin") == 2 and "meeting.opened" in kinds
    first_signin = next(e for e in events if e["kind"] == "meeting.signin")
    after = client.get(f"/supervision/board/events/?after={first_signin['id']}").json()["events"]
    assert [e["payload"]["present"] for e in after] == [2]
    # Out of reach: secretary_b's branch is in T2; the supervisor's poll never shows it.
    assert all(e["town_id"] == live.t1.pk for e in events)

    data = client.get("/supervision/board/data/").json()
    assert data["figures"]["in_session"] == 1
    row = next(b for b in data["branches"] if b["id"] == live.a.pk)
    assert row["state"] == "in_session" and row["meeting"] == live.meeting.pk
    assert {t["code"] for t in data["towns"]} == {"T1"}
    assert data["figures"]["branches"] == 2
    live_row = data["live"][0]
    assert live_row["meeting"] == live.meeting.pk and live_row["present"] == 2 and live_row["expected"] == 3
    assert live_row["step"] == 0 and live_row["step_label"]


def test_event_written_by_another_process_reaches_the_board_by_the_sweep(cast, monkeypatch, settings):
    """With the in-process layer, an event published by a command (another process) never reaches the
    layer; the board's sweep of the Event table delivers it anyway, once."""
    from zhibu.supervision.models import Event

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    settings.ZHIBU_BOARD_SWEEP_SECONDS = 0.05
    old = Event.objects.create(
        kind="meeting.opened", branch=cast.c, town_id=cast.t1.pk, district_id=cast.t1.district_id
    )

    async def scenario():
        comm = _communicator(cast.supervisor)
        assert (await comm.connect())[0]
        assert (await comm.receive_json_from())["type"] == "ready"
        # Written straight to the table, as another process would; no group_send here.
        new = await sync_to_async(Event.objects.create)(
            kind="meeting.signin",
            branch=cast.a,
            town_id=cast.t1.pk,
            district_id=cast.t1.district_id,
            payload={"present": 4},
        )
        got = await comm.receive_json_from(timeout=2)
        while got["type"] == "confirmed":  # the sweep says up to which id the board has everything
            got = await comm.receive_json_from(timeout=2)
        assert got["event"]["id"] == new.pk  # not the older one the board already had
        later = []
        while not await comm.receive_nothing(timeout=0.3):
            later.append(await comm.receive_json_from())
        assert {f["type"] for f in later} <= {"confirmed"}  # and never the event again
        assert later and later[-1]["id"] >= new.pk  # in time, confirmed up to it
        await comm.disconnect()

    async_to_sync(scenario)()
    assert old.pk


def test_reconnect_replays_a_long_gap_in_chunks(cast, monkeypatch):
    """A board away for a while gets every missed event in reach, however many, each once."""
    from zhibu.supervision import consumers
    from zhibu.supervision.models import Event

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 2)
    district = cast.t1.district_id
    first = Event.objects.create(
        kind="meeting.opened", branch=cast.a, town_id=cast.t1.pk, district_id=district
    )
    missed = [
        Event.objects.create(
            kind="meeting.signin", branch=cast.a, town_id=cast.t1.pk, district_id=district
        ).pk
        for _ in range(5)
    ]

    async def scenario():
        comm = _communicator(cast.admin, after=first.pk)
        assert (await comm.connect())[0]
        got = []
        while True:
            frame = await comm.receive_json_from(timeout=2)
            if frame["type"] == "ready":
                break
            got += [e["id"] for e in frame["events"]] if frame["type"] == "events" else [frame["event"]["id"]]
        await comm.disconnect()
        return got

    assert async_to_sync(scenario)() == missed


def test_after_zero_replays_everything_and_no_cursor_starts_from_now(cast, monkeypatch):
    """A page whose board data showed no event yet resumes with ?after=0 and misses nothing."""
    from zhibu.supervision.consumers import BoardConsumer
    from zhibu.supervision.models import Event

    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    e = Event.objects.create(
        kind="meeting.opened", branch=cast.a, town_id=cast.t1.pk, district_id=cast.t1.district_id
    )

    async def first_frame(path):
        comm = WebsocketCommunicator(BoardConsumer.as_asgi(), path)
        comm.scope["user"] = cast.admin
        assert (await comm.connect())[0]
        frame = await comm.receive_json_from(timeout=2)
        await comm.disconnect()
        return frame

    assert async_to_sync(first_frame)("/ws/board/?after=0")["event"]["id"] == e.pk
    assert async_to_sync(first_frame)("/ws/board/") == {"type": "ready", "confirmed": e.pk}


def test_a_batch_goes_out_as_sent_and_an_event_the_board_has_is_not_sent_again(live):
    """The layer brings a batch as its JSON text: sent on as it is when it is all new to the board; when the
    board already has some of it (the sweep or a replay got there first), only the others go."""
    from channels.layers import get_channel_layer

    from zhibu.core.events import _messages, district_group, serialize
    from zhibu.supervision.models import Event

    async def scenario():
        comm = _communicator(live.admin)
        assert (await comm.connect())[0]
        assert (await comm.receive_json_from())["type"] == "ready"
        await sync_to_async(live.sign)(live.members[0])
        first = (await comm.receive_json_from(timeout=2))["event"]

        await sync_to_async(live.sign)(live.members[1])
        second = (await comm.receive_json_from(timeout=2))["event"]
        events = await sync_to_async(
            lambda: [
                serialize(e) for e in Event.objects.filter(pk__in=[first["id"], second["id"]]).order_by("id")
            ]
        )()
        group = district_group(first["district_id"])
        layer = get_channel_layer()

        # A batch holding an event the board has and one it has not: only the new one.
        third = {**events[1], "id": second["id"] + 1000}
        await layer.group_send(group, _messages([events[1], third])[group])
        got = await comm.receive_json_from(timeout=2)
        assert got == {"type": "event", "event": third}

        # A batch all new: the frame is the events in order, whole.
        fourth, fifth = ({**events[0], "id": second["id"] + k} for k in (2000, 2001))
        await layer.group_send(group, _messages([fourth, fifth])[group])
        assert await comm.receive_json_from(timeout=2) == {"type": "events", "events": [fourth, fifth]}
        # The same batch again (another process's copy of it): nothing.
        await layer.group_send(group, _messages([fourth, fifth])[group])
        assert await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()

    async_to_sync(scenario)()


def test_boards_of_one_scope_share_the_sweeps_read(live, monkeypatch, django_assert_num_queries):
    """The sweep's count is read once per scope for half a sweep, then afresh."""
    from zhibu.supervision import consumers
    from zhibu.supervision.models import Event
    from zhibu.supervision.scope import board_scope

    scope = board_scope(live.admin)
    live.sign(live.members[0])
    live.sign(live.members[1])
    first = Event.objects.filter(scope.event_filter()).order_by("-id").values_list("id", flat=True)[0]
    clock = [1000.0]
    monkeypatch.setattr(consumers.time, "monotonic", lambda: clock[0])
    consumers._scope_ids.pop(scope, None)
    with django_assert_num_queries(1):
        one = consumers._count.func(scope, 0, first)  # one board
        other = consumers._count.func(scope, 0, first)  # another board of the same scope
    assert one == other and one[0] >= 2 and one[1] == first
    live.sign(live.members[2])
    with django_assert_num_queries(0):
        assert consumers._count.func(scope, 0, first) == one  # within half a sweep: the same read
    clock[0] += consumers.sweep_seconds()
    with django_assert_num_queries(1):
        n, second = consumers._count.func(scope, 0, first)
    assert n == one[0] and second > first  # read afresh: the new event is seen
