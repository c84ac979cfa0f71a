"""Benchmark: the demo district's year (303 branches) checked end to end from the database.

    ZHIBU_VAR_DIR=/tmp/x .venv/bin/zhibu migrate && ZHIBU_VAR_DIR=/tmp/x .venv/bin/zhibu demo-district   # once
    ZHIBU_VAR_DIR=/tmp/x .venv/bin/python benchmarks/compliance_db.py [--year Y] [--repeat N]

Builds every branch's ledger from the database (a handful of queries for all branches), runs the
engine on each and prints one JSON line: branches, findings, queries and the best wall-clock seconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhibu.orgs.models import Branch
    from zhibu.rules.adapter import reports

    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=datetime.date.today().year - 1)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    branches = Branch.objects.filter(town__district__code="huairou")
    if not branches.exists():
        sys.exit("no demo district: run `zhibu demo-district` first (with the same ZHIBU_VAR_DIR)")
    start, end = datetime.date(options.year, 1, 1), datetime.date(options.year, 12, 31)
    best = cpu = None
    for _ in range(options.repeat):
        with CaptureQueriesContext(connection) as queries:
            began, began_cpu = time.perf_counter(), time.process_time()
            result = reports(branches, start, end)
            seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
        best = seconds if best is None else min(best, seconds)
        cpu = cpu_seconds if cpu is None else min(cpu, cpu_seconds)
    print(
        json.dumps(
            {
                "benchmark": "compliance_db",
                "database": connection.vendor,
                "year": options.year,
                "branches": len(result),
                "findings": sum(len(r["findings"]) for r in result.values()),
                "queries": len(queries),
                "seconds": round(best, 3),
                "cpu_seconds": round(cpu, 3),
                "target_seconds": 2.0,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
