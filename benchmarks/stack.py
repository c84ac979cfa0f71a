"""The production profile brought up for real on loopback: PostgreSQL, Redis, gunicorn, daphne, Celery.

Used by scripts/smoke-production and by the benchmarks that need the real server stack. It makes a
throwaway PostgreSQL database and temporary directories, runs the same commands and configuration
files as a server (deploy/gunicorn.conf.py), and removes everything again on `stop()`.

Nothing here imports Django: the application runs only in the child processes, under the production
environment built by `Stack.env`.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
DEFAULT_PG = os.environ.get("ZHIBU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
DEFAULT_REDIS = os.environ.get("ZHIBU_BENCH_REDIS", "redis://127.0.0.1:6379")


class Unavailable(RuntimeError):
    """PostgreSQL or Redis is not reachable: the stack cannot be brought up here."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def pg_connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, connect_timeout=5, **kwargs)


def check_services(pg_url: str = DEFAULT_PG, redis_url: str = DEFAULT_REDIS) -> str | None:
    """None if both engines answer, else the reason in a sentence."""
    try:
        with pg_connect(pg_url) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL is not reachable at {pg_url}: {exc.__class__.__name__}: {exc}".strip()
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis is not reachable at {redis_url}: {exc.__class__.__name__}: {exc}".strip()
    return None


