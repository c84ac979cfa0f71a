"""Print the effect measure: per rule and town, does a finding recur after the branch was trained for it?"""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from zhibu.core.progress import Bar
from zhibu.orgs.models import District
from zhibu.plans.selectors import effect_rows
from zhibu.rules.engine import RULES


class Command(BaseCommand):
    help = "培训成效：各规则、各乡镇的问题在培训后是否复发"

    def add_arguments(self, parser):
        parser.add_argument("--district", help="区代码（默认第一个区）")
        parser.add_argument("--years", type=int, default=2, help="统计最近几个年度（默认 2）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--totals", action="store_true", help="只输出各规则的全区合计")

    def handle(self, *args, **opts):
        qs = District.objects.order_by("id")
        district = qs.filter(code=opts["district"]).first() if opts["district"] else qs.first()
        if district is None:
            raise CommandError("没有找到该区")
        today = datetime.date.today()
        start = datetime.date(today.year - max(1, opts["years"]) + 1, 1, 1)
        # The progress goes to standard error: standard output stays the table or the JSON.
        with Bar(self.stderr, quiet=not opts["verbosity"]) as bar:
            rows = effect_rows(district, start, today, refresh=True, progress=bar)
        if opts["totals"]:
            rows = [r for r in rows if r.town == "合计"]
        data = [
            {
                "rule": r.rule,
                "title": RULES[r.rule].title if r.rule in RULES else r.rule,
                "remedy": r.remedy,
                "town": r.town,
                "branches": r.branches,
                "trained": r.trained,
                "trained_recurred": r.trained_recurred,
                "trained_rate": r.trained_rate,
                "untrained": r.untrained,
                "untrained_recurred": r.untrained_recurred,
                "untrained_rate": r.untrained_rate,
            }
            for r in rows
        ]
        if opts["json"]:
            self.stdout.write(
                json.dumps({"from": str(start), "to": str(today), "rows": data}, ensure_ascii=False)
            )
            return
        self.stdout.write(f"{district.name} 培训成效 {start} — {today}")
        self.stdout.write("规则\t乡镇\t出现问题支部\t已培训\t培训后复发\t未培训\t未培训再次出现")
        for d in data:
            rate = "" if d["trained_rate"] is None else f"（{d['trained_rate']}%）"
            urate = "" if d["untrained_rate"] is None else f"（{d['untrained_rate']}%）"
            self.stdout.write(
                f"{d['title']}\t{d['town']}\t{d['branches']}\t{d['trained']}\t{d['trained_recurred']}{rate}"
                f"\t{d['untrained']}\t{d['untrained_recurred']}{urate}"
            )
