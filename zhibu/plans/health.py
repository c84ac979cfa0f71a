"""支部体检: one branch seen through all five functions at once, with what to do next.

一规 (compliance findings), 一册 (records), 学 (learning hours), 练 (training), 干 (targets) and 督
(supervision findings, dispatch, evaluation). Each section is read from its own area and shown only
to a user whose role may see that area for this branch; the next steps come from every section.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse

from zhibu.accounts.reach import can
from zhibu.orgs.models import Member, MemberRole


def _link(user, cap, branch, name, *args):
    return reverse(name, args=args) if can(user, cap, branch) else ""


def _rules(branch, today):
    from zhibu.rules.adapter import branch_report

    report = branch_report(branch, datetime.date(today.year, 1, 1), today, as_of=today)
    findings = report["findings"]
    return {
        "violations": report["summary"]["violations"],
        "warnings": report["summary"]["warnings"],
        "top": [f["message"] for f in findings if f["severity"] == "violation"][:5],
        "rules": sorted({f["rule"] for f in findings}),
    }


def _records(branch, today):
    from zhibu.records.models import Meeting

    rows = (
        Meeting.objects.filter(branch=branch, date__year=today.year).values("status").annotate(n=Count("id"))
    )
    counts = {r["status"]: r["n"] for r in rows}
    last = (
        Meeting.objects.filter(branch=branch, status__in=("submitted", "approved")).order_by("-date").first()
    )
    return {
        "approved": counts.get("approved", 0),
        "submitted": counts.get("submitted", 0),
        "returned": counts.get("returned", 0),
        "open": counts.get("planned", 0) + counts.get("in_session", 0),
        "last": last.date if last else None,
    }


def _learning(branch, today):
    from zhibu.library.selectors import current_members, member_rows

    rows = member_rows(current_members(today.year).filter(branch=branch).order_by("id"), today.year)
    met = sum(1 for r in rows if r.owed == 0)
    expected = (today.timetuple().tm_yday / 365.0) if rows else 0
    behind = [r for r in rows if r.total < r.required * expected * 0.8]
    return {
        "members": len(rows),
        "met": met,
        "average": round(sum(r.total for r in rows) / len(rows), 1) if rows else 0,
        "behind": len(behind),
    }


def _training(branch, today):
    from zhibu.training.models import Enrolment, Retraining

    since = today - datetime.timedelta(days=3 * 365)
    enrolments = Enrolment.objects.filter(member__branch=branch, klass__end__gte=since)
    counts = enrolments.aggregate(
        passed=Count("id", filter=Q(result="passed")),
        failed=Count("id", filter=Q(result="failed")),
        pending=Count("id", filter=Q(result="", klass__end__gte=today)),
    )
    committee = MemberRole.objects.filter(
        member__branch=branch, role__in=MemberRole.COMMITTEE, start__lte=today
    ).filter(Q(end__isnull=True) | Q(end__gte=today))
    trained = set(
        Enrolment.objects.filter(
            Q(result="passed") | Q(attendance__gt=0),
            member_id__in=committee.values("member_id"),
            klass__end__gte=since,
            klass__end__lte=today,
        ).values_list("member_id", flat=True)
    )
    untrained = list(Member.objects.filter(pk__in=committee.values("member_id")).exclude(pk__in=trained))
    return {
        **counts,
        "untrained": untrained,
        "retraining": Retraining.objects.filter(member__branch=branch, placed__isnull=True).count(),
    }


def _targets(branch, today):
    from zhibu.targets.models import Report, Target
    from zhibu.targets.selectors import target_attainment

    value, lines = target_attainment(branch, today.year)
    targets = Target.objects.filter(branch=branch, due__year=today.year)
    return {
        "attainment": None if value is None else round(100 * value),
        "count": targets.count(),
        "overdue": targets.exclude(status="done").filter(due__lt=today).count(),
        "waiting": Report.objects.filter(target__branch=branch, status="submitted").count(),
        "returned": Report.objects.filter(target__branch=branch, status="returned").count(),
        "shortfalls": [] if value is None else lines[:5],
    }


def _supervision(branch, today):
    from zhibu.supervision.models import DispatchTarget, Evaluation, Finding

    findings = Finding.objects.filter(branch=branch)
    return {
        "open": findings.filter(status="open").count(),
        "responded": findings.filter(status="responded").count(),
        "overdue": findings.exclude(status="closed").filter(deadline__lt=today).count(),
        "dispatch_pending": DispatchTarget.objects.filter(branch=branch).exclude(status="done").count(),
        "evaluation": Evaluation.objects.filter(branch=branch).order_by("-year").first(),
    }


def check_up(branch, user, today: datetime.date | None = None) -> dict:
    """The sections and the next steps; a section the user's role may not see is left out (None)."""
    today = today or datetime.date.today()
    code = branch.code
    sections = {
        "rules": (_rules, "rules.view", "rules:branch"),
        "records": (_records, "records.view", "records:branch"),
        "learning": (_learning, "learning.view", "library:hours_branch"),
        "training": (_training, "training.view", "training:index"),
        "targets": (_targets, "targets.view", "targets:branch"),
        "supervision": (_supervision, "supervision.view", "supervision:branch"),
    }
    out: dict = {}
    for key, (fn, cap, url_name) in sections.items():
        allowed = can(user, cap, branch) or (
            key == "supervision" and can(user, "supervision.respond", branch)
        )
        if not allowed:
            out[key] = None
            continue
        data = fn(branch, today)
        data["url"] = reverse(url_name) if url_name == "training:index" else reverse(url_name, args=[code])
        out[key] = data
    out["next"] = next_steps(out)
    return out