def request(port: int, path: str, *, method="GET", headers=None, body=None, timeout=30.0):
    """One HTTP request on loopback, no redirects followed: (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class Stack:
    """One production-profile installation on loopback; use as a context manager."""

    def __init__(
        self,
        *,
        pg_url: str = DEFAULT_PG,
        redis_url: str = DEFAULT_REDIS,
        name: str | None = None,
        extra_env: dict[str, str] | None = None,
        keep: bool = False,
    ):
        self.pg_url = pg_url
        self.redis_base = redis_url.rstrip("/")
        self.db_name = name or f"zhibu_smoke_{secrets.token_hex(4)}"
        self.database_url = with_db(pg_url, self.db_name)
        self.tmp = Path(tempfile.mkdtemp(prefix="zhibu-stack-"))
        self.logs = self.tmp / "logs"
        self.logs.mkdir()
        self.keep = keep
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.redis_db, self._redis_was_empty = self._pick_redis_db()
        self.env = self._make_env(extra_env or {})
        self.db_created = False

    # --- set-up -------------------------------------------------------------------------------------

    def _pick_redis_db(self) -> tuple[int, bool]:
        """An empty Redis database among 9-15 if there is one, so nothing is shared with other users."""
        import redis

        candidates = list(range(9, 16))
        secrets.SystemRandom().shuffle(candidates)
        for n in candidates:
            if redis.Redis.from_url(f"{self.redis_base}/{n}").dbsize() == 0:
                return n, True
        return candidates[0], False

    def _make_env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ZHIBU_", "DATABASE_", "REDIS_", "DJANGO_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "zhibu.settings",
                "ZHIBU_PRODUCTION": "1",
                "ZHIBU_SECRET_KEY": secrets.token_urlsafe(50),
                "ZHIBU_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                "ZHIBU_INDEX_KEY": secrets.token_urlsafe(32),
                "ZHIBU_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "ZHIBU_SSL_REDIRECT": "0",  # loopback has no TLS; nginx terminates it on a server
                "DATABASE_URL": self.database_url,
                "REDIS_URL": f"{self.redis_base}/{self.redis_db}",
                "ZHIBU_CELERY_QUEUE": f"smoke-{self.db_name}",
                "ZHIBU_VAR_DIR": str(self.tmp / "var"),
                "ZHIBU_STATIC_ROOT": str(self.tmp / "static"),
                "ZHIBU_MEDIA_ROOT": str(self.tmp / "media"),
                "ZHIBU_WEB_ACCESS_LOG": "",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def create_database(self) -> None:
        with pg_connect(self.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True

    def drop_database(self) -> None:
        if not self.db_created or self.keep:
            return
        with pg_connect(self.pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.db_created = False

    def zhibu(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run the `zhibu` command (manage.py) under the production environment; raise on failure."""
        return self._run([str(BIN / "zhibu"), *args], timeout)

    def python(self, code: str, timeout: float = 600) -> str:
        """Run Python with Django set up under the production environment; its stdout."""
        prelude = "import django\ndjango.setup()\n"
        return self._run([sys.executable, "-c", prelude + code], timeout).stdout

    def _run(self, cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
        run = subprocess.run(cmd, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])} failed ({run.returncode}):\n{run.stderr[-3000:]}")
        return run

    def prepare(self) -> None:
        """A fresh database with the schema, and the static files collected for whitenoise."""
        self.create_database()
        self.zhibu("migrate", "--no-input", "-v0")
        self.zhibu("collectstatic", "--no-input", "-v0")

    # --- processes ----------------------------------------------------------------------------------

    def start(self, name: str, cmd: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # closed with the process
        proc = subprocess.Popen(
            cmd,
            env={**self.env, **(extra_env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends exactly what it started
        )
        proc.log_file = log  # type: ignore[attr-defined]
        self.procs[name] = proc
        return proc

    def start_gunicorn(self, workers: int = 2, threads: int = 4, extra: list[str] | None = None) -> int:
        port = self.ports["gunicorn"] = free_port()
        cmd = [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py")]
        cmd += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
        self.start("gunicorn", [*cmd, *(extra or []), "zhibu.wsgi:application"])
        return port

    def start_daphne(self, name: str = "daphne") -> int:
        """One daphne process (as one zhibu-asgi@<port> unit runs it) under `name`; its port."""
        port = self.ports[name] = free_port()
        cmd = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "--proxy-headers"]
        self.start(name, [*cmd, "zhibu.asgi:application"])
        return port

    def start_celery(self, concurrency: int = 1) -> None:
        cmd = [str(BIN / "celery"), "-A", "zhibu.celery", "worker", "--loglevel=INFO"]
        cmd += ["--concurrency", str(concurrency), "--hostname", f"{self.db_name}@%h", "--without-gossip"]
        self.start("celery", [*cmd, "--without-mingle", "--without-heartbeat"])

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_http(self, name: str, path: str = "/healthz", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        port = self.ports[name]
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
            try:
                status, _, _ = request(port, path, timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer {path} in {timeout:.0f} s:\n{self.log(name)[-3000:]}")

    def wait_log(self, name: str, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log(name):
                return
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not log “{text}” in {timeout:.0f} s:\n{self.log(name)[-3000:]}")

    def stop_process(self, name: str, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
        proc.log_file.close()  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop every process started here, drop the database, empty the Redis database, remove files."""
        for name in list(self.procs):
            self.stop_process(name)
        try:
            self.drop_database()
        finally:
            if self._redis_was_empty and not self.keep:
                import redis

                redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
            if not self.keep:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


DEMO_USERS = ["demo-admin", "demo-centre", "demo-supervisor", "demo-secretary", "demo-member"]

MAIN_PAGES = """
import json
from importlib import import_module
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from zhibu.accounts.models import User
from zhibu.accounts.reach import capabilities, visible
from zhibu.api import router
from zhibu.core.nav import registry
from zhibu.orgs.models import Branch

store = import_module(settings.SESSION_ENGINE).SessionStore
out = {}
for username in USERS:
    u = User.objects.get(username=username)
    s = store()
    s["_auth_user_id"] = str(u.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = u.get_session_auth_hash()
    s.create()
    caps = capabilities(u)
    pages = ["/"]
    for e in registry.entries:
        if e.capability is None or e.capability in caps:
            try:
                pages.append(reverse(e.url_name))
            except NoReverseMatch:
                pass
    b = visible(Branch, u, "org.view").order_by("code").first()
    if b is not None:
        pages += [f"/orgs/branches/{b.code}/", f"/records/branches/{b.code}/"]
    # every API list (not those nested under one object, as a branch's compliance)
    api = [f"/api/v1/{prefix}/" for prefix, *_ in router.registry if "(" not in prefix]
    out[username] = {"session": s.session_key, "pages": sorted(set(pages)), "api": api}
print(json.dumps(out))
"""


def demo_district(stack: Stack, users: list[str] = DEMO_USERS) -> dict[str, dict]:
    """Build the demo district in the stack's database; each demo user's session key and main pages.

    The main pages are the home page, every navigation entry the user may use (so the list grows with
    the product) and the first visible branch's page and record book.
    """
    stack.zhibu("demo-district", timeout=1200)
    out = stack.python(f"USERS = {users!r}\n" + MAIN_PAGES)
    return json.loads(out.strip().splitlines()[-1])


def landing(port: int, path: str, session: str) -> str:
    """Where a main page's entry leads: itself, or the same-site page it redirects to (not the login
    page: a session that is not accepted stays a failure)."""
    status, headers, _ = request(port, path, headers={"Cookie": f"sessionid={session}"})
    location = headers.get("location", "")
    same_site = location.startswith("/") and not location.startswith(("//", "/login/"))
    return location if status in (301, 302, 303, 307, 308) and same_site else path


def get_page(port: int, path: str, session: str, timeout: float = 120) -> tuple[int, float, int]:
    """(status, seconds, bytes) of one GET with a session cookie, on a fresh loopback connection."""
    started = time.perf_counter()
    status, _, body = request(port, path, headers={"Cookie": f"sessionid={session}"}, timeout=timeout)
    return status, time.perf_counter() - started, len(body)


def cpu_ns(pid: int) -> int:
    """Nanoseconds on a CPU of every thread of a process so far (/proc/<pid>/task/*/schedstat, Linux)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def tree_cpu_ns(pid: int) -> int:
    """Nanoseconds on a CPU of a process and all its descendants so far, the exited ones included.

    A gunicorn worker that reaches max_requests exits and is replaced; its time is then in its parent's
    cutime and cstime (/proc/<pid>/stat), which count every child the parent has waited for.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    total = cpu_ns(pid) + reaped
    for child in children(pid):
        try:
            total += tree_cpu_ns(child)
        except (FileNotFoundError, ProcessLookupError):
            pass  # exited between the listing and the read: counted in the parent from now on
    return total


def postmaster_pid(pg_url: str) -> int:
    """The PostgreSQL server's main process (the first line of postmaster.pid in its data directory)."""
    with pg_connect(pg_url) as conn:
        data = conn.execute("SHOW data_directory").fetchone()[0]
    return int(Path(data, "postmaster.pid").read_text().split()[0])


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank: the smallest value with at least q of all values at or below it.

    With 20 requests the 95th percentile is the 19th slowest, not the slowest (that is the maximum).
    """
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def percentiles(seconds: list[float]) -> dict:
    """Latency percentiles in milliseconds of durations given in seconds (empty: {})."""
    if not seconds:
        return {}
    s = sorted(seconds)

    def p(q):
        return round(1000 * percentile(s, q), 1)

    return {
        "p50_ms": p(0.50),
        "p90_ms": p(0.90),
        "p95_ms": p(0.95),
        "p99_ms": p(0.99),
        "max_ms": round(1000 * s[-1], 1),
    }


def proc_memory(pid: int) -> dict:
    """Resident memory of a process in MB, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[{"VmHWM": "peak_rss_mb", "VmRSS": "rss_mb"}[key]] = round(int(value.split()[0]) / 1024, 1)
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Pss", "Private_Dirty"):
                out[f"{key.lower()}_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out
