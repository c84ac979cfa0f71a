"""Demo: the district's four key tasks of the year, broken into branch targets, with reviewed progress."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhibu.core.demo import step

TASKS = [
    (
        "科学城建设",
        "配合怀柔科学城项目落地：征地拆迁签约、腾退清表、群众思想工作，党员带头签约。",
        "配合科学城项目完成腾退签约",
        "户",
        ["完成入户宣讲和摸底", "完成评估公示", "完成签约"],
    ),
    (
        "环境整治",
        "农村人居环境整治：垃圾分类、私搭乱建清理、河道沟渠清理，党员包片。",
        "完成人居环境整治任务",
        "处",
        ["完成问题点位摸排", "完成集中整治", "通过乡镇验收"],
    ),
    (
        "乡村振兴",
        "发展壮大村级集体经济，民宿、板栗、虹鳟鱼等特色产业带动增收。",
        "发展集体经济增收项目",
        "个",
        ["项目论证并经党员大会通过", "项目开工", "项目见效"],
    ),
    (
        "接诉即办",
        "12345 市民热线诉求的响应、办结和回访，党员领办、未诉先办。",
        "诉求响应率、解决率达到区里要求",
        "",
        ["上半年回访全部诉求人", "全年未诉先办清单完成"],
    ),
]
PROGRESS = [
    "党支部召开支委会研究部署，党员分片包户，逐户上门讲政策。",
    "组织党员志愿服务队集中清理，拍照留存整治前后对比。",
    "本月完成一批，群众满意，乡镇包村干部现场核实。",
    "党员带头示范，带动群众参与，形成长效管护机制。",
]


@step("干：重点任务、支部目标和进展", order=60)
def build(rng: random.Random, today: datetime.date) -> str:
    from zhibu.orgs.models import Branch, District

    from .models import KeyTask, Milestone, Report, Target

    district = District.objects.filter(code="huairou").first()
    if district is None:
        return "没有演示区，跳过"
    if KeyTask.objects.filter(district=district, year=today.year).exists():
        return "已存在，跳过"
    branches = list(Branch.objects.filter(town__district=district).select_related("town").order_by("code"))
    rural = [b for b in branches if b.domain == "rural"]
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    elapsed = (today - year_start).days / 365.0
    now = timezone.now()
    with transaction.atomic():
        tasks = KeyTask.objects.bulk_create(
            [KeyTask(district=district, year=today.year, title=t, description=d) for t, d, *_ in TASKS]
        )
        plan = []
        for task, (_, _, title, unit, stones) in zip(tasks, TASKS, strict=True):
            if task.title == "科学城建设":
                chosen = [b for b in rural if b.town.code in ("YQ", "HR")][:30]
            elif task.title == "环境整治":
                chosen = rural
            elif task.title == "乡村振兴":
                chosen = rng.sample(rural, min(100, len(rural)))
            else:
                chosen = branches
            for b in chosen:
                planned = (
                    None
                    if not unit
                    else Decimal(rng.choice([2, 3, 5]) if unit == "个" else rng.randint(12, 60))
                )
                plan.append(
                    (
                        Target(task=task, branch=b, title=title, unit=unit, planned=planned, due=year_end),
                        stones,
                    )
                )
        targets = Target.objects.bulk_create([t for t, _ in plan])
        milestones, reports = [], []
        done_stones: dict[int, int] = {}
        for target, (_, stones) in zip(targets, plan, strict=True):
            n = len(stones)
            diligence = rng.random()
            reached = min(n, int(n * min(1.0, elapsed * (0.6 + diligence))))
            done_stones[target.pk] = reached
            for i, name in enumerate(stones):
                due = year_start + datetime.timedelta(days=int(365 * (i + 1) / n) - 1)
                done_on = due - datetime.timedelta(days=rng.randint(0, 20)) if i < reached else None
                milestones.append(Milestone(target=target, title=name, due=due, done_on=done_on))
            achieved = Decimal(0)
            if target.planned:
                share = min(1.0, elapsed * (0.5 + diligence))
                achieved = (target.planned * Decimal(str(round(share, 2)))).quantize(Decimal("1"))
            target.achieved = achieved
            full = (target.planned and achieved >= target.planned) or (not target.planned and reached == n)
            target.status = (
                Target.Status.DONE if full else (Target.Status.ACTIVE if achieved or reached else "planned")
            )
            if achieved or reached:
                at = now - datetime.timedelta(days=rng.randint(20, 120))
                reports.append(
                    Report(
                        target=target,
                        text=rng.choice(PROGRESS),
                        figure=achieved or None,
                        status=Report.Status.APPROVED,
                        submitted_at=at,
                        reviewed_at=at + datetime.timedelta(days=rng.randint(1, 5)),
                        comment="属实，同意。",
                    )
                )
                if target.status != Target.Status.DONE and rng.random() < 0.25:
                    latest = now - datetime.timedelta(days=rng.randint(0, 10))
                    returned = rng.random() < 0.3
                    reports.append(
                        Report(
                            target=target,
                            text="本月新完成一批，附现场照片。",
                            figure=Decimal(rng.randint(1, 5)) if target.planned else None,
                            status=Report.Status.RETURNED if returned else Report.Status.SUBMITTED,
                            submitted_at=latest,
                            reviewed_at=latest + datetime.timedelta(hours=4) if returned else None,
                            comment="照片未体现整治后的效果，请补充。" if returned else "",
                        )
                    )
        Milestone.objects.bulk_create(milestones)
        Target.objects.bulk_update(targets, ["achieved", "status"])
        Report.objects.bulk_create(reports)
        case = _notable_case(targets)
    return f"{len(tasks)} 项重点任务，{len(targets)} 个支部目标，{len(reports)} 份进展" + (
        f"，推荐案例“{case}”" if case else ""
    )


def _notable_case(targets) -> str:
    """The article's village that signed a relocation in 30 minutes, nominated as a case."""
    from .models import Report
    from .services import report_nominate

    target = next((t for t in targets if t.task.title == "科学城建设" and t.branch.town.code == "YQ"), None)
    if target is None:
        return ""
    report = Report.objects.create(
        target=target,
        text="支部书记带领党员连夜入户讲政策，党员先签、带动群众，30 分钟完成全部腾退协议签约。",
        figure=None,
        status=Report.Status.APPROVED,
        reviewed_at=timezone.now(),
        comment="党员带头作用突出，推荐为典型案例。",
    )
    item = report_nominate(report=report, by=None, title=f"{target.branch.name}：30 分钟完成腾退签约")
    return item.title
