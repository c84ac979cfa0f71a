"""The sign-in burst: many meetings (主题党日) open at once and their members scan the QR code.

    .venv/bin/python benchmarks/signin_burst.py [--meetings 400] [--members 25] [--rate 1000]
                                                 [--connections 64] [--workers 3] [--threads 4]

Brings up the production profile on loopback (benchmarks/stack.py: a throwaway PostgreSQL database,
Redis, gunicorn with deploy/gunicorn.conf.py), makes --meetings branches with --members members each,
every member with an account and a logged-in session, and one meeting in session per branch. A separate
load process (this file with --client: an asyncio HTTP/1.1 client over keep-alive connections) then
sends every member's scan of the meeting's current QR code (GET /records/signin/<token>/), plus
--duplicates of them scanned a second time, open-loop at --rate per second in random order across the
meetings. Latency is measured from each scan's scheduled time (so a queue in front of the server counts)
and from the moment it was sent. Afterwards the attendance rows are counted: exactly one per member and
meeting, none lost and none duplicated. Finally pgbench measures PostgreSQL's own rate of single-row
inserts (one INSERT per transaction, --pgbench-clients clients) in the same database on the same machine,
and the sign-in rate is given as a ratio of it.

The same server's own limit is measured too, after the sign-ins and with the same load process, closed-loop
(each connection sends its next request when the last is answered) for --floor-seconds each: a static
file (gunicorn and whitenoise, nothing else of Django) and /healthz (every middleware, and the database
asked one question). What a sign-in costs beside them, in CPU of the server, of PostgreSQL and of the load
process, shows how far any sign-in could go on this stack and this machine. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import Stack, check_services, children, cpu_ns, percentiles, pg_connect, request  # noqa: E402

SETUP = """
import datetime, json
from importlib import import_module
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import get_random_string
from zhibu.accounts.models import User
from zhibu.orgs.models import Branch, District, Member, Town
from zhibu.records.models import Meeting

MEETINGS, MEMBERS, PLAN = {meetings}, {members}, {plan!r}
today = timezone.localdate()
d = District.objects.create(code="burst", name="签到压测区")
t = Town.objects.create(district=d, code="burst-t", name="签到压测镇")
branches = Branch.objects.bulk_create(
    Branch(town=t, code=f"burst-{{i:05d}}", name=f"压测第{{i}}村党支部", domain="rural") for i in range(MEETINGS)
)
members = Member.objects.bulk_create(
    Member(branch=b, name=f"党员{{b.pk}}-{{k}}", joined=datetime.date(2010, 1, 1)) for b in branches for k in range(MEMBERS)
)
users = User.objects.bulk_create(
    User(username=f"burst-{{m.pk}}", display_name=m.name, member=m, password="!") for m in members
)
meetings = Meeting.objects.bulk_create(
    Meeting(branch=b, town=t, types=["theme_day"], date=today, status="in_session", topic="主题党日") for b in branches
)
store = import_module(settings.SESSION_ENGINE).SessionStore()
backend = "django.contrib.auth.backends.ModelBackend"
sessions, plan = [], {{m.branch_id: {{"meeting": m.pk, "scans": []}} for m in meetings}}
expire = timezone.now() + datetime.timedelta(hours=2)
for u, m in zip(users, members):
    key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    # As a phone's session is after its first page since logging in: the second-factor state worked out.
    data = {{"_auth_user_id": str(u.pk), "_auth_user_backend": backend, "_auth_user_hash": u.get_session_auth_hash(),
            "zhibu_otp": "none"}}
    sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
    plan[m.branch_id]["scans"].append({{"member": m.pk, "session": key}})
Session.objects.bulk_create(sessions, batch_size=2000)
prefix = getattr(type(store), "cache_key_prefix", None)
if prefix:  # a cached_db engine: as after a login, the session is in the cache too
    from django.core.cache import caches
    caches[settings.SESSION_CACHE_ALIAS].set_many(
        {{prefix + s.session_key: store.decode(s.session_data) for s in sessions}}, 7200
    )
