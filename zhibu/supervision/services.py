"""Writes of the supervision area: findings and rectification, dispatch, escalation, proposals."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from zhibu.core.events import publish
from zhibu.notifications.services import notify

from . import files, status
from .models import Dispatch, DispatchTarget, Evidence, Finding, Rectification

MAX_EVIDENCE = 10


def users_with(capability: str, **grant_filter):
    from zhibu.accounts.models import User

    users = User.objects.filter(is_active=True, **grant_filter).prefetch_related("grants__role").distinct()
    return [u for u in users if any(capability in g.role.capabilities for g in u.grants.all())]


def branch_responders(branch):
    return users_with("supervision.respond", grants__branch_id=branch.pk)


def town_supervisors(town_id: int):
    return users_with("supervision.manage", grants__town_id=town_id)


def _evidence(uploads, *, branch, by, **owner) -> list[Evidence]:
    uploads = [u for u in (uploads or []) if u]
    if len(uploads) > MAX_EVIDENCE:
        raise ValidationError({"evidence": f"佐证材料最多 {MAX_EVIDENCE} 个文件"})
    checked = [(u, files.check(u)) for u in uploads]  # all checked before anything is stored
    saved = []
    for upload, c in checked:
        e = Evidence(
            branch=branch,
            name=(getattr(upload, "name", "") or "佐证材料")[-200:],
            content_type=c.content_type,
            extension=c.extension,
            size=len(c.data),
            sha256=c.sha256,
            uploaded_by=by,
            **owner,
        )
        e.file.save(f"{c.sha256}{c.extension}", ContentFile(c.data), save=False)
        e.save()
        saved.append(e)
    return saved


def _text(value: str, field: str, label: str, limit: int = 4000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    return value[:limit]


# -- findings --------------------------------------------------------------------------------------


@transaction.atomic
def finding_create(
    *,
    branch,
    category: str,
    severity: str,
    text: str,
    fix: str,
    deadline,
    by=None,
    meeting_id=None,
    today=None,
) -> Finding:
    today = today or timezone.localdate()
    if category not in Finding.Category.values:
        raise ValidationError({"category": "请选择问题类别"})
    if severity not in Finding.Severity.values:
        raise ValidationError({"severity": "请选择严重程度"})
    if not isinstance(deadline, datetime.date):
        raise ValidationError({"deadline": "请填写整改期限"})
    if deadline < today:
        raise ValidationError({"deadline": "整改期限不能早于今天"})
    if meeting_id is not None and status.records_installed():
        from zhibu.records.models import Meeting

        if not Meeting.objects.filter(pk=meeting_id, branch=branch).exists():
            raise ValidationError({"meeting_id": "该纪实不属于此支部"})
    finding = Finding.objects.create(
        branch=branch,
        meeting_id=meeting_id,
        category=category,
        severity=severity,
        text=_text(text, "text", "发现的问题"),
        fix=_text(fix, "fix", "整改要求"),
        deadline=deadline,
        created_by=by,
    )
    notify(
        branch_responders(branch),
        title=f"督导意见：{finding.get_category_display()}（{finding.get_severity_display()}）",
        body=f"{finding.text}\n整改要求：{finding.fix}\n整改期限：{deadline:%Y年%m月%d日}",
        url=reverse("supervision:finding", args=[finding.pk]),
        kind="supervision",
        dedupe_key=f"finding-{finding.pk}",
    )
    publish(
        "finding.opened",
        branch_id=branch.pk,
        payload={
            "finding_id": finding.pk,
            "branch": branch.name,
            "category": finding.get_category_display(),
            "severity": finding.get_severity_display(),
        },
    )
    status.refresh_later([branch.pk])
    return finding


@transaction.atomic
def rectification_submit(*, finding: Finding, text: str, evidence=None, by=None) -> Rectification:
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError("该督导意见已销号")
    r = Rectification.objects.create(finding=finding, text=_text(text, "text", "整改情况"), by=by)
    _evidence(evidence, branch=finding.branch, by=by, rectification=r)
    finding.status = Finding.Status.RESPONDED
    finding.save(update_fields=["status"])
    recipients = [finding.created_by] if finding.created_by_id else town_supervisors(finding.branch.town_id)
    notify(
        [u for u in recipients if u is not None],
        title=f"整改已报送：{finding.branch.name}",
        body=r.text[:300],
        url=reverse("supervision:finding", args=[finding.pk]),
        kind="supervision",
        dedupe_key=f"rectification-{r.pk}",
    )
    publish(
        "finding.responded",
        branch_id=finding.branch_id,
        payload={"finding_id": finding.pk, "branch": finding.branch.name},
    )
    return r


@transaction.atomic
def finding_decide(*, finding: Finding, close: bool, comment: str = "", by=None) -> Finding:
    """销号 (close) or send back for more rectification."""
    finding = Finding.objects.select_for_update().select_related("branch").get(pk=finding.pk)
    if finding.status != Finding.Status.RESPONDED:
        raise ValidationError("只有已报送整改的督导意见可以销号或退回")
    comment = (comment or "").strip()[:300]
    if close:
        finding.status = Finding.Status.CLOSED
        finding.closed_by, finding.closed_at, finding.closing_comment = by, timezone.now(), comment
        finding.save(update_fields=["status", "closed_by", "closed_at", "closing_comment"])
        title = f"督导意见已销号：{finding.get_category_display()}"
    else:
        if not comment:
            raise ValidationError({"comment": "退回时请写明还需整改的内容"})
        last = finding.rectifications.order_by("-at").first()
        if last:
            last.returned_comment = comment
            last.save(update_fields=["returned_comment"])
        finding.status = Finding.Status.OPEN
        finding.save(update_fields=["status"])
        title = f"整改被退回：{finding.get_category_display()}"
    notify(
        branch_responders(finding.branch),
        title=title,
        body=comment,
        url=reverse("supervision:finding", args=[finding.pk]),
        kind="supervision",
        dedupe_key=f"finding-decide-{finding.pk}-{finding.status}-{finding.rectifications.count()}",
    )
    publish(
        "finding.closed" if close else "finding.returned",
        branch_id=finding.branch_id,
        payload={"finding_id": finding.pk, "branch": finding.branch.name},
    )
    status.refresh_later([finding.branch_id])
    return finding


# -- dispatch --------------------------------------------------------------------------------------


@transaction.atomic
def dispatch_create(
    *,
    district,
    branches,
    title: str,
    body: str,
    priority: str,
    deadline,
    scope: str = "",
    by=None,
    today=None,
) -> Dispatch:
    today = today or timezone.localdate()
    branches = list(branches)
    if not branches:
        raise ValidationError({"targets": "请选择接收的支部、乡镇或全部"})
    if priority not in Dispatch.Priority.values:
        raise ValidationError({"priority": "请选择优先级"})
    if not isinstance(deadline, datetime.date):
        raise ValidationError({"deadline": "请填写办结期限"})
    if deadline < today:
        raise ValidationError({"deadline": "办结期限不能早于今天"})
    dispatch = Dispatch.objects.create(
        district=district,
        title=_text(title, "title", "标题", 120),
        body=_text(body, "body", "内容"),
        priority=priority,
        deadline=deadline,
        scope=scope[:200],
        created_by=by,
    )
    DispatchTarget.objects.bulk_create([DispatchTarget(dispatch=dispatch, branch=b) for b in branches])
    users = users_with("supervision.respond", grants__branch__in=branches)
    notify(
        users,
        title=f"调度指令（{dispatch.get_priority_display()}）：{dispatch.title}",
        body=f"{dispatch.body}\n办结期限：{deadline:%Y年%m月%d日}",
        url=reverse("supervision:dispatch", args=[dispatch.pk]),
        kind="dispatch",
        dedupe_key=f"dispatch-{dispatch.pk}",
    )
    ids = [b.pk for b in branches]
    status.refresh_later(ids)
    return dispatch


def _target(target: DispatchTarget) -> DispatchTarget:
    return DispatchTarget.objects.select_for_update().select_related("dispatch", "branch").get(pk=target.pk)


@transaction.atomic
def target_read(*, target: DispatchTarget) -> DispatchTarget:
    target = _target(target)
    if target.status == DispatchTarget.Status.SENT:
        target.status, target.read_at = DispatchTarget.Status.READ, timezone.now()
        target.save(update_fields=["status", "read_at"])
    return target


@transaction.atomic
def target_acknowledge(*, target: DispatchTarget) -> DispatchTarget:
    target = _target(target)
    if target.status == DispatchTarget.Status.DONE:
        raise ValidationError("该指令已办结")
    now = timezone.now()
    target.read_at = target.read_at or now
    if target.status != DispatchTarget.Status.ACKNOWLEDGED:
        target.status, target.acknowledged_at = DispatchTarget.Status.ACKNOWLEDGED, now
        target.save(update_fields=["status", "read_at", "acknowledged_at"])
        publish(
            "dispatch.acknowledged",
            branch_id=target.branch_id,
            payload={
                "dispatch_id": target.dispatch_id,
                "title": target.dispatch.title,
                "branch": target.branch.name,
            },
        )
    return target


@transaction.atomic
def target_done(*, target: DispatchTarget, note: str, evidence=None, by=None) -> DispatchTarget:
    target = _target(target)
    if target.status == DispatchTarget.Status.DONE:
        raise ValidationError("该指令已办结")
    note = _text(note, "note", "办理情况")
    _evidence(evidence, branch=target.branch, by=by, target=target)
    now = timezone.now()
    target.read_at = target.read_at or now
    target.acknowledged_at = target.acknowledged_at or now
    target.status, target.done_at, target.done_note = DispatchTarget.Status.DONE, now, note
    target.save(update_fields=["status", "read_at", "acknowledged_at", "done_at", "done_note"])
    publish(
        "dispatch.answered",
        branch_id=target.branch_id,
        payload={
            "dispatch_id": target.dispatch_id,
            "title": target.dispatch.title,
            "branch": target.branch.name,
            "on_time": target.on_time,
        },
    )
    if target.dispatch.created_by_id:
        notify(
            [target.dispatch.created_by],
            title=f"指令已办结：{target.branch.name}",
            body=note[:300],
            url=reverse("supervision:dispatch", args=[target.dispatch_id]),
            kind="dispatch",
            dedupe_key=f"dispatch-done-{target.pk}",
        )
    branch_id = target.branch_id
    status.refresh_later([branch_id])
    return target


@transaction.atomic
def escalate_overdue(today: datetime.date | None = None) -> int:
    """Overdue dispatches and findings go up to the town's supervisors (once each)."""
    today = today or timezone.localdate()
    now = timezone.now()
    n = 0
    overdue = (
        DispatchTarget.objects.select_for_update()
        .filter(dispatch__deadline__lt=today, escalated_at__isnull=True)
        .exclude(status=DispatchTarget.Status.DONE)
        .select_related("dispatch", "branch__town")
    )
    for target in overdue:
        notify(
            town_supervisors(target.branch.town_id),
            title=f"调度指令逾期未办结：{target.branch.name}",
            body=f"“{target.dispatch.title}”办结期限 {target.dispatch.deadline:%Y年%m月%d日}，当前状态：{target.get_status_display()}",
            url=reverse("supervision:dispatch", args=[target.dispatch_id]),
            kind="escalation",
            dedupe_key=f"escalate-target-{target.pk}",
        )
        target.escalated_at = now
        target.save(update_fields=["escalated_at"])
        n += 1
    for finding in Finding.objects.filter(deadline__lt=today, status=Finding.Status.OPEN).select_related(
        "branch__town"
    ):
        notify(
            town_supervisors(finding.branch.town_id),
            title=f"督导意见逾期未整改：{finding.branch.name}",
            body=f"{finding.get_category_display()}：{finding.fix[:200]}（期限 {finding.deadline:%Y年%m月%d日}）",
            url=reverse("supervision:finding", args=[finding.pk]),
            kind="escalation",
            dedupe_key=f"escalate-finding-{finding.pk}",
        )
        n += 1
    return n


