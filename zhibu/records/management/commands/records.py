"""`zhibu records verify`: check every branch's tamper-evidence chain; exit 1 naming the first broken link."""

import sys

from django.core.management.base import BaseCommand

from zhibu.records.chain import verify
from zhibu.records.models import Seal


class Command(BaseCommand):
    help = "会议纪实存证链校验：records verify"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验每个支部的存证链，指出第一处断裂")

    def handle(self, action, **options):
        problems = verify()
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