with open(PLAN, "w") as f:
    json.dump(list(plan.values()), f)
print(len(sessions))
"""

PGBENCH_SCRIPT = """\\set meeting random(1, 100000)
\\set member random(1, 2500000)
INSERT INTO bench_signin (meeting_id, member_id, signed_at) VALUES (:meeting, :member, now());
"""


# --- the load process ---------------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.read()
    return status, body, headers.get("connection", "").lower() == "close"


async def client(plan_path: str, port: int, rate: float, connections: int, duplicates: float, seed: int):
    from django.conf import settings

    settings.configure(SECRET_KEY=os.environ["ZHIBU_SECRET_KEY"])
    from zhibu.core import qr

    plan = json.loads(Path(plan_path).read_text())
    rng = random.Random(seed)
    scans = [(m["meeting"], s["member"], s["session"]) for m in plan for s in m["scans"]]
    rng.shuffle(scans)
    repeats = rng.sample(scans, int(len(scans) * duplicates))
    # The repeats come after the first scans of the same people, spread over the second half.
    half = len(scans) // 2
    for r in repeats:
        scans.insert(rng.randint(half, len(scans)), r)

    tokens: dict[int, tuple[float, str]] = {}

    def token(meeting: int) -> str:
        made, value = tokens.get(meeting, (0.0, ""))
        if time.monotonic() - made > qr.ROTATE_SECONDS:  # the room's screen shows a new code
            value = qr.make_token("meeting", meeting)
            tokens[meeting] = (time.monotonic(), value)
        return value

    queue: asyncio.Queue = asyncio.Queue()
    results: list[tuple[float, float, int, bool]] = []  # (from schedule, from send, status, signed in)
    start = time.monotonic() + 0.5

    async def dispatcher():
        for i, scan in enumerate(scans):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, scan))
        for _ in range(connections):
            queue.put_nowait(None)

    async def worker():
        reader = writer = None
        while True:
            item = await queue.get()
            if item is None:
                break
            due, (meeting, _member, session) = item
            raw = (
                f"GET /records/signin/{token(meeting)}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Cookie: sessionid={session}\r\nConnection: keep-alive\r\n\r\n"
            ).encode()
            for attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    sent = time.monotonic()
                    writer.write(raw)
                    await writer.drain()
                    status, body, close = await read_response(reader)
                    break
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer = None  # the server closed a kept-alive connection: open another, once
                    if attempt:
                        status, body, close = 599, b"", True
            done = time.monotonic()
            ok = status == 200 and "签到成功" in body.decode("utf-8", "replace")
            results.append((done - due, done - sent, status, ok))
            if close and writer is not None:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(dispatcher(), *(worker() for _ in range(connections)))
    elapsed = time.monotonic() - start
    statuses: dict[str, int] = {}
    for _, _, status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "requests": len(results),
        "signed_in_responses": sum(1 for r in results if r[3]),
        "statuses": statuses,
        "seconds": round(elapsed, 2),
        "achieved_rate": round(len(results) / elapsed, 1),
        "latency": percentiles([r[0] for r in results]),
        "service_time": percentiles([r[1] for r in results]),
        "unique_scans": len(scans) - len(repeats),
        "repeat_scans": len(repeats),
    }


async def floor(port: int, path: str, connections: int, seconds: float) -> dict:
    """Closed loop on one path: each connection asks again as soon as it is answered, for `seconds`."""
    raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n\r\n".encode()
    statuses: dict[str, int] = {}
    start = time.monotonic()
    deadline = start + seconds

    async def worker():
        reader = writer = None
        while time.monotonic() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                await writer.drain()
                status, _, close = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer, status, close = None, 599, False  # a closed keep-alive connection: open another
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if close and writer is not None:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - start
    n = sum(statuses.values())
    return {
        "path": path,
        "requests": n,
        "statuses": statuses,
        "seconds": round(elapsed, 2),
        "rate": round(n / elapsed, 1),
    }


# --- the orchestration ---------------------------------------------------------------------------------


def pgbench(stack: Stack, clients: int, seconds: int) -> dict:
    with pg_connect(stack.database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_signin (id bigserial PRIMARY KEY, meeting_id int NOT NULL, "
            "member_id int NOT NULL, signed_at timestamptz NOT NULL)"
        )
        conn.execute("CREATE INDEX ON bench_signin (meeting_id, member_id)")
    script = stack.tmp / "pgbench-insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    cmd = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-M", "prepared"]
    cmd += ["-f", str(script), stack.database_url]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": run.stderr[-500:]}
    match = re.search(
        r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)", run.stdout
    )
    latency = re.search(r"latency average = ([\d.]+) ms", run.stdout)
    return {
        "clients": clients,
        "seconds": seconds,
        "inserts_per_second": round(float(match[1]), 1) if match else None,
        "latency_average_ms": float(latency[1]) if latency else None,
        "statement": "INSERT INTO bench_signin (meeting_id, member_id, signed_at) VALUES (...) -- one per transaction",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meetings", type=int, default=400)
    parser.add_argument("--members", type=int, default=25, help="members (scans) per meeting")
    parser.add_argument("--rate", type=float, default=1000, help="target sign-ins per second")
    parser.add_argument("--connections", type=int, default=64, help="client connections (phones at once)")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of members who scan twice")
    # As deploy/gunicorn.conf.py starts on this machine: cores + 1 processes of 4 threads.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--floor-seconds", type=float, default=8, help="each closed-loop run (0: none)")
    parser.add_argument("--pgbench-clients", type=int, default=16)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run as the load process
    parser.add_argument("--floor", help=argparse.SUPPRESS)  # internal: the load process, closed-loop
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.client:
        out = asyncio.run(
            client(args.client, args.port, args.rate, args.connections, args.duplicates, args.seed)
        )
        print(json.dumps(out))
        return 0
    if args.floor:
        print(json.dumps(asyncio.run(floor(args.port, args.floor, args.connections, args.floor_seconds))))
        return 0

    reason = check_services()
    if reason:
        print(json.dumps({"benchmark": "signin_burst", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {
        "benchmark": "signin_burst",
        "meetings": args.meetings,
        "members_per_meeting": args.members,
    }
    report["target_rate"] = args.rate
    with Stack(extra_env={"ZHIBU_WEB_MAX_REQUESTS": "0"}) as stack:
        stack.prepare()
        plan = str(stack.tmp / "plan.json")
        t = time.monotonic()
        stack.python(SETUP.format(meetings=args.meetings, members=args.members, plan=plan))
        report["setup_seconds"] = round(time.monotonic() - t, 1)
        port = stack.start_gunicorn(workers=args.workers, threads=args.threads)
        stack.wait_http("gunicorn")
        for path in ("/healthz", "/login/"):  # warm every process a little
            for _ in range(args.workers * 2):
                request(port, path)
        report["server"] = {"gunicorn_workers": args.workers, "threads": args.threads}
        workers = children(stack.procs["gunicorn"].pid)

        def backends() -> list[int]:
            with pg_connect(stack.pg_url) as conn:
                # The application's connections only: an autovacuum worker analysing the tables just
                # filled is PostgreSQL's housekeeping, not a cost of the sign-ins.
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                    [stack.db_name],
                )
                return [r[0] for r in rows.fetchall()]

        def cpu_of(pids) -> dict[int, int]:
            out = {}
            for pid in pids:
                try:
                    out[pid] = cpu_ns(pid)
                except FileNotFoundError:
                    pass
            return out

        def load(*options: str) -> tuple[dict, dict]:
            """Run the load process with these options; what it printed, and the CPU per request it caused:
            of the gunicorn workers, of the PostgreSQL backends that served them and of the load process."""
            app_before, db_before = cpu_of(workers), cpu_of(backends())
            own = resource.getrusage(resource.RUSAGE_CHILDREN)
            cmd = [
                sys.executable,
                __file__,
                "--port",
                str(port),
                "--connections",
                str(args.connections),
                *options,
            ]
            run = subprocess.run(cmd, env={**stack.env}, capture_output=True, text=True)
            if run.returncode != 0:
                raise SystemExit(f"load process failed:\n{run.stderr[-3000:]}")
            out = json.loads(run.stdout)
            done = resource.getrusage(resource.RUSAGE_CHILDREN)
            app_after, db_after = cpu_of(workers), cpu_of(backends())  # connections stay open (CONN_MAX_AGE)
            n = out["requests"]
            app_ms = sum(v - app_before.get(pid, 0) for pid, v in app_after.items()) / 1e6 / n
            db_ms = sum(v - db_before.get(pid, 0) for pid, v in db_after.items()) / 1e6 / n
            client_ms = (done.ru_utime + done.ru_stime - own.ru_utime - own.ru_stime) * 1000 / n
            cores = os.cpu_count() or 1
            return out, {
                "gunicorn_ms": round(app_ms, 3),
                "postgres_ms": round(db_ms, 3),
                "load_process_ms": round(client_ms, 3),
                "machine_cores": cores,
                # what the rate would be with the whole machine, whatever else is running on it now
                "rate_if_all_cores_served_them": round(1000 * cores / (app_ms + db_ms + client_ms), 1),
            }

        options = ["--client", plan, "--rate", str(args.rate), "--duplicates", str(args.duplicates)]
        report["load"], report["cpu_per_signin"] = load(*options, "--seed", str(args.seed))
        with pg_connect(stack.database_url) as conn:
            rows, distinct, meetings_with_rows = conn.execute(
                "SELECT count(*), count(DISTINCT (a.meeting_id, a.member_id)), count(DISTINCT a.meeting_id) "
                "FROM records_attendance a JOIN records_meeting m ON m.id = a.meeting_id "
                "WHERE a.state = 'present'"
            ).fetchone()
        expected = args.meetings * args.members
        report["count_check"] = {
            "expected": expected,
            "attendance_rows": rows,
            "distinct_member_meeting": distinct,
            "meetings_with_rows": meetings_with_rows,
            "lost": expected - distinct,
            "duplicated": rows - distinct,
            "ok": rows == distinct == expected,
        }
        if args.floor_seconds > 0:
            # The server's own limit: a file whitenoise answers, then every middleware and one question.
            css = stack.python(
                "from django.templatetags.static import static\nprint(static('zhibu/zhibu.css'))"
            )
            report["server_floor"] = {}
            for name, path in (("static_file", css.strip()), ("healthz", "/healthz")):
                out, cpu = load("--floor", path, "--floor-seconds", str(args.floor_seconds))
                report["server_floor"][name] = {**out, "cpu_per_request": cpu}
        stack.stop_process("gunicorn")
        report["pgbench"] = pgbench(stack, args.pgbench_clients, args.pgbench_seconds)
    rate = report["load"]["achieved_rate"]
    pg_rate = report["pgbench"].get("inserts_per_second")
    report["ratio_to_pgbench"] = round(rate / pg_rate, 3) if pg_rate else None
    if "server_floor" in report:
        healthz = report["server_floor"]["healthz"]
        report["ratio_to_healthz"] = round(rate / healthz["rate"], 3) if healthz["rate"] else None
    report["targets"] = {
        "rate_at_least_1000": args.rate >= 1000 and rate >= 0.97 * args.rate,
        "p99_under_200_ms": report["load"]["latency"].get("p99_ms", 1e9) < 200,
        "none_lost_or_duplicated": report["count_check"]["ok"],
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
