import datetime
import random
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from zhibu.core.demo import steps


class Command(BaseCommand):
    help = "建设演示区（怀柔区：16 个乡镇街道、303 个村和社区党支部）；已存在的部分跳过"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2017, help="随机种子：同一种子得到同一个演示区")
        parser.add_argument("--today", help="以哪一天为“今天”（YYYY-MM-DD），默认今天")

    def handle(self, seed, today, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else datetime.date.today()
        except ValueError:
            raise CommandError(f"--today 的日期“{today}”无效：请写成 YYYY-MM-DD，例如 2026-03-01") from None
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库还没有建好或不是最新：请先运行 zhibu migrate（make demo 会自动运行）")
        for config in apps.get_app_configs():  # each area's demo module registers its step
            try:
                __import__(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
        for s in sorted(steps, key=lambda s: s.order):
            started = time.monotonic()
            rng = random.Random(f"{seed}:{s.label}")
            outcome = s.run(rng, day)
            self.stdout.write(f"{s.label}：{outcome}（{time.monotonic() - started:.1f} 秒）")
        if connection.vendor == "postgresql":
            # Hundreds of thousands of rows just arrived: give the planner their statistics now rather
            # than when autovacuum gets round to it (until then it plans for empty tables).
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(f"更新查询统计信息（{time.monotonic() - started:.1f} 秒）")
