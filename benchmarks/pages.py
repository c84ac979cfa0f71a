"""Main pages' server time with the demo district, through the production stack (target: p95 < 100 ms).

    .venv/bin/python benchmarks/pages.py [--rounds 20] [--users demo-admin,demo-secretary,...]
                                         [--city-db zhibu_city] [--api]

Brings up the production profile on loopback (benchmarks/stack.py: a throwaway PostgreSQL database,
Redis, gunicorn with deploy/gunicorn.conf.py, one process), builds the demo district in it
(`zhibu demo-district`), and logs in the demo users (demo-admin, demo-centre, demo-supervisor,
demo-secretary, demo-member). Their main pages are the home page, every navigation entry they may use
and the first branch they see (its page and its record book): the list grows with the product. An entry
that redirects (the supervisor's 一规 entry opens their town's table) is measured at the page it leads
to, as a browser would show it; any other status than 200 is reported in not_200. Each
page is requested --rounds times one after another (after one warm-up request), so the time measured
is the server's own time plus a loopback round trip. The worker's own CPU time for each request is read
from /proc (Linux; all its threads) too: on a shared machine the wall time also counts waiting for a core,
the CPU time does not (nor does it count PostgreSQL's). Prints one JSON object: per page and user the
p50, p95 and max in milliseconds, the CPU milliseconds (p50), and the overall p50 and p95.

With --api, the REST API's lists (the first page of every one registered under /api/v1/, but those nested
under one object) are measured the same way instead of the pages, for each user; a list the user's roles do
not read (403) is listed in refused_403.

With --city-db, the same against the database benchmarks/city.py generated (100,000 branches at
--scale 1; its keys from var/, as city.py wrote them) instead of the demo district, as the city's
administrator (every district), one district's administrator, a town supervisor, and a branch secretary and
an ordinary member of that town's first branch, the users a city has millions of (benchmarks/board.py's
accounts, made if missing). The warm-up request of a page whose summary is shared (zhibu.core.figures)
computes it, so the rounds measure what everyone else gets, the kept copy; the warm-up's own time is
reported as first_ms (benchmarks/summaries.py times those waits).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stack import (  # noqa: E402
    DEMO_USERS,
    MAIN_PAGES,
    ROOT,
    Stack,
    check_services,
    cpu_ns,
    demo_district,
    get_page,
    landing,
    percentile,
)


def timed(port: int, path: str, session: str, pid: int | None) -> tuple[float, float | None]:
    try:
        before = cpu_ns(pid) if pid else None
        _, seconds, _ = get_page(port, path, session)
        return seconds, (cpu_ns(pid) - before) / 1e9 if before is not None else None
    except FileNotFoundError:  # the worker was replaced (a timeout): no CPU figure for this one
        return get_page(port, path, session)[1], None


def pct(values: list[float], q: float) -> float:
    return round(1000 * percentile(values, q), 1)


CITY_USERS = """
from benchmarks.board import branch_users, city_users
USERS = list(city_users()[:3]) + list(branch_users())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", default=",".join(DEMO_USERS))
    parser.add_argument("--target-ms", type=float, default=100)
    parser.add_argument("--city-db", help="database made by benchmarks/city.py, instead of the demo district")
    parser.add_argument("--api", action="store_true", help="the REST API's lists instead of the pages")
    args = parser.parse_args()
    reason = check_services()
    if reason:
        print(json.dumps({"benchmark": "pages", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {"benchmark": "pages", "rounds": args.rounds, "what": "api" if args.api else "pages"}
    env = {"ZHIBU_REQUIRE_OTP_FOR_ADMINS": "0", "ZHIBU_WEB_MAX_REQUESTS": "0"}  # one worker throughout
    if args.city_db:
        var = ROOT / "var"  # the keys the city's members were encrypted with
        env["ZHIBU_FIELD_KEYS"] = (var / "field_key").read_text().strip()
        env["ZHIBU_INDEX_KEY"] = (var / "index_key").read_text().strip()
    with Stack(name=args.city_db, extra_env=env) as stack:
        t = time.monotonic()
        if args.city_db:
            report["database"] = args.city_db
            stack.zhibu("collectstatic", "--no-input", "-v0")
            users = json.loads(stack.python(CITY_USERS + MAIN_PAGES).strip().splitlines()[-1])
        else:
            stack.prepare()
            users = demo_district(stack, args.users.split(","))
            report["demo_seconds"] = round(time.monotonic() - t, 1)
        port = stack.start_gunicorn(workers=1, threads=1)
        stack.wait_http("gunicorn")
        children = Path(f"/proc/{stack.procs['gunicorn'].pid}/task/{stack.procs['gunicorn'].pid}/children")
        worker = int(children.read_text().split()[0]) if children.exists() else None
        pages, everything, cpu_all, failures, refused = [], [], [], [], []
        for username, info in users.items():
            paths = info["api"] if args.api else {landing(port, p, info["session"]) for p in info["pages"]}
            for path in sorted(paths):
                status, first, size = get_page(port, path, info["session"], timeout=600)  # warm-up
                if args.api and status == 403:  # a list this user's roles do not read
                    refused.append(f"{username} {path}")
                    continue
                if status != 200:
                    failures.append({"user": username, "page": path, "status": status})
                    continue
                runs = [timed(port, path, info["session"], worker) for _ in range(args.rounds)]
                times = [r[0] for r in runs]
                cpu = [r[1] for r in runs if r[1] is not None]
                everything += times
                cpu_all += cpu
                pages.append(
                    {
                        "user": username,
                        "page": path,
                        "bytes": size,
                        "first_ms": round(1000 * first, 1),
                        "p50_ms": pct(times, 0.5),
                        "p95_ms": pct(times, 0.95),
                        "max_ms": round(1000 * max(times), 1),
                        "cpu_p50_ms": pct(cpu, 0.5) if cpu else None,
                    }
                )
    pages.sort(key=lambda p: -p["p95_ms"])
    report.update(
        {
            "pages_measured": len(pages),
            "requests": len(everything),
            "overall_p50_ms": pct(everything, 0.5) if everything else None,
            "overall_p95_ms": pct(everything, 0.95) if everything else None,
            "overall_cpu_p50_ms": pct(cpu_all, 0.5) if cpu_all else None,
            "overall_cpu_p95_ms": pct(cpu_all, 0.95) if cpu_all else None,
            "pages_over_target": [
                f"{p['user']} {p['page']} {p['p95_ms']} ms" for p in pages if p["p95_ms"] >= args.target_ms
            ],
            "target_p95_ms": args.target_ms,
            "target_met": bool(pages) and all(p["p95_ms"] < args.target_ms for p in pages),
            "not_200": failures,
            **({"refused_403": refused} if args.api else {}),
            "pages": pages,
        }
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
