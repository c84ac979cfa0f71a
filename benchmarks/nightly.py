"""The nightly compliance evaluation of a whole city, against the database made by benchmarks/city.py.

    .venv/bin/python benchmarks/city.py --scale 0.1            # first: the city (kept as zhibu_city)
    .venv/bin/python benchmarks/nightly.py [--db zhibu_city] [--limit N] [--chunk 500]

Evaluates every branch's year (or the first --limit branches) exactly as the application does at night:
`zhibu.rules.adapter.reports` over chunks of --chunk branches — the ledgers built from the database with a
handful of queries per chunk (members, roles, meetings, attendance, resolutions, attachments, learning
hours), then the compliance engine. Prints one JSON object: branch-years per second, the seconds for the
branches evaluated and, at that rate, for 100,000 branches (target: under 10 minutes), the split between
reading the database and checking, the CPU time of this process (on a shared machine the wall time
also counts waiting for a core), and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import with_db  # noqa: E402

CITY_BRANCHES = 100_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="zhibu_city")
    parser.add_argument(
        "--pg", default=os.environ.get("ZHIBU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N branches")
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--year", type=int, help="default: the latest year with meetings")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = with_db(args.pg, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
    import django

    django.setup()
    from django.db.models import Max

    from zhibu.orgs.models import Branch
    from zhibu.records.models import Meeting
    from zhibu.rules import adapter
    from zhibu.rules.engine import Window, check
    from zhibu.rules.ledger import parse_ledger

    year = args.year or Meeting.objects.aggregate(d=Max("date"))["d"].year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ids = list(Branch.objects.order_by("id").values_list("id", flat=True))
    if args.limit:
        ids = ids[: args.limit]
    settings = adapter.current_settings()
    window = Window(from_=start, to=end, as_of=end)
    read = checked = 0.0
    violations = 0
    started, cpu = time.monotonic(), time.process_time()
    for i in range(0, len(ids), args.chunk):
        t = time.monotonic()
        branches = Branch.objects.filter(pk__in=ids[i : i + args.chunk]).select_related("town")
        docs = adapter.build_ledgers(branches, start, end)
        read += time.monotonic() - t
        t = time.monotonic()
        for doc in docs.values():
            report = check(parse_ledger(doc), window, settings)
            violations += report["summary"]["violations"]
        checked += time.monotonic() - t
        print(f"{i + args.chunk} / {len(ids)}", file=sys.stderr)
    seconds = time.monotonic() - started
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
                "seconds": round(seconds, 1),
                "process_cpu_seconds": round(time.process_time() - cpu, 1),
                "read_seconds": round(read, 1),
                "check_seconds": round(checked, 1),
                "branch_years_per_second": round(rate, 1),
                "city_branches": CITY_BRANCHES,
                "city_minutes_at_this_rate": round(city_seconds / 60, 1),
                "target_minutes": 10,
                "target_met": city_seconds < 600,
                "violations_found": violations,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
