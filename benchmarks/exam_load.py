"""The exam start: thousands of examinees open their papers at once and save answers as they go.

    .venv/bin/python benchmarks/exam_load.py [--examinees 3000] [--ramp 60] [--interval 30] [--minutes 20]
                                              [--connections 96] [--workers 3] [--threads 8]

Brings up the production profile on loopback (benchmarks/stack.py: a throwaway PostgreSQL database,
Redis, gunicorn with deploy/gunicorn.conf.py) and makes one training class with --examinees members on
its roster, every member with an account and a logged-in session, a question bank and one exam open
now (20 questions drawn per examinee by quota). A separate load process (this file with --client,
asyncio HTTP/1.1 over --connections keep-alive connections) then plays every examinee: within --ramp
seconds each one opens the exam page and presses start (GET + POST: the paper is drawn and bound to
this browser), then saves an answer about every --interval seconds (jittered) for --minutes, each
save a POST of one answer as the page's script sends it. Latency is measured from each request's
scheduled time (so a queue in front of the server counts) and from the moment it was sent.

The server's CPU is read from /proc in the ramp and in the answering after it (gunicorn's processes, the
exited workers included, and PostgreSQL's): milliseconds per save and per examinee's start, figures that
hold whatever else the machine is doing.

Afterwards the database is checked against what the server acknowledged: one paper per examinee; for
every (paper, question) the client saved, exactly one answer row holding the last value acknowledged;
nothing lost, nothing duplicated. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.signin_burst import read_response  # noqa: E402
from benchmarks.stack import (  # noqa: E402
    Stack,
    check_services,
    percentiles,
    pg_connect,
    postmaster_pid,
    request,
    tree_cpu_ns,
)

SETUP = """
import datetime, json
from importlib import import_module
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import get_random_string
from zhibu.accounts.models import User
from zhibu.orgs.models import Branch, District, Member, Town
from zhibu.training.models import Enrolment, Exam, Question, TrainingClass

