"""Benchmark: the supervision board's data (/supervision/board/data/) on PostgreSQL, a district and a city.

    .venv/bin/python benchmarks/board.py [--requests 200] [--city-db zhibu_city] [--no-demo] [--no-city]

1. district: brings up a throwaway PostgreSQL database with the production stack's tools
   (benchmarks/stack.py), builds the demo district in it (`zhibu demo-district`, 303 branches) and times
   the board data as the district admin and as a town supervisor (target p95 < 50 ms).
2. city: against the database that benchmarks/city.py generated (--city-db, 100,000 branches at
   --scale 1; its BranchStatus rows made by the generator), with two benchmark accounts added there if
   missing (a city administrator granted every district, a town supervisor): the whole city (one tile
   per district), one district drilled down (one tile per town), one town (one cell per branch), and
   the town supervisor's own board (target p95 < 300 ms).

Each case is a whole request in one process (Django's test client: middleware, sessions, reach, the
grouped query over the kept per-branch rows, JSON), run --requests times after one warm-up, with the
board-data cache off (ZHIBU_BOARD_DATA_SECONDS=0) so every request computes; `cached_p95_ms` repeats it
with the default shared cache. Besides wall-clock percentiles, CPU milliseconds per request of this
process and of its PostgreSQL backend are given: on a busy machine they are the figures that hold.
Prints one JSON object.
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

from benchmarks.stack import DEFAULT_PG, Stack, check_services, cpu_ns, with_db  # noqa: E402

DISTRICT_TARGET_MS = 50
CITY_TARGET_MS = 300


def percentile(values, p):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 2)


def _time(client, path: str, requests: int) -> dict:
    """Wall and CPU time of `requests` GETs of `path` (after one warm-up)."""
    from django.conf import settings
    from django.db import connection

    first = time.perf_counter()
    response = client.get(path)
    first = (time.perf_counter() - first) * 1000
    assert response.status_code == 200, (path, response.status_code)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    walls, cpus = [], []
    db_before = cpu_ns(backend)
    for _ in range(requests):
        c, t = time.process_time(), time.perf_counter()
        response = client.get(path)
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    db_ms = (cpu_ns(backend) - db_before) / 1e6 / requests
    data = response.json()
    out = {
        "path": path,
        "level": data.get("level", "branches"),
        "branches": data["figures"]["branches"],
        "cells": len(data["branches"]),
        "tiles": len(data.get("districts") or []) if data.get("level") == "districts" else len(data["towns"]),
        "bytes": len(response.content),
        "requests": requests,
        "first_ms": round(first, 1),
        "p50_ms": percentile(walls, 50),
        "p95_ms": percentile(walls, 95),
        "max_ms": round(max(walls), 2),
        "cpu_app_ms_mean": round(sum(cpus) / len(cpus), 2),
        "cpu_postgres_ms_mean": round(db_ms, 2),
    }
    settings.ZHIBU_BOARD_DATA_SECONDS = 2  # the shared cache, as served
    cached = []
    for _ in range(max(20, requests // 4)):
        t = time.perf_counter()
        client.get(path)
        cached.append((time.perf_counter() - t) * 1000)
    settings.ZHIBU_BOARD_DATA_SECONDS = 0
    out["cached_p95_ms"] = percentile(cached, 95)
    return out


def _client(username: str):
    from django.test import Client

    from zhibu.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def inner_demo(requests: int) -> dict:
    from zhibu.orgs.models import Town

    town = Town.objects.filter(district__code="huairou").order_by("code").first()
    cases = {
        "district_admin": _time(_client("demo-admin"), "/supervision/board/data/", requests),
        "district_admin_one_town": _time(_client("demo-admin"), f"/supervision/board/data/?town={town.code}", requests),
        "town_supervisor": _time(_client("demo-supervisor"), "/supervision/board/data/", requests),
    }  # fmt: skip
    return cases


def city_users() -> tuple[str, str, str, str]:
    """The benchmark's accounts in the city database (made once): city admin, one district's, a town's."""
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.orgs.models import District, Town

    admin = Role.objects.get(code="district_admin")
    supervisor = Role.objects.get(code="town_supervisor")
    districts = list(District.objects.order_by("code"))
    town = Town.objects.filter(district=districts[0]).order_by("code").first()
    city, created = User.objects.get_or_create(
        username="bench-city-admin", defaults={"display_name": "全市管理员"}
    )
    if created:
        Grant.objects.bulk_create(Grant(user=city, role=admin, district=d) for d in districts)
    one, created = User.objects.get_or_create(
        username="bench-district-admin", defaults={"display_name": "区管理员"}
    )
    if created:
        Grant.objects.create(user=one, role=admin, district=districts[0])
    sup, created = User.objects.get_or_create(
        username="bench-town-supervisor", defaults={"display_name": "督导员"}
    )
    if created:
        Grant.objects.create(user=sup, role=supervisor, town=town)
    return city.username, one.username, sup.username, town.code


