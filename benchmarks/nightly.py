"""The nightly compliance evaluation of a whole city, against the database made by benchmarks/city.py.

    .venv/bin/python benchmarks/city.py --scale 0.1            # first: the city (kept as zhibu_city)
    .venv/bin/python benchmarks/nightly.py [--db zhibu_city] [--limit N] [--chunk 250] [--workers 2]
                                           [--mode check|board|evaluate]

Evaluates every branch's year (or the first --limit branches) exactly as the application does at night:
`zhibu.rules.adapter.ledgers` over chunks of --chunk branches — the ledgers built from the database
with a handful of queries per chunk (members, roles, meetings, attendance, resolutions, attachments,
learning hours), then the compliance engine. The chunks are shared by --workers processes, as the nightly
task (`zhibu.supervision.tasks.rebuild_board`) shares them as one Celery task per chunk among the worker
processes (ZHIBU_WORKER_CONCURRENCY); --workers 1 is one process. --mode board runs that task's own unit,
`status.rebuild_chunk` (board rows written, as of 31 December); --mode evaluate the year's 综合评估,
`assess.evaluate_branches` (every indicator, Evaluation rows written); the default only reads and checks.
Prints one JSON object: branch-years per second, the seconds for the branches evaluated and, at that rate,
for 100,000 branches (target: under 10 minutes), the split between reading the database and checking
(summed over the workers), the CPU time of the processes and of their PostgreSQL backends (on a shared
machine the wall time also counts waiting for a core; CPU per branch does not), and the peak resident
memory of a process.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import with_db  # noqa: E402

CITY_BRANCHES = 100_000


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
    import django

    django.setup()


def _backend_cpu() -> float:
    """CPU seconds of this process's PostgreSQL backend so far (same machine, Linux /proc), else 0."""
    from django.db import connection

    connection.ensure_connection()
    try:
        fields = (
            Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        )
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _chunk(ids: list[int], year: int, mode: str) -> tuple[int, int, float, float, float]:
    """(branches, violations, read seconds, check seconds, database CPU seconds) of one chunk."""
    pg = _backend_cpu()
    n, violations, read, checked = _run_chunk(ids, year, mode)
    return n, violations, read, checked, _backend_cpu() - pg


def _run_chunk(ids: list[int], year: int, mode: str) -> tuple[int, int, float, float]:
    from zhibu.orgs.models import Branch
    from zhibu.rules import adapter
    from zhibu.rules.engine import Window, check

    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if mode == "evaluate":
        from zhibu.supervision import assess

        t = time.monotonic()
        rows = assess.evaluate_branches(
            Branch.objects.filter(pk__in=ids).select_related("town"), year, today=end
        )
        found = len(rows)  # with --mode evaluate, "violations_found" counts the evaluations stored
        return len(ids), found, 0.0, time.monotonic() - t
    if mode == "board":
        from django.db.models import Sum

        from zhibu.supervision import status
        from zhibu.supervision.models import BranchStatus

        t = time.monotonic()
        status.rebuild_chunk(ids, today=end)
        found = BranchStatus.objects.filter(branch_id__in=ids).aggregate(n=Sum("violations"))["n"] or 0
        return len(ids), found, 0.0, time.monotonic() - t
    t = time.monotonic()
    found = adapter.ledgers(Branch.objects.filter(pk__in=ids).select_related("town"), start, end)
    read = time.monotonic() - t
    t = time.monotonic()
    settings, window = adapter.current_settings(), Window(from_=start, to=end, as_of=end)
    violations = 0
    for ledger in found.values():
        violations += check(ledger, window, settings)["summary"]["violations"]
    return len(ids), violations, read, time.monotonic() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="zhibu_city")
    parser.add_argument(
        "--pg", default=os.environ.get("ZHIBU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N branches")
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2, help="processes sharing the chunks (1: this one)")
    parser.add_argument("--mode", choices=("check", "board", "evaluate"), default="check")
    parser.add_argument("--year", type=int, help="default: the latest year with meetings")
    args = parser.parse_args()

    database_url = with_db(args.pg, args.db)
    _setup(database_url)
    from django.db import connections
    from django.db.models import Max

    from zhibu.orgs.models import Branch
    from zhibu.records.models import Meeting

    year = args.year or Meeting.objects.aggregate(d=Max("date"))["d"].year
    ids = list(Branch.objects.order_by("id").values_list("id", flat=True))
    if args.limit:
        ids = ids[: args.limit]
    parts = [ids[i : i + args.chunk] for i in range(0, len(ids), args.chunk)]
    connections.close_all()
    read = checked = pg_cpu = 0.0
    violations = done = 0
    started, cpu = time.monotonic(), time.process_time()
    with contextlib.ExitStack() as stack:
        if args.workers > 1:
            context = multiprocessing.get_context("spawn")
            pool = stack.enter_context(
                ProcessPoolExecutor(args.workers, context, initializer=_setup, initargs=(database_url,))
            )
            results = pool.map(_chunk, parts, [year] * len(parts), [args.mode] * len(parts))
        else:
            results = (_chunk(part, year, args.mode) for part in parts)
        for n, v, r, c, p in results:
            done, violations = done + n, violations + v
            read, checked, pg_cpu = read + r, checked + c, pg_cpu + p
            print(f"{done} / {len(ids)}", file=sys.stderr)
    seconds = time.monotonic() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    rate = len(ids) / seconds
    city_seconds = CITY_BRANCHES / rate
    print(
        json.dumps(
            {
                "benchmark": "nightly",
                "database": args.db,
                "year": year,
                "branches": len(ids),
                "chunk": args.chunk,
                "workers": args.workers,
                "mode": args.mode,
                "seconds": round(seconds, 1),
                "process_cpu_seconds": round(
                    time.process_time() - cpu + children.ru_utime + children.ru_stime, 1
                ),
                "database_cpu_seconds": round(pg_cpu, 1),
                "cpu_ms_per_branch": round(
                    1000
                    * (time.process_time() - cpu + children.ru_utime + children.ru_stime + pg_cpu)
                    / len(ids),
                    2,
                ),
                "read_seconds": round(read, 1),
                "check_seconds": round(checked, 1),
                "branch_years_per_second": round(rate, 1),
                "city_branches": CITY_BRANCHES,
                "city_minutes_at_this_rate": round(city_seconds / 60, 1),
                "target_minutes": 10,
                "target_met": city_seconds < 600,
                "violations_found": violations,
                "peak_rss_mb": round(
                    max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss) / 1024, 1
                ),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
