"""What the real-fault tests share: a branch with members and a meeting in session, a roster to import, and
plain HTTP against the production stack (benchmarks/stack.py).

The set-up runs inside the stack's own database (`Stack.python`), like benchmarks/signin_burst.py; it prints
one JSON line: the meeting, every member's logged-in session, the secretary's session and a roster-import
job already previewed (as the secretary would have seen it) and ready to confirm.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import override_settings

from benchmarks.stack import BIN, Stack, check_services, children, pg_connect, request
from zhibu.core import qr

SETUP = """
import datetime, io, json
from importlib import import_module
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.crypto import get_random_string
from openpyxl import Workbook
from zhibu.accounts.models import Grant, Role, User
from zhibu.core.models import Job
from zhibu.orgs.models import Branch, District, Member, Town
from zhibu.orgs.tasks import roster_plan
from zhibu.records.models import Meeting

MEMBERS, ROSTER = {members}, {roster}
today = timezone.localdate()
d = District.objects.create(code="fault", name="故障演练区")
t = Town.objects.create(district=d, code="fault-t", name="故障演练镇")
b = Branch.objects.create(town=t, code="fault-001", name="故障演练村党支部", domain="rural")
members = [
    Member.objects.create(branch=b, name=f"签到党员{{k}}", joined=datetime.date(2010, 1, 1)) for k in range(MEMBERS)
]
meeting = Meeting.objects.create(branch=b, types=["theme_day"], date=today, status="in_session", topic="主题党日")
store = import_module(settings.SESSION_ENGINE).SessionStore

def session_for(user):
    s = store()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    return s.session_key

sessions = {{}}
for m in members:
    u = User.objects.create_user(f"fault-{{m.pk}}", password=None, member=m, display_name=m.name)
    sessions[m.pk] = session_for(u)
secretary = User.objects.create_user("fault-secretary", password=None, display_name="演练书记")
Grant.objects.create(user=secretary, role=Role.objects.get(code="branch_secretary"), branch=b)

WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
wb = Workbook()
ws = wb.active
ws.append(["姓名", "性别", "身份证号", "入党时间", "党小组"])
for k in range(ROSTER):
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=7 * k)
    body = f"110116{{born:%Y%m%d}}{{k % 1000:03d}}"
    idn = body + CHECK[sum(int(x) * w for x, w in zip(body, WEIGHTS)) % 11]
    ws.append([f"导入党员{{k}}", "女" if k % 2 else "男", idn, "2005-07-01", f"第{{k % 5 + 1}}党小组"])
out = io.BytesIO()
wb.save(out)
job = Job.objects.create(kind="roster", owner=secretary, params={{"branch": b.code}})
job.file.save("roster.xlsx", ContentFile(out.getvalue()))
roster_plan(str(job.pk))  # the preview, as the secretary saw it before confirming
job.refresh_from_db()
assert job.result["valid"] and job.result["counts"]["create"] == ROSTER, job.result["counts"]
print(json.dumps({{
    "branch": b.pk, "meeting": meeting.pk, "sessions": sessions, "secretary": session_for(secretary),
    "job": str(job.pk),
}}))
"""


def set_up(stack: Stack, *, members: int, roster: int) -> dict:
    out = stack.python(SETUP.format(members=members, roster=roster), timeout=300)
    data = json.loads(out.strip().splitlines()[-1])
    data["sessions"] = {int(k): v for k, v in data["sessions"].items()}
    return data


def signin(stack: Stack, port: int, meeting: int, session: str, timeout: float = 30) -> tuple[int, dict, str]:
    """A member scans the room's current QR code: (status, headers, page text)."""
    with override_settings(SECRET_KEY=stack.env["ZHIBU_SECRET_KEY"]):
        token = qr.make_token("meeting", meeting)
    status, headers, body = request(
        port, f"/records/signin/{token}/", headers={"Cookie": f"sessionid={session}"}, timeout=timeout
    )
    return status, headers, body.decode("utf-8", "replace")


def is_unavailable_page(status: int, headers: dict, text: str) -> bool:
    """The clear 503 page: Chinese text saying nothing was saved, and when to try again."""
    return (
        status == 503
        and "数据库暂时无法连接" in text
        and "没有保存" in text
        and headers.get("retry-after") == "30"
    )


def is_signed_in(status: int, text: str) -> bool:
    return status == 200 and "签到成功" in text