def branch_users() -> tuple[str, str]:
    """The benchmark's branch accounts in the city database (made once): the secretary of the town
    supervisor's first branch and an ordinary member of it, the users a city has millions of."""
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.orgs.models import Branch, District, Member, Town

    district = District.objects.order_by("code").first()
    town = Town.objects.filter(district=district).order_by("code").first()
    branch = Branch.objects.filter(town=town).order_by("code").first()
    made = []
    for username, role, members in (
        ("bench-secretary", "branch_secretary", Member.objects.filter(roles__role="secretary")),
        ("bench-member", "member", Member.objects.filter(roles__isnull=True, left__isnull=True)),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            member = members.filter(branch=branch).order_by("pk").first()
            user = User.objects.create(username=username, display_name=member.name, member=member)
            Grant.objects.create(user=user, role=Role.objects.get(code=role), branch=branch)
        made.append(user.username)
    return made[0], made[1]


def inner_city(requests: int) -> dict:
    from zhibu.orgs.models import District

    city, one, sup, town = city_users()
    district = District.objects.order_by("code").first().code
    admin = _client(city)
    return {
        "city_admin": _time(admin, "/supervision/board/data/", requests),
        "city_admin_one_district": _time(admin, f"/supervision/board/data/?district={district}", requests),
        "city_admin_one_town": _time(admin, f"/supervision/board/data/?town={town}", requests),
        "district_admin": _time(_client(one), "/supervision/board/data/", requests),
        "town_supervisor": _time(_client(sup), "/supervision/board/data/", requests),
    }


def run_inner(kind: str, env: dict, requests: int) -> dict:
    cmd = [sys.executable, __file__, "--inner", kind, "--requests", str(requests)]
    run = subprocess.run(
        cmd, env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    if run.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def plain_env(database_url: str, var_dir: str | None, keys_from: dict | None = None) -> dict:
    """The embedded (non-production) settings on the given database: the test client's host is allowed.

    `keys_from`: the environment whose field keys wrote the data (the stack's), so members decrypt.
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZHIBU_", "DATABASE_", "REDIS_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "zhibu.settings",
            "DATABASE_URL": database_url,
        }
    )
    if var_dir:
        env["ZHIBU_VAR_DIR"] = var_dir
    elif os.environ.get("ZHIBU_VAR_DIR"):  # the city's members were encrypted with this directory's keys
        env["ZHIBU_VAR_DIR"] = os.environ["ZHIBU_VAR_DIR"]
    for key in ("ZHIBU_FIELD_KEYS", "ZHIBU_INDEX_KEY", "ZHIBU_SECRET_KEY"):
        if keys_from and key in keys_from:
            env[key] = keys_from[key]
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--city-db", default="zhibu_city", help="database made by benchmarks/city.py")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--no-demo", action="store_true", help="leave out the demo district")
    parser.add_argument("--no-city", action="store_true", help="leave out the city")
    parser.add_argument("--inner", choices=["demo", "city"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.inner:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
        django.setup()
        from django.conf import settings

        settings.ZHIBU_BOARD_DATA_SECONDS = 0
        out = inner_demo(args.requests) if args.inner == "demo" else inner_city(args.requests)
        print(json.dumps(out, ensure_ascii=False))
        return 0

    reason = check_services(args.pg)
    if reason:
        print(json.dumps({"benchmark": "board", "skipped": reason}, ensure_ascii=False))
        return 2
    report: dict = {"benchmark": "board", "load_before": os.getloadavg()}
    if not args.no_demo:
        with Stack(pg_url=args.pg) as stack:
            stack.prepare()
            t = time.monotonic()
            stack.zhibu("demo-district", timeout=1800)
            report["demo_build_seconds"] = round(time.monotonic() - t, 1)
            env = plain_env(stack.database_url, str(stack.tmp / "var"), stack.env)
            cases = run_inner("demo", env, args.requests)
        report["district"] = {
            "cases": cases,
            "target_p95_ms": DISTRICT_TARGET_MS,
            "target_met": all(c["p95_ms"] < DISTRICT_TARGET_MS for c in cases.values()),
        }
    if not args.no_city:
        import psycopg

        url = with_db(args.pg, args.city_db)
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                rows = conn.execute("SELECT count(*) FROM supervision_branchstatus").fetchone()[0]
        except psycopg.Error as exc:
            report["city"] = {"skipped": f"no city database {args.city_db}: {exc}".strip()}
        else:
            cases = run_inner("city", plain_env(url, None), args.requests)
            report["city"] = {
                "database": args.city_db,
                "branch_status_rows": rows,
                "cases": cases,
                "target_p95_ms": CITY_TARGET_MS,
                "target_met": all(c["p95_ms"] < CITY_TARGET_MS for c in cases.values()),
            }
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