def timeliness(targets) -> dict:
    """Statistics of timeliness over DispatchTarget rows: done on time, done late, open, overdue.

    One aggregate query whatever the number of rows ("on time" = done on or before the deadline's day,
    in local time, as `DispatchTarget.on_time`)."""
    today = timezone.localdate()
    done = Q(done_at__isnull=False)
    on_time = done & Q(done_at__date__lte=F("dispatch__deadline"))
    figures = targets.order_by().aggregate(
        total=Count("pk"),
        done=Count("pk", filter=done),
        on_time=Count("pk", filter=on_time),
        overdue=Count("pk", filter=Q(done_at__isnull=True, dispatch__deadline__lt=today)),
    )
    stats = {
        "total": figures["total"],
        "on_time": figures["on_time"],
        "late": figures["done"] - figures["on_time"],
        "open": figures["total"] - figures["done"] - figures["overdue"],
        "overdue": figures["overdue"],
    }
    stats["rate"] = round(100.0 * stats["on_time"] / figures["done"], 1) if figures["done"] else None
    return stats


@transaction.atomic
def camera_add(*, branch, room: str, stream_url: str, by=None):
    from .models import Camera

    room = _text(room, "room", "活动室名称", 50)
    url = (stream_url or "").strip()
    if not (url.startswith("/") and not url.startswith("//") and url.split("?")[0].endswith(".m3u8")):
        raise ValidationError(
            {"stream_url": "请填写本站下的 HLS 地址，以 / 开头、以 .m3u8 结尾（如 /live/yq-001/index.m3u8）"}
        )
    return Camera.objects.create(branch=branch, room=room, stream_url=url[:300], created_by=by)
