"""Benchmark: event to board with many boards open while sign-ins pour in (production stack on loopback).

    .venv/bin/python benchmarks/board_push.py [--boards 200] [--rate 1000] [--seconds 20]
                                             [--boards-scope district|town|mix] [--source publish|signin]
                                             [--reconnect 0.1] [--daphne 1]

Brings up the production profile (benchmarks/stack.py: a throwaway PostgreSQL database, a Redis
database for the channel layer, daphne), makes a district with --towns towns and --branches branches
each, a district administrator and a supervisor per town, and connects --boards WebSocket clients to
ws/board/ as boards (a separate load process with a small asyncio WebSocket client; spread over --daphne
daphne processes, as a node runs several zhibu-asgi@<port> units): all as the district
administrator (`district`, every board receives every event: the heaviest case), spread over the town
supervisors (`town`), or one district board in ten (`mix`). Then events arrive at --rate per second
for --seconds:

- `--source publish` (default): --producers processes call zhibu.core.events.publish() as the sign-in
  path does (one transaction per event, the push batched per process after commit), each paced
  open-loop at rate/producers;
- `--source signin`: the real sign-in endpoint under gunicorn, driven by the sign-in burst client of
  benchmarks/signin_burst.py (its meetings and members, its rate); the boards watch that district.

Latency is from the event's creation (its `created` time, stamped in the publishing transaction) to
its arrival at each board. Midway, --reconnect of the boards drop their socket for --gap seconds and
reconnect with ?after=<last id they had>, as the board page does. After the run and a drain of a few
sweeps, every board's ids are compared with the Event table rows in its reach: lost (in reach, never
received) and duplicated (received twice by one board), both expected to be 0. CPU seconds of daphne,
the producers and the load process are given per thousand events, beside wall-clock figures.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import json
import os
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import (  # noqa: E402
    ROOT,
    Stack,
    check_services,
    children,
    cpu_ns,
    percentiles,
    pg_connect,
)

TARGET_P95_MS = 2000

SETUP = """
import datetime, json
from importlib import import_module
from django.conf import settings
from zhibu.accounts.models import Grant, Role, User
from zhibu.orgs.models import Branch, District, Town

TOWNS, BRANCHES, DISTRICT, OUT = {towns}, {branches}, {district!r}, {out!r}
store = import_module(settings.SESSION_ENGINE).SessionStore
backend = "django.contrib.auth.backends.ModelBackend"

def session(user):
    s = store()
    s.update({{"_auth_user_id": str(user.pk), "_auth_user_backend": backend, "_auth_user_hash": user.get_session_auth_hash()}})
    s.create()
    return s.session_key

d = District.objects.filter(code=DISTRICT).first()
if d is None:
    d = District.objects.create(code=DISTRICT, name="推送压测区")
    for i in range(TOWNS):
        t = Town.objects.create(district=d, code=f"{{DISTRICT}}-t{{i:02d}}", name=f"压测第{{i + 1}}镇")
        Branch.objects.bulk_create(
            Branch(town=t, code=f"{{DISTRICT}}-{{i:02d}}-{{k:03d}}", name=f"压测{{i + 1}}镇第{{k + 1}}支部", domain="rural")
            for k in range(BRANCHES)
        )
admin_role, supervisor_role = Role.objects.get(code="district_admin"), Role.objects.get(code="town_supervisor")
admin = User.objects.create(username=f"{{DISTRICT}}-admin", display_name="区管理员")
Grant.objects.create(user=admin, role=admin_role, district=d)
towns = []
for t in Town.objects.filter(district=d).order_by("code"):
    u = User.objects.create(username=f"{{t.code}}-supervisor", display_name=f"{{t.name}}督导员")
    Grant.objects.create(user=u, role=supervisor_role, town=t)
    towns.append({{"id": t.pk, "session": session(u)}})
branches = list(Branch.objects.filter(town__district=d).values_list("id", "town_id").order_by("id"))
with open(OUT, "w") as f:
    json.dump({{"district": d.pk, "admin": session(admin), "towns": towns, "branches": branches}}, f)
"""

PRODUCER = """
import json, os, random, sys, time
from django.db import transaction
from zhibu.core.events import publish

