"""zhibu supervision escalate | rebuild | simulate — the supervision area's periodic and demo jobs."""

from django.core.management.base import BaseCommand, CommandError

from zhibu.core.progress import Bar
from zhibu.supervision import services, simulate, status


class Command(BaseCommand):
    help = "督导：逾期升级（escalate）、重建大屏聚合（rebuild）、演示模拟实时事件（simulate）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("escalate", help="把逾期未办结的调度指令和逾期未整改的督导意见上报乡镇督导员")
        rebuild = sub.add_parser("rebuild", help="重建每个支部的大屏状态（含合规检查）")
        rebuild.add_argument("--no-compliance", action="store_true")
        sim = sub.add_parser("simulate", help="向大屏推送标明“演示模拟”的事件")
        sim.add_argument("--district", default="", help="区代码（默认第一个区）")
        sim.add_argument("--seconds", type=float, default=60)
        sim.add_argument("--rate", type=float, default=2)

    def handle(self, *args, action, **opts):
        if action == "escalate":
            n = services.escalate_overdue()
            self.stdout.write(f"已上报 {n} 项逾期事项")
        elif action == "rebuild":
            with Bar(self.stderr, quiet=not opts["verbosity"]) as bar:
                n = status.rebuild(compliance=not opts["no_compliance"], progress=bar)
            self.stdout.write(f"已重建 {n} 个支部的大屏状态")
        elif action == "simulate":
            from zhibu.orgs.models import District

            qs = District.objects.all()
            district = qs.filter(code=opts["district"]).first() if opts["district"] else qs.first()
            if district is None:
                raise CommandError("没有找到这个区")
            n = simulate.run(district=district, seconds=opts["seconds"], rate=opts["rate"])
            self.stdout.write(f"已推送 {n} 条演示模拟事件（{district.name}）")
