"""The city's shared summaries: how long a page waits for them, first, kept, and once their time is up.

    .venv/bin/python benchmarks/summaries.py [--city-db zhibu_city] [--seconds 20] [--pages ...]

Against the database that benchmarks/city.py generated (100,000 branches at --scale 1), as the city
administrator (granted every district; the account is added there if missing, as benchmarks/board.py
does), gunicorn serves the pages whose summaries are shared by users of the same reach
(zhibu.core.figures: 学时 per district, 培训需求, 培训统计, 目标 per district) with Redis as the cache and the
summaries kept for --seconds. For each page, over loopback:

- cold: the first request, which computes the summary;
- kept: the next request, served the kept copy;
- after: a request once the copy is older than --seconds. With the copy served stale while the same
  request computes the next one after its response (ZHIBU_FIGURES_STALE_SECONDS, the default), the
  page does not wait; `refreshed_after_seconds` is how long the worker then took to store the next copy.
  The same is measured with ZHIBU_FIGURES_STALE_SECONDS=0, which is how every page behaved before: the
  request after the copy's time is up computes it and waits.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.board import plain_env  # noqa: E402
from benchmarks.stack import (  # noqa: E402
    BIN,
    DEFAULT_PG,
    DEFAULT_REDIS,
    ROOT,
    check_services,
    children,
    free_port,
    get_page,
    proc_memory,
    request,
    with_db,
)

PAGES = ["/library/hours/", "/plans/needs/", "/training/statistics/", "/targets/"]

SESSION = """
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from benchmarks.board import city_users
from zhibu.accounts.models import User
user = User.objects.get(username=city_users()[0])
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.set_expiry(7200)
store.save()
print(store.session_key)
"""


def empty_redis(base: str) -> str | None:
    """An empty Redis database among 9-15 (as benchmarks/stack.py picks one), so nothing else is touched."""
    import redis

    for n in range(9, 16):
        if redis.Redis.from_url(f"{base}/{n}").dbsize() == 0:
            return f"{base}/{n}"
    return None


def refreshing(redis_url: str) -> int:
    import redis

    return len(list(redis.Redis.from_url(redis_url).scan_iter("*figures-*-refreshing", count=1000)))


def run(env: dict, pages: list[str], seconds: int, stale: int, redis_url: str) -> dict:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {**env, "REDIS_URL": redis_url, "ZHIBU_FIGURES_SECONDS": str(seconds)}
    env["ZHIBU_FIGURES_STALE_SECONDS"] = str(stale)
    session = subprocess.run(
        [sys.executable, "-c", SESSION], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    port = free_port()
    cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", "2", "zhibu.wsgi:application"]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        cmd, env={**env, "ZHIBU_WEB_ACCESS_LOG": ""}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(300):
            try:
                if request(port, "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        out = {}
        for path in pages:
            status, cold, _ = get_page(port, path, session, timeout=600)
            if status != 200:
                log.seek(0)
                raise SystemExit(f"{path}: status {status}\n{log.read()[-3000:].decode(errors='replace')}")
            made = time.monotonic()
            kept = get_page(port, path, session)[1]
            time.sleep(max(0.0, made + seconds + 1 - time.monotonic()))
            asked = time.monotonic()
            after = get_page(port, path, session, timeout=600)[1]
            row = {"cold_ms": round(cold * 1000, 1), "kept_ms": round(kept * 1000, 1)}
            row["after_its_time_ms"] = round(after * 1000, 1)
            if stale:
                while refreshing(redis_url):
                    time.sleep(0.05)
                row["refreshed_after_seconds"] = round(time.monotonic() - asked, 2)
                row["then_ms"] = round(get_page(port, path, session)[1] * 1000, 1)
            out[path] = row
        # The workers' peak resident memory, the refreshes made in their threads included.
        peak = max(proc_memory(pid)["peak_rss_mb"] for pid in children(server.pid))
        return {"pages": out, "worker_peak_rss_mb": peak}
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city-db", default="zhibu_city", help="database made by benchmarks/city.py")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis; an empty database 9-15 is used")
    parser.add_argument("--seconds", type=int, default=20, help="how long a copy is kept (default 20)")
    parser.add_argument("--pages", nargs="+", default=PAGES)
    args = parser.parse_args()

    reason = check_services(args.pg)
    if reason:
        print(json.dumps({"benchmark": "summaries", "skipped": reason}, ensure_ascii=False))
        return 2
    import psycopg

    url = with_db(args.pg, args.city_db)
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            branches = conn.execute("SELECT count(*) FROM orgs_branch").fetchone()[0]
    except psycopg.Error as exc:
        print(json.dumps({"benchmark": "summaries", "skipped": f"no city database {args.city_db}: {exc}"}))
        return 2
    redis_url = empty_redis(args.redis.rstrip("/"))
    if redis_url is None:
        print(json.dumps({"benchmark": "summaries", "skipped": "no empty Redis database among 9-15"}))
        return 2
    env = plain_env(url, None)
    env.setdefault("ZHIBU_VAR_DIR", str(ROOT / "var"))
    report = {"benchmark": "summaries", "database": args.city_db, "branches": branches, "user": "全市管理员"}
    report["kept_seconds"] = args.seconds
    try:
        report["stale_served"] = run(env, args.pages, args.seconds, 3600, redis_url)
        report["recomputed_in_request"] = run(env, args.pages, args.seconds, 0, redis_url)
    finally:
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # it was empty
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
