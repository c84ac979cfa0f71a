"""Library search latency: 10,000 generated items, p95 of `search(user, query, filters)`, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/search.py [--items 10000] [--queries 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/search.py

SQLite always runs (a fresh database in a temporary directory). With DATABASE_URL (or ZHIBU_BENCH_PG),
PostgreSQL runs too, in a throwaway database made next to the one named and dropped afterwards.
Each backend runs in its own process: migrate, generate the items (segmented as the application
does, written with bulk_create so the FTS5 triggers / GIN index do their work), warm up, then time
the selector the search page and the API use, with a mix of common, rare, multi-word and no-hit
queries and some with a kind filter. Prints one JSON object; the target is p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "支部 党员 书记 组织 生活 三会一课 主题党日 组织生活会 民主评议 谈心谈话 发展党员 党费 换届 选举 学习 教育 "
    "管理 监督 服务 群众 乡村振兴 基层治理 接诉即办 网格 社区 农村 合作社 民宿 集体经济 产业 环境 整治 议事 "
    "村民 代表 公开 制度 规范 程序 记录 纪实 台账 会议 表决 决定 落实 整改 成效 经验 做法 启示 典型 榜样 "
    "老党员 年轻 志愿 服务队 楼门 物业 停车 养老 防汛 护林 安全 廉政 党课 讲授 政策 理论 实训 督导"
).split()
QUERIES = [
    "三会一课", "主题党日", "组织生活会", "民主评议", "发展党员", "党费", "换届选举", "乡村振兴", "接诉即办",
    "集体经济 民宿", "环境 整治", "老党员 志愿", "物业 停车", "书记 党课", "会议 纪实", "议事 公开",
    "护林", "防汛 安全", "不存在的词语", "支部", "党员", "规范 程序 记录", "养老服务", "网格",
]  # fmt: skip


def child(n_items: int, n_queries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.library.models import Item
    from zhibu.library.search import index_fields, search
    from zhibu.orgs.models import Branch, District, Member, Town

    rng = random.Random(2026)
    district = District.objects.create(code="bench", name="测试区")
    town = Town.objects.create(district=district, code="B1", name="测试镇")
    branch = Branch.objects.create(town=town, code="B1-001", name="测试村党支部", domain="rural")
    member = Member.objects.create(branch=branch, name="测试党员", joined="2000-01-01")
    user = User.objects.create_user("bench-member", password=secrets.token_hex(8), member=member)
    Grant.objects.create(user=user, role=Role.objects.get(code="member"), branch=branch)

    def sentence(k):
        return (
            "，".join("".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))) for _ in range(k)) + "。"
        )

    kinds = ["video", "document", "case", "case", "exemplar", "panel"]
    started = time.monotonic()
    batch = []
    for i in range(n_items):
        item = Item(
            district=district,
            kind=kinds[i % len(kinds)],
            title=sentence(1)[:60],
            summary=sentence(1)[:120],
            body=sentence(rng.randint(4, 10)),
            practice=sentence(rng.randint(0, 4)),
        )
        item.search_title, item.search_body = index_fields(item)
        batch.append(item)
        if len(batch) == 1000:
            Item.objects.bulk_create(batch)
            batch = []
    Item.objects.bulk_create(batch)
    build_seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE library_item")

    for q in QUERIES:  # warm up: jieba's dictionary, the database's caches
        search(user, q)
    timings, cpu, hits = [], [], []
    for i in range(n_queries):
        q = QUERIES[i % len(QUERIES)]
        filters = {"kind": "case"} if i % 5 == 4 else {}
        t, c = time.perf_counter(), time.process_time()
        results = search(user, q, filters)
        timings.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        hits.append(results.total)
    timings.sort()
    cpu.sort()

    def pct(p, values=timings):
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2)

    return {
        "vendor": connection.vendor,
        "items": Item.objects.count(),
        "build_seconds": round(build_seconds, 1),
        "queries": n_queries,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "max_ms": round(timings[-1], 2),
        # CPU time of this process per query: on SQLite the whole search, database included; on
        # PostgreSQL only the application's side. Wall time above depends on what else the machine runs.
        "p95_cpu_ms": pct(95, cpu),
        "mean_hits": round(sum(hits) / len(hits), 1),
        "target_p95_ms": 100,
        "p95_met": pct(95) < 100,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def run(env: dict, args) -> dict:
    cmd = [sys.executable, __file__, "--child", "--items", str(args.items), "--queries", str(args.queries)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.items, args.queries)))
        return
    report = {}
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = run({**base, "ZHIBU_VAR_DIR": tmp}, args)
    pg = os.environ.get("DATABASE_URL") or os.environ.get("ZHIBU_BENCH_PG")
    if pg:
        from benchmarks.stack import pg_connect, with_db

        name = f"zhibu_bench_search_{secrets.token_hex(4)}"
        try:
            with pg_connect(pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # PostgreSQL not reachable here
            report["postgresql"] = {"error": f"{exc.__class__.__name__}: {exc}"}
        else:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    report["postgresql"] = run(
                        {**base, "ZHIBU_VAR_DIR": tmp, "DATABASE_URL": with_db(pg, name)}, args
                    )
            finally:
                with pg_connect(pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
