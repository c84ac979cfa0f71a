"""Every write of 干 goes through here: all-or-nothing, refusing bad input with a Chinese message."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from zhibu.core.dates import parse_date

from .models import Evidence, KeyTask, Milestone, Report, Target

MAX_EVIDENCE = 10


def _users_with(capability: str, **grant_filter):
    from zhibu.accounts.models import User

    users = User.objects.filter(is_active=True, **grant_filter).prefetch_related("grants__role").distinct()
    return [u for u in users if any(capability in g.role.capabilities for g in u.grants.all())]


def _notify(users, **kw) -> None:
    from zhibu.notifications.services import notify

    notify(users, kind="targets", **kw)


def _decimal(value, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: f"“{label}”须填写数字"}) from None
    if d < 0 or d >= Decimal("1e9"):
        raise ValidationError({field: f"“{label}”须为不小于 0 的数字"})
    return d.quantize(Decimal("0.1"))


@transaction.atomic
def task_publish(*, district, year: int, title: str, description: str = "", by=None) -> KeyTask:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写任务名称"})
    if KeyTask.objects.filter(district=district, year=year, title=title).exists():
        raise ValidationError({"title": f"{year} 年已发布过“{title}”"})
    return KeyTask.objects.create(
        district=district, year=year, title=title[:60], description=description.strip(), created_by=by
    )


def parse_milestones(text: str) -> list[tuple[str, datetime.date]]:
    """Milestones typed one a line as "日期 节点", e.g. "2026-06-30 完成入户摸排"."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = line.split(None, 1)
        try:
            day = parse_date(parts[0]) if parts else None
        except Exception:  # noqa: BLE001
            day = None
        if day is None or len(parts) < 2:
            raise ValidationError(
                {"milestones": f"节点第 {n} 行应为“日期 节点名称”，如 2026-06-30 完成入户摸排"}
            )
        out.append((parts[1].strip()[:100], day))
    return out


@transaction.atomic
def target_assign(
    *,
    task: KeyTask,
    branches,
    title: str,
    due: datetime.date,
    unit: str = "",
    planned=None,
    milestones: list[tuple[str, datetime.date]] = (),
    by=None,
) -> list[Target]:
    """Break a key task into one target per branch, each with the same milestones; notify the branches."""
    branches = list(branches)
    title = (title or "").strip()
    if not branches:
        raise ValidationError({"branches": "请选择至少一个支部"})
    if not title:
        raise ValidationError({"title": "请填写目标"})
    if due is None:
        raise ValidationError({"due": "请填写完成期限"})
    planned = _decimal(planned, "planned", "目标值")
    for name, day in milestones:
        if day > due:
            raise ValidationError({"milestones": f"节点“{name}”的期限晚于目标完成期限"})
    targets = Target.objects.bulk_create(
        [
            Target(
                task=task,
                branch=b,
                title=title[:100],
                unit=unit.strip()[:10],
                planned=planned,
                due=due,
                created_by=by,
            )
            for b in branches
        ]
    )
    if any(t.pk is None for t in targets):  # backends without RETURNING
        targets = list(Target.objects.filter(task=task, branch__in=branches, title=title[:100], due=due))
    Milestone.objects.bulk_create(
        [Milestone(target=t, title=name, due=day) for t in targets for name, day in milestones]
    )
    for t in targets:
        _notify(
            _users_with("targets.manage", grants__branch_id=t.branch_id),
            title=f"新的支部目标：{t.title}",
            body=f"区里的重点任务“{task.title}”已分解到本支部，完成期限 {due}，请按节点报送进展。",
            url=reverse("targets:target", args=[t.pk]),
            dedupe_key=f"target-assigned-{t.pk}",
        )
    return targets