def next_steps(s: dict) -> list[dict]:
    """What to do next, most pressing first: each with the function it comes from and where to act."""
    steps = []

    def add(priority, area, text, url):
        steps.append({"priority": priority, "area": area, "text": text, "url": url})

    if s.get("rules") and s["rules"]["violations"]:
        add(
            10, "一规", f"合规检查有 {s['rules']['violations']} 项违规，逐项整改并补开会议", s["rules"]["url"]
        )
    if s.get("supervision"):
        sup = s["supervision"]
        if sup["overdue"]:
            add(10, "督", f"{sup['overdue']} 条督导意见已过整改期限，尽快整改报送", sup["url"])
        elif sup["open"]:
            add(20, "督", f"{sup['open']} 条督导意见待整改", sup["url"])
        if sup["dispatch_pending"]:
            add(20, "督", f"{sup['dispatch_pending']} 条调度指令未办结", sup["url"])
    if s.get("records"):
        rec = s["records"]
        if rec["returned"]:
            add(15, "一册", f"{rec['returned']} 份会议纪实被退回，修改后重新提交", rec["url"])
        if rec["open"]:
            add(30, "一册", f"{rec['open']} 次会议已计划或进行中，会后 7 天内提交纪实", rec["url"])
    if s.get("targets"):
        tg = s["targets"]
        if tg["overdue"]:
            add(15, "干", f"{tg['overdue']} 个支部目标已过期限未完成", tg["url"])
        if tg["returned"]:
            add(25, "干", f"{tg['returned']} 份目标进展被退回，补充后重新报送", tg["url"])
    if s.get("training"):
        tr = s["training"]
        if tr["untrained"]:
            names = "、".join(m.name for m in tr["untrained"][:5])
            add(25, "练", f"支委 {names} 近三年未参加调训，列入下一期培训", tr["url"])
        if tr["retraining"]:
            add(25, "练", f"{tr['retraining']} 人待补训，等待安排班次", tr["url"])
    if s.get("learning") and s["learning"]["behind"]:
        add(
            30,
            "学",
            f"{s['learning']['behind']} 名党员学时落后于年度进度，督促在线学习或组织集中学习",
            s["learning"]["url"],
        )
    return sorted(steps, key=lambda x: x["priority"])
