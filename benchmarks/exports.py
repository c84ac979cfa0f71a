"""Benchmark: exports (报表导出), their seconds, rows per second and the peak memory of the process making them.

    .venv/bin/python benchmarks/exports.py [--city-db zhibu_city] [--no-demo] [--no-city] [--city-wide]

1. district: a throwaway PostgreSQL database (benchmarks/stack.py) with the demo district. As its
   administrator, each export downloaded at once, as the page sends it (core.exports.respond): the
   roster (masked, and with identities), the year's 学时, and the audit trail (as its administrator).
2. city: against the database benchmarks/city.py generated (--city-db; at --scale 1 a district has about
   156,000 members), as one district's administrator (benchmarks/board.py's account, made if missing):
   the roster and the 学时 of the whole district, made as a background job the way a worker makes it
   (core.exports.start, the task run in this process). With --city-wide, also the 学时 of the whole city
   (2.5 million members at --scale 1: its member sheet goes on in a second and third sheet) as the city's
   administrator.

Each export runs in a process of its own, so its peak resident memory (VmHWM, from /proc) is the
export's: the figure beside the 250 MB a web worker may use. `before_mb` is that process's resident
memory with Django loaded, just before. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.board import city_users, plain_env  # noqa: E402
from benchmarks.stack import DEFAULT_PG, Stack, check_services, proc_memory, with_db  # noqa: E402

WORKER_TARGET_MB = 250
YEAR = 2025
DEMO = {  # name: (user, path)
    "roster": ("demo-admin", "/orgs/export.xlsx"),
    "roster_full": ("demo-admin", "/orgs/export.xlsx?full=1"),
    "hours": ("demo-admin", f"/library/hours/export.xlsx?year={YEAR}"),
    "audit": ("demo-auditadmin", "/audit/?format=xlsx"),
}
CITY = {  # name: (export, params), as one district's administrator
    "roster": ("orgs.roster", {"branch": "", "full": ""}),
    "hours": ("library.hours", {"year": str(YEAR), "town": ""}),
}
CITY_WIDE = {"hours": CITY["hours"]}  # as the city's administrator


def _rows(action: str) -> int:
    from zhibu.core import audit
    from zhibu.core.models import AuditEvent

    audit.seal()
    return AuditEvent.objects.filter(action=action).order_by("-id").first().detail["rows"]


def inner_demo(name: str) -> dict:
    from django.test import Client

    from zhibu.accounts.models import User

    username, path = DEMO[name]
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get("/")  # the first request's imports are not the export's
    before = proc_memory(os.getpid())["rss_mb"]
    t, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd"), path
    action = {"roster": "roster.export", "roster_full": "roster.export", "hours": "library.hours_export"}
    rows = _rows(action.get(name, "audit.export"))
    return _figures(rows, seconds, cpu, size, before)


def inner_city(name: str, wide: bool) -> dict:
    from zhibu.accounts.models import User
    from zhibu.core import exports
    from zhibu.core.models import Job

    city_admin, district_admin, _, _ = city_users()
    user = User.objects.get(username=city_admin if wide else district_admin)
    export, params = (CITY_WIDE if wide else CITY)[name]
    before = proc_memory(os.getpid())["rss_mb"]
    t, cpu = time.perf_counter(), time.process_time()
    job = exports.start(user, export, params, ip=None)  # the task runs here (no broker: in-process)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    job = Job.objects.get(pk=job.pk)
    assert job.status == Job.Status.DONE, (job.status, job.message)
    size = job.file.size
    job.file.delete(save=False)  # personal data: not left behind
    return _figures(job.result["rows"], seconds, cpu, size, before)


def _figures(rows: int, seconds: float, cpu: float, size: int, before: float) -> dict:
    memory = proc_memory(os.getpid())
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(rows / seconds) if seconds else None,
        "file_mb": round(size / 1e6, 2),
        "before_mb": before,
        "peak_rss_mb": memory["peak_rss_mb"],
        "under_worker_target": memory["peak_rss_mb"] < WORKER_TARGET_MB,
    }


def run_inner(kind: str, name: str, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--inner", kind, name]
    run = subprocess.run(
        cmd, env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    if run.returncode != 0:
        raise SystemExit(f"{kind} {name} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city-db", default="zhibu_city", help="database made by benchmarks/city.py")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--no-demo", action="store_true", help="leave out the demo district")
    parser.add_argument("--no-city", action="store_true", help="leave out the city")
    parser.add_argument("--city-wide", action="store_true", help="also the whole city's 学时 (minutes)")
    parser.add_argument("--inner", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inner:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
        django.setup()
        kind, name = args.inner
        out = inner_demo(name) if kind == "demo" else inner_city(name, wide=kind == "city-wide")
        print(json.dumps(out))
        return 0

    reason = check_services(args.pg)
    if reason:
        print(json.dumps({"benchmark": "exports", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {
        "benchmark": "exports",
        "worker_target_mb": WORKER_TARGET_MB,
        "load_before": os.getloadavg(),
    }
    if not args.no_demo:
        with Stack(pg_url=args.pg) as stack:
            stack.prepare()
            stack.zhibu("demo-district", timeout=1800)
            env = plain_env(stack.database_url, str(stack.tmp / "var"), stack.env)
            env["ZHIBU_REQUIRE_OTP_FOR_ADMINS"] = "0"
            report["district"] = {name: run_inner("demo", name, env) for name in DEMO}
    if not args.no_city:
        import psycopg

        url = with_db(args.pg, args.city_db)
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                conn.execute("SELECT 1 FROM orgs_member LIMIT 1")
        except psycopg.Error as exc:
            report["city"] = {"skipped": f"no city database {args.city_db}: {exc}".strip()}
        else:
            env = plain_env(url, None)
            report["city"] = {"one_district": {name: run_inner("city", name, env) for name in CITY}}
            if args.city_wide:
                report["city"]["city_wide"] = {name: run_inner("city-wide", name, env) for name in CITY_WIDE}
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