RATE, SECONDS, BRANCHES, SEED, DISTRICT, START_AT = {rate}, {seconds}, {branches!r}, {seed}, {district}, {start_at}
rng = random.Random(SEED)
start = time.monotonic() + max(0.0, START_AT - time.time())  # every producer starts at the same moment
n = 0
cpu = time.process_time()
while True:
    due = start + n / RATE
    if due - start >= SECONDS:
        break
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    branch, town = rng.choice(BRANCHES)
    with transaction.atomic():
        publish("meeting.signin", branch_id=branch, town_id=town, district_id=DISTRICT, payload={{
            "meeting_id": n, "branch": "压测支部", "branch_code": str(branch), "town": "压测镇",
            "title": "主题党日", "date": "2026-01-01", "present": n % 40 + 1, "by_proxy": False}})
    n += 1
elapsed = time.monotonic() - start
time.sleep(0.6)  # let the outbox thread send its last batch
print(json.dumps({{"events": n, "seconds": round(elapsed, 2), "rate": round(n / elapsed, 1),
                  "cpu_seconds": round(time.process_time() - cpu, 2)}}))
"""


# --- a small WebSocket client (RFC 6455: client frames masked, server frames not) ------------------------


class Socket:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, path: str, session: str) -> Socket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://127.0.0.1:{port}\r\nCookie: sessionid={session}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            writer.close()
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode("latin-1"))
        return cls(reader, writer)

    def _send(self, opcode: int, payload: bytes = b"") -> None:
        mask = os.urandom(4)
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + masked)

    async def receive(self) -> bytes | None:
        """The next text message (None when the server closes); pings are answered."""
        parts: list[bytes] = []
        while True:
            b1, b2 = await self.reader.readexactly(2)
            opcode, n = b1 & 0x0F, b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            data = await self.reader.readexactly(n)
            if opcode == 0x9:
                self._send(0xA, data)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                return None
            parts.append(data)
            if b1 & 0x80:
                return b"".join(parts)

    async def close(self) -> None:
        try:
            self._send(0x8, struct.pack("!H", 1000))
            await self.writer.drain()
        except ConnectionError:
            pass
        self.writer.close()


class Board:
    """One board: its socket, what it received, and when."""

    def __init__(self, n: int, session: str, scope: tuple[str, int]):
        self.n, self.session, self.scope = n, session, scope
        self.ids: set[int] = set()
        self.duplicates = 0
        self.latencies: list[float] = []  # ms, events received while connected live
        self.last = 0
        self.reconnected = False
        self.server_closes = 0
        self.connect_failures = 0
        self.confirmed = 0
        self.replayed = 0
        self.afters: list[int] = []  # the cursor of each connection
        self.drop_at: float | None = None  # when to drop the socket once (set when the events start)

    created: dict[int, float] = {}  # event id → its creation time (epoch seconds), shared by the boards

    async def run(self, port: int, ready: asyncio.Event, stop: asyncio.Event, gap: float):
        created = Board.created
        while True:
            # As the page does: resume from the last id the server confirmed (the largest id seen may
            # have smaller ones still on their way), and ignore the replayed ids already received.
            self.afters.append(self.confirmed)
            try:
                sock = await Socket.open(port, f"/ws/board/?after={self.confirmed}", self.session)
            except (ConnectionError, asyncio.IncompleteReadError):  # refused or reset: again, as a page does
                self.connect_failures += 1
                await asyncio.sleep(min(30, 2**self.connect_failures))
                continue
            this_connection: set[int] = set()
            while True:
                try:
                    message = await sock.receive()
                except (ConnectionError, asyncio.IncompleteReadError):
                    message = None
                if (
                    message is None
                ):  # closed by the server: back in a second from the last id, as the page does
                    self.server_closes += 1
                    self.reconnected = True
                    await asyncio.sleep(1)
                    break
                now = time.time()
                frame = json.loads(message)
                if frame["type"] in ("ready", "confirmed"):
                    self.confirmed = max(self.confirmed, frame.get("confirmed") or frame.get("id") or 0)
                    ready.set()
                    continue
                events = frame["events"] if frame["type"] == "events" else [frame.get("event")]
                for e in events:
                    if e is None:
                        continue
                    pk = e["id"]
                    if pk in this_connection:
                        self.duplicates += 1  # the server sent an id twice: its promise broken
                        continue
                    this_connection.add(pk)
                    if pk in self.ids:
                        self.replayed += 1  # sent again after a reconnect, ignored as the page does
                        continue
                    self.ids.add(pk)
                    self.last = max(self.last, pk)
                    at = created.get(pk)
                    if at is None:
                        at = created[pk] = datetime.datetime.fromisoformat(e["created"]).timestamp()
                    if not self.reconnected:
                        self.latencies.append((now - at) * 1000)
                if self.drop_at is not None and now >= self.drop_at:
                    self.drop_at = None
                    await sock.close()
                    self.reconnected = True
                    await asyncio.sleep(gap)
                    break  # reconnect with ?after=<last id>
                if stop.is_set():
                    await sock.close()
                    return


async def client(options: dict) -> dict:

    plan = json.loads(Path(options["plan"]).read_text())
    rng = random.Random(options["seed"])
    boards = []
    for i in range(options["boards"]):
        scope = options["scope"]
        district = scope == "district" or (scope == "mix" and i % 10 == 0)
        if district:
            boards.append(Board(i, plan["admin"], ("district", plan["district"])))
        else:
            t = plan["towns"][i % len(plan["towns"])]
            boards.append(Board(i, t["session"], ("town", t["id"])))
    with pg_connect(options["database_url"]) as conn:
        start_id = conn.execute("SELECT coalesce(max(id), 0) FROM supervision_event").fetchone()[0]
    for b in boards:
        b.last = b.confirmed = start_id  # as a page starts from the board data's last event
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in boards]
    drops = set(rng.sample(range(len(boards)), int(len(boards) * options["reconnect"])))
    tasks = []
    cpu = time.process_time()
    connect_started = time.monotonic()
    for b, ready in zip(boards, readies, strict=True):
        port = options["ports"][len(tasks) % len(options["ports"])]
        tasks.append(asyncio.ensure_future(b.run(port, ready, stop, options["gap"])))
        await asyncio.sleep(0.02)
    for r in readies:
        await asyncio.wait_for(r.wait(), 120)
    connect_seconds = time.monotonic() - connect_started
    # Tell the orchestrator the boards are up; it answers with the time the events start and end.
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    started = float(line)
    for i in drops:
        boards[i].drop_at = started + options["seconds"] / 2
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # the events are over
    await asyncio.sleep(options["drain"])
    stop.set()
    with pg_connect(options["database_url"]) as conn:
        rows = conn.execute(
            "SELECT id, district_id, town_id FROM supervision_event WHERE id > %s", [start_id]
        ).fetchall()
    errors = sorted(
        {
            f"{type(t.exception()).__name__}: {t.exception()}"
            for t in tasks
            if t.done() and not t.cancelled() and t.exception()
        }
    )
    for t in tasks:
        t.cancel()
    expected_district = {r[0] for r in rows if r[1] == plan["district"]}
    by_town: dict[int, set] = {}
    for pk, _, town in rows:
        by_town.setdefault(town, set()).add(pk)
    lost = duplicated = deliveries = 0
    worst_lost = 0
    for b in boards:
        expected = expected_district if b.scope[0] == "district" else by_town.get(b.scope[1], set())
        missing = len(expected - b.ids)
        lost += missing
        worst_lost = max(worst_lost, missing)
        duplicated += b.duplicates
        deliveries += len(b.ids)
    live = [x for b in boards if not b.reconnected for x in b.latencies]
    return {
        "boards": len(boards),
        "boards_by_scope": {
            "district": sum(1 for b in boards if b.scope[0] == "district"),
            "town": sum(1 for b in boards if b.scope[0] == "town"),
        },
        "connect_seconds": round(connect_seconds, 2),
        "events_in_table": len(rows),
        "deliveries": deliveries,
        "latency": percentiles([ms / 1000 for ms in live]),
        "latency_deliveries": len(live),
        "reconnected_boards": len(drops),
        "lost": lost,
        "worst_board_lost": worst_lost,
        "duplicated": duplicated,
        "board_errors": errors,
        "closed_by_server": sum(b.server_closes for b in boards),
        "connect_failures": sum(b.connect_failures for b in boards),
        "replayed_and_ignored": sum(b.replayed for b in boards),
        "lost_boards": [
            {"board": b.n, "lost_ids": sorted(exp - b.ids)[:10], "afters": b.afters, "last": b.last}
            for b in boards
            for exp in [expected_district if b.scope[0] == "district" else by_town.get(b.scope[1], set())]
            if exp - b.ids
        ][:5],
        "lost_by_board": {
            b.n: len(
                (expected_district if b.scope[0] == "district" else by_town.get(b.scope[1], set())) - b.ids
            )
            for b in boards
            if b.reconnected or b.n < 3
        },
        "client_cpu_seconds": round(time.process_time() - cpu, 2),
    }


# --- the orchestration ---------------------------------------------------------------------------------


def run(args) -> dict:
    if args.source == "signin":  # the burst client scans every member once, at --rate
        args.seconds = args.meetings * args.members / args.rate
    report: dict = {
        "benchmark": "board_push",
        "source": args.source,
        "boards": args.boards,
        "boards_scope": args.boards_scope,
        "target_rate": args.rate,
        "seconds": args.seconds,
        "load_before": os.getloadavg(),
    }
    with Stack(extra_env={"ZHIBU_WEB_MAX_REQUESTS": "0"}) as stack:
        stack.prepare()
        plan_path = stack.tmp / "boards.json"
        burst_plan = stack.tmp / "burst.json"
        district = "push"
        if args.source == "signin":
            from benchmarks.signin_burst import SETUP as BURST_SETUP

            stack.python(
                BURST_SETUP.format(meetings=args.meetings, members=args.members, plan=str(burst_plan))
            )
            district = "burst"
        stack.python(
            SETUP.format(towns=args.towns, branches=args.branches, district=district, out=str(plan_path))
        )
        plan = json.loads(plan_path.read_text())
        # --daphne processes, as a node runs zhibu-asgi@<port> units behind one nginx upstream: the boards
        # are spread over them in turn.
        names = ["daphne"] + [f"daphne{i}" for i in range(2, args.daphne + 1)]
        ports = [stack.start_daphne(name) for name in names]
        for name in names:
            stack.wait_http(name)
        web = None
        if args.source == "signin":
            web = stack.start_gunicorn(workers=args.workers, threads=args.threads)
            stack.wait_http("gunicorn")
        options = {
            "plan": str(plan_path),
            "ports": ports,
            "boards": args.boards,
            "scope": args.boards_scope,
            "seconds": args.seconds,
            "reconnect": args.reconnect,
            "gap": args.gap,
            "drain": args.drain,
            "seed": args.seed,
            "database_url": stack.database_url,
        }
        load = subprocess.Popen(
            [sys.executable, __file__, "--client", json.dumps(options)],
            env=stack.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(stack.tmp / "client.err", "w"),  # noqa: SIM115 - a file, so the client never blocks on it
            text=True,
        )
        if load.stdout.readline().strip() != "READY":
            load.kill()
            raise SystemExit(f"boards did not connect:\n{(stack.tmp / 'client.err').read_text()[-3000:]}")
        daphne_pids = [stack.procs[name].pid for name in names]
        daphne_cpu = sum(cpu_ns(pid) for pid in daphne_pids)
        web_pids = children(stack.procs["gunicorn"].pid) if web else []
        web_cpu = sum(cpu_ns(p) for p in web_pids)
        # The producers start together once they have all loaded Django; the boards drop midway after.
        start_at = time.time() + (args.boot if args.source == "publish" else 1.0)
        load.stdin.write(f"{start_at}\n")
        load.stdin.flush()
        t = time.monotonic()
        if args.source == "publish":
            branches = [tuple(b) for b in plan["branches"]]
            producers = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "import django\ndjango.setup()\n"
                        + PRODUCER.format(
                            rate=args.rate / args.producers,
                            seconds=args.seconds,
                            branches=branches,
                            seed=args.seed + k,
                            district=plan["district"],
                            start_at=start_at,
                        ),
                    ],
                    env=stack.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )  # fmt: skip
                for k in range(args.producers)
            ]
            outs = []
            for p in producers:
                out, err = p.communicate(timeout=args.seconds * 4 + 120)
                if p.returncode != 0:
                    raise SystemExit(f"producer failed:\n{err[-3000:]}")
                outs.append(json.loads(out.strip().splitlines()[-1]))
            events = sum(o["events"] for o in outs)
            report["producers"] = {
                "processes": args.producers,
                "events": events,
                "achieved_rate": round(sum(o["rate"] for o in outs), 1),
                "cpu_ms_per_event": round(1000 * sum(o["cpu_seconds"] for o in outs) / max(1, events), 3),
            }
        else:
            burst = subprocess.run(
                [sys.executable, str(Path(__file__).with_name("signin_burst.py")), "--client", str(burst_plan),
                 "--port", str(web), "--rate", str(args.rate), "--connections", str(args.connections),
                 "--duplicates", "0", "--seed", str(args.seed)],
                env=stack.env, capture_output=True, text=True,
            )  # fmt: skip
            if burst.returncode != 0:
                raise SystemExit(f"sign-in client failed:\n{burst.stderr[-3000:]}")
            report["signins"] = json.loads(burst.stdout)
            events = report["signins"]["signed_in_responses"]
            report["gunicorn_cpu_ms_per_signin"] = round(
                (sum(cpu_ns(p) for p in web_pids) - web_cpu) / 1e6 / max(1, events), 3
            )
        report["production_seconds"] = round(time.monotonic() - t, 2)
        daphne_seconds = (sum(cpu_ns(pid) for pid in daphne_pids) - daphne_cpu) / 1e9
        load.stdin.write("DONE\n")
        load.stdin.flush()
        out, _ = load.communicate(timeout=args.drain + 300)
        if load.returncode != 0:
            raise SystemExit(f"board client failed:\n{(stack.tmp / 'client.err').read_text()[-3000:]}")
        boards = json.loads(out.strip().splitlines()[-1])
        report["boards_result"] = boards
        log = "".join(stack.log(name) for name in names)
        report["daphne_tracebacks"] = log.count("Traceback")
        if "Traceback" in log:
            at = log.index("Traceback")
            report["daphne_first_traceback"] = log[
                at : log.find("\n127.0.0.1", at) if "\n127.0.0.1" in log[at:] else at + 3000
            ][:3000]
        if boards["lost"] or boards["duplicated"] or boards["board_errors"]:
            report["daphne_log_tail"] = log[-3000:]
        report["daphne"] = {
            "processes": args.daphne,
            "cpu_seconds": round(daphne_seconds, 2),
            "cpu_ms_per_event": round(1000 * daphne_seconds / max(1, boards["events_in_table"]), 3),
            "cpu_us_per_delivery": round(1e6 * daphne_seconds / max(1, boards["deliveries"]), 2),
        }
    report["load_after"] = os.getloadavg()
    report["targets"] = {
        "p95_under_2_s": boards["latency"].get("p95_ms", 1e9) < TARGET_P95_MS,
        "none_lost_or_duplicated": boards["lost"] == 0 and boards["duplicated"] == 0,
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--daphne", type=int, default=1, help="daphne processes the boards are spread over")
    parser.add_argument("--boards-scope", choices=["district", "town", "mix"], default="district")
    parser.add_argument("--rate", type=float, default=1000, help="events (sign-ins) per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--source", choices=["publish", "signin"], default="publish")
    parser.add_argument("--producers", type=int, default=2, help="publishing processes (--source publish)")
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--branches", type=int, default=20, help="branches per town")
    parser.add_argument("--meetings", type=int, default=400, help="--source signin: meetings in session")
    parser.add_argument("--members", type=int, default=25, help="--source signin: members per meeting")
    parser.add_argument("--connections", type=int, default=64, help="--source signin: client connections")
    parser.add_argument("--workers", type=int, default=3, help="--source signin: gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="--source signin: threads per process")
    parser.add_argument("--reconnect", type=float, default=0.1, help="share of boards that drop midway")
    parser.add_argument("--gap", type=float, default=3, help="seconds a dropped board stays away")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for stragglers")
    parser.add_argument("--boot", type=float, default=10, help="seconds allowed for the producers to start")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run as the boards' load process
    args = parser.parse_args()

    if args.client:
        print(json.dumps(asyncio.run(client(json.loads(args.client)))))
        return 0
    reason = check_services()
    if reason:
        print(json.dumps({"benchmark": "board_push", "skipped": reason}, ensure_ascii=False))
        return 2
    print(json.dumps(run(args), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