def csrf_post(port: int, path: str, session: str, data: dict[str, str]) -> tuple[int, dict, str]:
    """A logged-in form post as a browser makes it: the page first (for its CSRF token), then the post."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, (resp.status, body[:500])
        cookies = " ".join(resp.msg.get_all("Set-Cookie") or [])
    finally:
        conn.close()
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    cookie = re.search(r"csrftoken=([^;]+)", cookies)[1]
    status, headers, body = request(
        port,
        path,
        method="POST",
        body=urlencode({"csrfmiddlewaretoken": token, **data}),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    return status, headers, body.decode("utf-8", "replace")


class HalfWay:
    """Holds a roster import half-way through its write, for as long as a test needs.

    The roster names 第5党小组; an uncommitted group of that name, made here, makes the import's own insert
    of it wait (the unique constraint on branch and name) inside its still-open transaction, which has
    begun writing (the groups are inserted before the members). `release()` rolls the group back and lets
    it go on.
    """

    GROUP = "第5党小组"

    def __init__(self, stack: Stack, branch: int):
        self.stack = stack
        self.conn = pg_connect(stack.database_url)
        self.conn.execute("INSERT INTO orgs_group (branch_id, name) VALUES (%s, %s)", [branch, self.GROUP])

    def waiting(self, *, behind_it: bool = False) -> int:
        """Transactions waiting here on the group's insert (or, `behind_it`, on any lock: a second run of
        the same job waits for the first's lock on the job). A killed process's transaction waits on, not
        knowing it is alone, until the lock is released and it finds its client gone."""
        query = "" if behind_it else "AND query LIKE 'INSERT INTO \"orgs_group\"%%'"
        with pg_connect(self.stack.database_url) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                + query,
                [self.stack.db_name],
            ).fetchone()[0]

    def wait(self, count: int = 1, *, behind_it: bool = False, timeout: float = 60) -> None:
        wait_for(
            lambda: self.waiting(behind_it=behind_it) >= count,
            timeout,
            f"{count} import run(s) to be held half-way",
            interval=0.05,
        )

    def release(self) -> None:
        try:
            self.conn.rollback()
            self.conn.close()
        except Exception:  # the server went away with it: nothing left to release
            pass


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def one(stack: Stack, sql: str, *params) -> tuple:
    """The first row of a query on the stack's database, from a connection of its own."""
    with pg_connect(stack.database_url) as conn:
        return conn.execute(sql, params).fetchone()


def start_worker(stack: Stack, name: str) -> None:
    """A Celery worker of the production profile, one pool process, started and ready."""
    cmd = [str(BIN / "celery"), "-A", "zhibu.celery", "worker", "--loglevel=INFO", "--concurrency", "1"]
    cmd += ["--hostname", f"{name}-{stack.db_name}@%h", "--without-gossip", "--without-mingle"]
    stack.start(name, [*cmd, "--without-heartbeat"])
    stack.wait_log(name, " ready.")


def kill_worker(stack: Stack, name: str) -> tuple[list[int], float]:
    """Kill a worker outright, main process and pool (SIGKILL), and wait until they are gone: (its
    processes, when it was killed)."""
    worker = stack.procs[name]
    pids = [worker.pid, *children(worker.pid)]
    os.killpg(worker.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    worker.wait(30)
    wait_for(lambda: all(gone(pid) for pid in pids), 30, "every process of the killed worker to end")
    return pids, killed_at


def gone(pid: int) -> bool:
    """The process has ended (or only waits to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # exited, not yet reaped
    except FileNotFoundError:
        return True


@contextlib.contextmanager
def worker_stack(visibility_timeout: int, workers=("worker-1", "worker-2")):
    """A migrated production-profile database whose broker hands a dead worker's job to the next after
    `visibility_timeout` seconds; stopped at the end. On a failure the workers' logs are printed (pytest
    shows them with it). Skipped, with the reason, where PostgreSQL or Redis is missing."""
    reason = check_services()
    if reason:
        pytest.skip(f"the killed-worker test needs PostgreSQL and Redis on loopback: {reason}")
    stack = Stack(extra_env={"ZHIBU_CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout)})
    try:
        stack.create_database()
        stack.zhibu("migrate", "--no-input", "-v0")
        yield stack
    except BaseException:
        for name in workers:
            print(f"--- {name} log (end) ---\n{stack.log(name)[-5000:]}")
        raise
    finally:
        stack.stop()