@transaction.atomic
def report_submit(
    *, target: Target, text: str, figure=None, milestone: Milestone | None = None, files=(), by=None
) -> Report:
    """A progress report with evidence (photos, PDF), checked by content before anything is stored."""
    from zhibu.supervision.files import check

    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写进展情况"})
    if target.status == Target.Status.DONE:
        raise ValidationError("该目标已完成，无需再报送进展")
    figure = _decimal(figure, "figure", "本次完成数")
    if milestone is not None and (milestone.target_id != target.pk or milestone.done_on):
        raise ValidationError({"milestone": "所选节点不属于该目标或已完成"})
    uploads = [f for f in files if f]
    if len(uploads) > MAX_EVIDENCE:
        raise ValidationError({"evidence": f"佐证材料最多 {MAX_EVIDENCE} 个文件"})
    checked = [(u, check(u, "evidence")) for u in uploads]
    report = Report.objects.create(
        target=target, text=text, figure=figure, milestone=milestone, submitted_by=by
    )
    for upload, c in checked:
        e = Evidence(
            report=report,
            name=(getattr(upload, "name", "") or "佐证材料")[:200],
            content_type=c.content_type,
            extension=c.extension,
            size=len(c.data),
            sha256=c.sha256,
        )
        e.file.save(f"x{c.extension}", ContentFile(c.data), save=False)
        e.save()
    if target.status == Target.Status.PLANNED:
        Target.objects.filter(pk=target.pk).update(status=Target.Status.ACTIVE)
        target.status = Target.Status.ACTIVE
    branch = target.branch
    _notify(
        _users_with("targets.review", grants__town_id=branch.town_id),
        title=f"目标进展待审核：{branch.name}",
        body=f"“{target.title}”报送了新的进展。",
        url=reverse("targets:target", args=[target.pk]),
        dedupe_key=f"target-report-{report.pk}",
    )
    return report


@transaction.atomic
def report_review(*, report: Report, approve: bool, comment: str = "", by=None) -> Report:
    """Approve (the figure and milestone count) or return with a comment; the branch is told either way."""
    report = Report.objects.select_for_update().select_related("target").get(pk=report.pk)
    comment = (comment or "").strip()
    if report.status != Report.Status.SUBMITTED:
        raise ValidationError("该进展已审核过")
    if not approve and not comment:
        raise ValidationError({"comment": "退回时请写明退回意见"})
    report.status = Report.Status.APPROVED if approve else Report.Status.RETURNED
    report.reviewed_by, report.reviewed_at, report.comment = by, timezone.now(), comment[:300]
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "comment"])
    target = report.target
    if approve:
        if report.figure:
            Target.objects.filter(pk=target.pk).update(achieved=F("achieved") + report.figure)
        if report.milestone_id:
            Milestone.objects.filter(pk=report.milestone_id, done_on__isnull=True).update(
                done_on=timezone.localdate()
            )
        target.refresh_from_db()
        milestones = list(target.milestones.all())
        reached = (target.planned and target.achieved >= target.planned) or (
            not target.planned and milestones and all(m.done_on for m in milestones)
        )
        target.status = Target.Status.DONE if reached else Target.Status.ACTIVE
        target.save(update_fields=["status"])
    if report.submitted_by_id:
        verdict = "通过" if approve else f"退回（{comment}）"
        _notify(
            [report.submitted_by],
            title=f"目标进展已审核：{verdict}",
            body=f"“{target.title}”的进展报告审核{verdict}。",
            url=reverse("targets:target", args=[target.pk]),
            dedupe_key=f"target-review-{report.pk}",
        )
    return report


@transaction.atomic
def report_nominate(*, report: Report, by, title: str = "", lessons: str = ""):
    """推荐为典型案例: an approved report becomes a case in the library, its source the target."""
    from zhibu.library.models import Item
    from zhibu.library.services import item_save

    report = (
        Report.objects.select_for_update()
        .select_related("target__task", "target__branch__town")
        .get(pk=report.pk)
    )
    if report.status != Report.Status.APPROVED:
        raise ValidationError("只有审核通过的进展才能推荐为典型案例")
    if report.case_id:
        raise ValidationError("该进展已推荐为典型案例")
    target = report.target
    branch = target.branch
    title = (title or "").strip() or f"{branch.name}：{target.title}"
    figure = f"本次完成 {report.figure:g}{target.unit}。" if report.figure else ""
    item = Item(
        district_id=branch.town.district_id,
        kind=Item.Kind.CASE,
        title=title[:120],
        summary=f"{branch.town.name}{branch.name}推进“{target.task.title}”的做法"[:300],
        background=f"{target.task.year} 年区重点任务“{target.task.title}”分解到本支部的目标：{target.title}。",
        practice=report.text,
        effect=(figure + (report.comment or "")).strip(),
        lessons=(lessons or "").strip(),
        domain=branch.domain,
        branch=branch,
        source=Item.Source.BRANCH,
        source_ref=f"target:{target.pk}/report:{report.pk}",
        approved_by=by,
        approved_at=timezone.now(),
    )
    item_save(item=item)
    report.case = item
    report.save(update_fields=["case"])
    return item
