"""Peak memory of a web worker serving the main pages of the demo district (target: < 250 MB resident).

    .venv/bin/python benchmarks/memory.py [--rounds 5] [--threads 4]

Brings up the production profile on loopback (benchmarks/stack.py) with the demo district and one
gunicorn worker process (deploy/gunicorn.conf.py: the application loaded in the worker, --threads
threads, worker recycling switched off so growth shows), then requests every demo user's main pages (as
benchmarks/pages.py finds them) and the district's exports (benchmarks/exports.py) --rounds times,
--threads at a time. Reads the worker's peak resident
set (VmHWM), its resident set at the end, and its proportional share (Pss, shared pages counted once
across processes) from /proc (Linux). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.exports import DEMO as EXPORTS  # noqa: E402
from benchmarks.stack import (  # noqa: E402
    Stack,
    check_services,
    children,
    demo_district,
    get_page,
    landing,
    proc_memory,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--target-mb", type=float, default=250)
    args = parser.parse_args()
    reason = check_services()
    if reason:
        print(json.dumps({"benchmark": "memory", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {"benchmark": "memory", "rounds": args.rounds, "threads": args.threads}
    env = {"ZHIBU_REQUIRE_OTP_FOR_ADMINS": "0", "ZHIBU_WEB_MAX_REQUESTS": "0"}
    with Stack(extra_env=env) as stack:
        stack.prepare()
        users = demo_district(stack)
        port = stack.start_gunicorn(workers=1, threads=args.threads)
        stack.wait_http("gunicorn")
        master = stack.procs["gunicorn"].pid
        workers = children(master)
        report["after_start"] = {"master": proc_memory(master), "worker": proc_memory(workers[0])}
        # An entry that redirects is requested where it leads, as pages.py measures it.
        pages = [(landing(port, p, u["session"]), u["session"]) for u in users.values() for p in u["pages"]]
        # The district's exports too, downloaded at once as its pages send them (benchmarks/exports.py).
        downloads = [(path, users[u]["session"]) for u, path in EXPORTS.values() if u in users]
        report["exports_per_round"] = len(downloads)
        jobs = (pages + downloads) * args.rounds
        started = time.monotonic()

        def fetch(job) -> int:
            try:
                return get_page(port, *job)[0]
            except OSError:  # a timeout: counted, and the measurement goes on
                return 0

        with ThreadPoolExecutor(args.threads) as pool:
            statuses = list(pool.map(fetch, jobs))
        report["requests"] = len(jobs)
        report["seconds"] = round(time.monotonic() - started, 1)
        report["not_200"] = sum(1 for s in statuses if s != 200)
        worker = proc_memory(workers[0])
        report["after_load"] = {"master": proc_memory(master), "worker": worker}
    report["worker_peak_rss_mb"] = worker["peak_rss_mb"]
    report["target_mb"] = args.target_mb
    report["target_met"] = worker["peak_rss_mb"] < args.target_mb
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
