"""`zhibu records verify`: check every branch's tamper-evidence chain; exit 1 naming the first broken link.

Its progress goes to standard error (core.progress.Bar); standard output keeps only the result."""

import sys

from django.core.management.base import BaseCommand

from zhibu.core.progress import Bar
from zhibu.records.chain import verify
from zhibu.records.models import Seal

CHECKING = "正在校验存证链"
BATCH = 20  # branches checked together: each chain is checked on its own, so the result is the same


class Command(BaseCommand):
    help = "会议纪实存证链校验：records verify"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验每个支部的存证链，指出第一处断裂")

    def handle(self, action, **options):
        problems = self._verify(Bar(self.stderr, quiet=not options["verbosity"]))
        if not problems:
            n = Seal.objects.count()
            branches = Seal.objects.values("branch").distinct().count()
            self.stdout.write(f"存证链完好：{branches} 个支部，{n} 环")
            return
        for p in problems:
            self.stderr.write(
                f"支部 {p['branch']} 存证链第 {p['seq']} 环断裂（纪实 {p['record']}）：{p['problem']}"
            )
        sys.exit(1)

    def _verify(self, bar: Bar) -> list[dict]:
        """chain.verify over every branch, a batch of branches at a time so the bar can move on."""
        branch_ids = list(Seal.objects.order_by("branch_id").values_list("branch_id", flat=True).distinct())
        problems = []
        with bar:
            bar(0, len(branch_ids), CHECKING)
            for start in range(0, len(branch_ids), BATCH):
                problems += verify(branch_ids[start : start + BATCH])
                bar(min(start + BATCH, len(branch_ids)))
        return sorted(problems, key=lambda p: p["branch"])