N, PLAN = {examinees}, {plan!r}
today = timezone.localdate()
d = District.objects.create(code="exam", name="考试压测区")
t = Town.objects.create(district=d, code="exam-t", name="考试压测镇")
branches = Branch.objects.bulk_create(
    Branch(town=t, code=f"exam-{{i:04d}}", name=f"压测第{{i}}村党支部", domain="rural") for i in range((N + 24) // 25)
)
members = Member.objects.bulk_create(
    Member(branch=branches[i // 25], name=f"考生{{i}}", joined=datetime.date(2010, 1, 1)) for i in range(N)
)
users = User.objects.bulk_create(
    User(username=f"exam-{{m.pk}}", display_name=m.name, member=m, password="!") for m in members
)
klass = TrainingClass.objects.create(
    district=d, name="全员轮训压测班", category="rotation", start=today, end=today, status="open"
)
enrolments = Enrolment.objects.bulk_create(Enrolment(klass=klass, member=m, status="confirmed") for m in members)
rows = []
for topic in ("党章党规", "三会一课", "组织生活会", "发展党员"):
    for i in range(15):
        rows.append(Question(district=d, topic=topic, kind="single", stem=f"{{topic}}单选{{i}}", options=["甲", "乙", "丙", "丁"], answer=i % 4))
        rows.append(Question(district=d, topic=topic, kind="multiple", stem=f"{{topic}}多选{{i}}", options=["甲", "乙", "丙", "丁"], answer=[0, 2]))
        rows.append(Question(district=d, topic=topic, kind="judge", stem=f"{{topic}}判断{{i}}", answer=i % 2 == 0))
        rows.append(Question(district=d, topic=topic, kind="fill", stem=f"{{topic}}填空{{i}}", answer=["民主集中制"]))
Question.objects.bulk_create(rows)
now = timezone.now()
exam = Exam.objects.create(
    klass=klass, title="结业考试", opens=now - datetime.timedelta(minutes=1), closes=now + datetime.timedelta(hours=6),
    minutes=240,
    quotas=[{{"topic": "", "kind": "single", "count": 10}}, {{"topic": "", "kind": "multiple", "count": 4}},
            {{"topic": "", "kind": "judge", "count": 4}}, {{"topic": "", "kind": "fill", "count": 2}}],
)
store = import_module(settings.SESSION_ENGINE).SessionStore()
backend = "django.contrib.auth.backends.ModelBackend"
sessions, plan = [], []
expire = timezone.now() + datetime.timedelta(hours=6)
for u in users:
    key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    data = {{"_auth_user_id": str(u.pk), "_auth_user_backend": backend, "_auth_user_hash": u.get_session_auth_hash()}}
    sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
    plan.append(key)
Session.objects.bulk_create(sessions, batch_size=2000)
with open(PLAN, "w") as f:
    json.dump({{"exam": exam.pk, "sessions": plan}}, f)
print(len(plan))
"""

QUESTION = re.compile(r'name="question" value="(\d+)"><input type="hidden" name="kind" value="(\w+)">', re.S)
ATTEMPT = re.compile(r"/training/attempts/(\d+)/answer/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the load process ---------------------------------------------------------------------------------


class Pool:
    """--connections keep-alive connections taking requests from one queue, in the order scheduled."""

    def __init__(self, port: int, connections: int):
        self.port = port
        self.queue: asyncio.Queue = asyncio.Queue()
        self.workers = [asyncio.create_task(self._worker()) for _ in range(connections)]
        # (kind, seconds from schedule, seconds from send, status, time.monotonic() when done)
        self.results: list[tuple[str, float, float, int, float]] = []

    async def send(self, kind: str, due: float, raw: bytes) -> tuple[int, bytes, dict]:
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((kind, due, raw, future))
        return await future

    async def _worker(self):
        reader = writer = None
        while True:
            item = await self.queue.get()
            if item is None:
                break
            kind, due, raw, future = item
            status, body, cookies = 599, b"", {}
            for retry in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    sent = time.monotonic()
                    writer.write(raw)
                    await writer.drain()
                    status, body, close, cookies = await _response(reader)
                    break
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer = None  # a kept-alive connection closed by the server: open another, once
                    if retry:
                        close = True
            done = time.monotonic()
            self.results.append((kind, done - due, done - sent, status, done))
            if close and writer is not None:
                writer.close()
                writer = None
            future.set_result((status, body, cookies))

    async def close(self):
        for _ in self.workers:
            self.queue.put_nowait(None)
        await asyncio.gather(*self.workers)


async def _response(reader):
    """read_response, plus the cookies the server set (the CSRF cookie)."""
    tee = _Tee(reader)
    status, body, close = await read_response(tee)
    return status, body, close, tee.cookies


class _Tee:
    """Wraps a StreamReader to catch Set-Cookie headers from the response head read_response parses."""

    def __init__(self, reader):
        self.reader = reader
        self.cookies: dict = {}

    async def readuntil(self, sep):
        head = await self.reader.readuntil(sep)
        cookies = {}
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("set-cookie:"):
                name, _, rest = line.split(":", 1)[1].strip().partition("=")
                cookies[name] = rest.split(";", 1)[0]
        self.cookies = cookies
        return head

    def __getattr__(self, name):
        return getattr(self.reader, name)


def _raw(
    method: str, path: str, port: int, cookies: dict, body: str = "", headers: dict | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: keep-alive"]
    lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    data = body.encode()
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def _answer(rng: random.Random, kind: str):
    """A value as the page sends it, and as it is stored."""
    if kind == "single":
        v = rng.randrange(4)
        return [("value", str(v))], v
    if kind == "multiple":
        v = sorted(rng.sample(range(4), rng.randint(1, 3)))
        return [("value", str(x)) for x in v], v
    if kind == "judge":
        v = rng.random() < 0.5
        return [("value", "true" if v else "false")], v
    v = rng.choice(["民主集中制", "民主 集中", "三会一课"])
    return [("value", v)], v


async def client(plan_path, port, ramp, interval, minutes, connections, seed, drain=120.0):
    plan = json.loads(Path(plan_path).read_text())
    exam = plan["exam"]
    pool = Pool(port, connections)
    t0 = time.monotonic() + 1.0
    end = t0 + ramp + minutes * 60
    acknowledged: dict[tuple[int, int], object] = {}
    in_flight: dict[tuple[int, int], object] = {}  # sent, no answer yet (only left over at a cut-off)
    failures: dict[str, int] = {}
    started = {"ok": 0, "failed": 0}

    def fail(reason: str):
        failures[reason] = failures.get(reason, 0) + 1

    async def examinee(i: int, session: str):
        r = random.Random(f"{seed}:{i}")
        due = t0 + r.uniform(0, ramp)
        await asyncio.sleep(max(0, due - time.monotonic()))
        cookies = {"sessionid": session}
        path = f"/training/exams/{exam}/take/"
        status, body, set_cookies = await pool.send("open", due, _raw("GET", path, port, cookies))
        cookies.update({k: v for k, v in set_cookies.items() if k != "sessionid" or v})
        token = CSRF.search(body.decode("utf-8", "replace"))
        if status != 200 or not token:
            started["failed"] += 1
            return fail(f"open {status}")
        csrf = token[1]
        form = urlencode({"csrfmiddlewaretoken": csrf})
        status, body, set_cookies = await pool.send(
            "start", time.monotonic(), _raw("POST", path, port, cookies, form)
        )
        cookies.update(set_cookies)
        page = body.decode("utf-8", "replace")
        attempt = ATTEMPT.search(page)
        questions = [(int(q), k) for q, k in QUESTION.findall(page)]
        if status != 200 or not attempt or not questions:
            started["failed"] += 1
            return fail(f"start {status}")
        started["ok"] += 1
        attempt_id = int(attempt[1])
        url = f"/training/attempts/{attempt_id}/answer/"
        headers = {"Accept": "application/json", "X-CSRFToken": csrf}
        due = time.monotonic() + r.uniform(2, interval)
        while due < end:
            await asyncio.sleep(max(0, due - time.monotonic()))
            qid, kind = r.choice(questions)
            fields, stored = _answer(r, kind)
            body_text = urlencode([("question", qid), ("kind", kind), *fields])
            in_flight[(attempt_id, qid)] = stored
            status, body, _ = await pool.send(
                "save", due, _raw("POST", url, port, cookies, body_text, headers)
            )
            try:
                ok = status == 200 and json.loads(body)["ok"]
            except ValueError:
                ok = False
            in_flight.pop((attempt_id, qid), None)
            if ok:
                acknowledged[(attempt_id, qid)] = stored
            else:
                fail(f"save {status}")
            due += interval * r.uniform(0.8, 1.2)

    tasks = [asyncio.create_task(examinee(i, s)) for i, s in enumerate(plan["sessions"])]
    # Requests still queued `drain` seconds after the last one was due are not sent: the server fell behind.
    _done, late = await asyncio.wait(tasks, timeout=max(0.0, end + drain - time.monotonic()))
    unsent = pool.queue.qsize()
    for task in late:
        task.cancel()
    for worker in pool.workers:
        worker.cancel()
    await asyncio.gather(*late, *pool.workers, return_exceptions=True)
    elapsed = time.monotonic() - t0
    by_kind: dict[str, list] = {}
    for kind, from_due, from_send, status, _done in pool.results:
        by_kind.setdefault(kind, []).append((from_due, from_send, status))
    # When the last paper was served (time.monotonic(), one clock for every process): the start is over.
    starts_done = max((done for kind, *_, done in pool.results if kind != "save"), default=t0)

    def summary(rows):
        statuses: dict[str, int] = {}
        for *_, s in rows:
            statuses[str(s)] = statuses.get(str(s), 0) + 1
        return {
            "requests": len(rows),
            "statuses": statuses,
            "latency": percentiles([r[0] for r in rows]),
            "service_time": percentiles([r[1] for r in rows]),
        }

    saves = by_kind.get("save", [])
    Path(plan_path + ".acked").write_text(
        json.dumps(
            {
                "acked": [[a, q, v] for (a, q), v in acknowledged.items()],
                "in_flight": [[a, q] for (a, q) in in_flight],
            }
        )
    )
    return {
        "seconds": round(elapsed, 1),
        "examinees_started": started["ok"],
        "examinees_failed_to_start": started["failed"],
        "open": summary(by_kind.get("open", [])),
        "start": summary(by_kind.get("start", [])),
        "save": summary(saves),
        "saves_per_second": round(len(saves) / max(1.0, elapsed - ramp / 2), 1),
        "starts_done_at": starts_done,
        "saves_during_start": sum(
            1 for kind, *_, done in pool.results if kind == "save" and done <= starts_done
        ),
        "failures": failures,
        "acknowledged_pairs": len(acknowledged),
        "examinees_cut_off": len(late),
        "requests_unsent_at_cutoff": unsent,
    }


# --- the orchestration ---------------------------------------------------------------------------------


def server_cpu(samples, load: dict) -> dict:
    """CPU seconds of gunicorn and PostgreSQL while the papers were being served and in the answering after
    it; milliseconds per save (from the answering, where saves are the only requests) and per examinee's
    start (open and start: the first phase's CPU less its saves at that cost). `samples` are
    (time.monotonic(), gunicorn ns, PostgreSQL ns) every half second of the load."""
    start, end = samples[0], samples[-1]
    split = next((x for x in samples if x[0] >= load["starts_done_at"]), end)
    saves_after = load["save"]["requests"] - load["saves_during_start"]
    out = {
        "start_phase_seconds": round(split[0] - start[0], 1),
        "gunicorn_start_phase_seconds": round((split[1] - start[1]) / 1e9, 1),
        "postgresql_start_phase_seconds": round((split[2] - start[2]) / 1e9, 1),
        "gunicorn_answering_seconds": round((end[1] - split[1]) / 1e9, 1),
        "postgresql_answering_seconds": round((end[2] - split[2]) / 1e9, 1),
    }
    if saves_after:
        starts = load["examinees_started"] or 1
        for name, i in (("gunicorn", 1), ("postgresql", 2)):
            per_save = (end[i] - split[i]) / 1e6 / saves_after
            first = (split[i] - start[i]) / 1e6 - load["saves_during_start"] * per_save
            out[f"{name}_ms_per_save"] = round(per_save, 2)
            out[f"{name}_ms_per_examinee_start"] = round(first / starts, 2)
    return out


def count_check(stack: Stack, acked_path: str, examinees: int) -> dict:
    saved = json.loads(Path(acked_path).read_text())
    acked = {(a, q): v for a, q, v in saved["acked"]}
    in_flight = {(a, q) for a, q in saved["in_flight"]}
    with pg_connect(stack.database_url) as conn:
        attempts = conn.execute("SELECT count(*) FROM training_attempt").fetchone()[0]
        rows = conn.execute("SELECT attempt_id, question_id, value FROM training_answer").fetchall()
    stored = {}
    for a, q, v in rows:
        stored[(a, q)] = v
    distinct = len(stored)
    lost = sum(1 for key in acked if key not in stored)
    # A save cut off in flight may still have reached the server after its pair's last acknowledged value.
    wrong = sum(1 for key, v in acked.items() if key in stored and stored[key] != v and key not in in_flight)
    return {
        "papers": attempts,
        "papers_expected": examinees,
        "answer_rows": len(rows),
        "distinct_paper_question": distinct,
        "acknowledged_pairs": len(acked),
        "in_flight_at_cutoff": len(in_flight),
        "lost": lost,
        "not_last_value": wrong,
        "duplicated": len(rows) - distinct,
        "unacknowledged_rows": distinct - sum(1 for key in acked if key in stored),
        "ok": attempts == examinees and lost == 0 and wrong == 0 and len(rows) == distinct,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examinees", type=int, default=3000)
    parser.add_argument("--ramp", type=float, default=60, help="seconds over which everyone starts")
    parser.add_argument("--interval", type=float, default=30, help="seconds between one examinee's saves")
    parser.add_argument("--minutes", type=float, default=20, help="minutes of answering after the ramp")
    parser.add_argument("--connections", type=int, default=96, help="client connections")
    parser.add_argument(
        "--drain",
        type=float,
        default=120,
        help="seconds after the last due request before the rest is cut off",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn process")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: run as the load process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.client:
        out = asyncio.run(
            client(
                args.client,
                args.port,
                args.ramp,
                args.interval,
                args.minutes,
                args.connections,
                args.seed,
                args.drain,
            )
        )
        print(json.dumps(out))
        return 0

    reason = check_services()
    if reason:
        print(json.dumps({"benchmark": "exam_load", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {
        "benchmark": "exam_load",
        "load_average_before": os.getloadavg(),
        "examinees": args.examinees,
        "ramp_seconds": args.ramp,
        "save_interval_seconds": args.interval,
        "minutes": args.minutes,
        "questions_per_paper": 20,
    }
    with Stack() as stack:
        stack.prepare()
        plan = str(stack.tmp / "plan.json")
        t = time.monotonic()
        stack.python(SETUP.format(examinees=args.examinees, plan=plan))
        report["setup_seconds"] = round(time.monotonic() - t, 1)
        port = stack.start_gunicorn(workers=args.workers, threads=args.threads)
        stack.wait_http("gunicorn")
        for path in ("/healthz", "/login/"):  # warm every process a little
            for _ in range(args.workers * 2):
                request(port, path)
        report["server"] = {"gunicorn_workers": args.workers, "threads": args.threads}
        # The server's CPU (gunicorn's workers, PostgreSQL's whole server) in the ramp and in the answering
        # after it: the seconds a request costs, whatever else the machine was doing.
        master, postmaster = stack.procs["gunicorn"].pid, postmaster_pid(stack.pg_url)
        samples = [(time.monotonic(), tree_cpu_ns(master), tree_cpu_ns(postmaster))]
        load = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--client",
                plan,
                "--port",
                str(port),
                "--ramp",
                str(args.ramp),
                "--interval",
                str(args.interval),
                "--minutes",
                str(args.minutes),
                "--connections",
                str(args.connections),
                "--seed",
                str(args.seed),
                "--drain",
                str(args.drain),
            ],  # fmt: skip
            env={**stack.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with ThreadPoolExecutor(1) as pipes:  # the load process's output read while we sample
            output = pipes.submit(load.communicate)
            while not output.done():
                time.sleep(0.5)
                samples.append((time.monotonic(), tree_cpu_ns(master), tree_cpu_ns(postmaster)))
            stdout, stderr = output.result()
        if load.returncode != 0:
            raise SystemExit(f"load process failed:\n{stderr[-3000:]}")
        report["load"] = json.loads(stdout)
        report["server_cpu"] = server_cpu(samples, report["load"])
        report["count_check"] = count_check(stack, plan + ".acked", args.examinees)
    report["load_average_after"] = os.getloadavg()
    save = report["load"]["save"]["latency"]
    report["targets"] = {
        "all_started": report["load"]["examinees_started"] == args.examinees,
        # The last start was scheduled by the end of the ramp; it must also be served within the minute.
        "all_started_within_ramp": report["load"]["examinees_started"] == args.examinees
        and report["load"]["start"]["latency"].get("max_ms", 1e9) < 1000 * args.ramp,
        "save_p95_under_300_ms": save.get("p95_ms", 1e9) < 300,
        "none_lost_or_duplicated": report["count_check"]["ok"],
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
