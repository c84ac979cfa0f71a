"""Demo district: findings, dispatches, board rows, a short live feed, last year's evaluations and proposals."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from zhibu.core.demo import step
from zhibu.core.events import publish

from . import assess, services, status
from .models import Dispatch, Evaluation, Event, Finding

FINDINGS = [
    ("record", "minor", "会议记录未写明表决结果", "补记表决结果并由记录人签名"),
    ("attendance", "major", "主题党日到会人数不足应到人数的一半", "查明缺席原因，组织缺席党员补学"),
    ("procedure", "minor", "党课未留存讲稿", "补交党课讲稿或提纲"),
    ("content", "minor", "主题党日内容与当月主题不符", "按月度主题重新安排学习内容"),
    ("schedule", "major", "上月未召开支委会", "本月内补开支委会并说明原因"),
    ("record", "serious", "同一份签到表用于两次会议", "逐次核实到会情况，重新整理签到表"),
]


@step("督：督导意见、调度指令、大屏与综合评估", order=70)
def build(rng: random.Random, today: datetime.date) -> str:
    from zhibu.accounts.models import User
    from zhibu.orgs.models import Branch, District

    district = District.objects.filter(code="huairou").first()
    if district is None:
        return "没有演示区，跳过"
    branches = list(Branch.objects.filter(town__district=district).select_related("town").order_by("code"))
    admin = User.objects.filter(username="demo-admin").first()
    supervisor = User.objects.filter(username="demo-supervisor").first()
    made = 0
    orders = []
    with status.batch(), transaction.atomic():
        if Dispatch.objects.filter(district=district).exists():
            orders = None
        for branch in rng.sample(branches, min(24, len(branches))) if orders is not None else []:
            category, severity, text, fix = rng.choice(FINDINGS)
            finding = services.finding_create(
                branch=branch,
                category=category,
                severity=severity,
                text=text,
                fix=fix,
                deadline=today + datetime.timedelta(days=rng.randint(3, 20)),
                by=supervisor or admin,
                today=today,
            )
            made += 1
            roll = rng.random()
            if made <= 3:  # a few older findings, their deadline passed without rectification
                Finding.objects.filter(pk=finding.pk).update(
                    created_at=finding.created_at - datetime.timedelta(days=40),
                    deadline=today - datetime.timedelta(days=10),
                )
                continue
            if roll < 0.5:
                services.rectification_submit(finding=finding, text="已按要求整改，材料已归档", by=None)
                if roll < 0.3:
                    services.finding_decide(
                        finding=finding, close=True, comment="整改到位", by=supervisor or admin
                    )
        if orders is not None:
            orders = [
                ("报送本月主题党日开展情况", "urgent", branches, 5),
                (
                    "组织观看警示教育片并报送观后感",
                    "normal",
                    [b for b in branches if b.town.code == "YQ"],
                    10,
                ),
                ("排查党员组织关系未转接情况", "critical", rng.sample(branches, min(30, len(branches))), 2),
            ]
        for title, priority, targets, days in orders or []:
            d = services.dispatch_create(
                district=district,
                branches=targets,
                title=title,
                body=f"{title}，请按期办结并上传佐证材料。",
                priority=priority,
                deadline=today + datetime.timedelta(days=days),
                scope="演示",
                by=admin,
                today=today,
            )
            for t in d.targets.all():
                r = rng.random()
                if r < 0.45:
                    services.target_done(target=t, note="已办结", by=None)
                elif r < 0.7:
                    services.target_acknowledge(target=t)
    status.rebuild(branches, compliance=True, today=today)
    # The board opens with a short feed: the meetings in session today.
    if (
        status.records_installed()
        and not Event.objects.filter(district_id=district.pk, kind="meeting.opened").exists()
    ):
        from zhibu.records.models import Meeting

        for m in Meeting.objects.filter(branch__town__district=district, status="in_session").select_related(
            "branch__town"
        ):
            payload = {
                "meeting_id": m.pk,
                "branch": m.branch.name,
                "branch_code": m.branch.code,
                "town": m.branch.town.name,
                "title": m.type_label,
                "date": m.date.isoformat(),
            }
            publish("meeting.opened", branch_id=m.branch_id, payload=payload)
            present = m.attendance.filter(state="present").count()
            if present:
                publish("meeting.signin", branch_id=m.branch_id, payload={**payload, "present": present})
    year = today.year - 1
    evaluated = 0
    if not Evaluation.objects.filter(year=year, branch__town__district=district).exists():
        rows = assess.evaluate_branches(branches, year, today=datetime.date(year, 12, 31))
        assess.propose(rows, year, today=today)
        evaluated = len(rows)
    if orders is None and not evaluated:
        return "已存在，已刷新大屏状态"
    return f"督导意见 {made} 条，调度指令 {len(orders or [])} 条，{evaluated} 个支部完成 {year} 年度综合评估"
