"""Writes to the record book, shared by pages, API, commands and the demo."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from zhibu.core import audit
from zhibu.notifications.services import notify
from zhibu.orgs.models import Member, MemberRole

from . import chain
from .files import check_upload
from .models import (
    TYPE_LABELS,
    Amendment,
    Attachment,
    Attendance,
    Exclusion,
    Meeting,
    Resolution,
    Review,
    Seal,
)
from .procedures import procedure_for

Status = Meeting.Status
WHOLE_BRANCH = ("general_meeting", "theme_day", "party_lecture", "org_life_meeting", "democratic_appraisal")


def expected_members(meeting: Meeting) -> list[Member]:
    """Who is expected (应到), as the spec counts them: members in branch on the day, not excluded."""
    day = meeting.date
    in_branch = Member.objects.filter(branch_id=meeting.branch_id, joined__lte=day).filter(
        Q(left__isnull=True) | Q(left__gt=day)
    )
    excluded = set(
        Exclusion.objects.filter(
            member__branch_id=meeting.branch_id, start__lte=day, end__gte=day
        ).values_list("member_id", flat=True)
    )
    types = set(meeting.types)
    if types & set(WHOLE_BRANCH):
        return [m for m in in_branch.order_by("id") if m.pk not in excluded]
    if "committee_meeting" in types:
        ids = (
            MemberRole.objects.filter(member__in=in_branch, role__in=MemberRole.COMMITTEE, start__lte=day)
            .filter(Q(end__isnull=True) | Q(end__gte=day))
            .values_list("member_id", flat=True)
        )
        return list(in_branch.filter(pk__in=ids).order_by("id"))
    if "group_meeting" in types and meeting.group_id:
        return [m for m in in_branch.filter(group_id=meeting.group_id).order_by("id") if m.pk not in excluded]
    return [m for m in in_branch.order_by("id") if m.pk not in excluded]


def _check_types(types) -> list[str]:
    types = [t for t in dict.fromkeys(types or []) if t in TYPE_LABELS]
    if not types:
        raise ValidationError({"types": "请至少选择一种会议类型"})
    return types


def _check_people(meeting: Meeting) -> None:
    for field in ("chair", "recorder", "lecturer"):
        person = getattr(meeting, field)
        if person is not None and person.branch_id != meeting.branch_id:
            raise ValidationError({field: "请选择本支部党员"})
    if meeting.group is not None and meeting.group.branch_id != meeting.branch_id:
        raise ValidationError({"group": "请选择本支部的党小组"})
    if "group_meeting" in meeting.types and meeting.group is None:
        raise ValidationError({"group": "党小组会请选择党小组"})


@transaction.atomic
def meeting_plan(*, branch, types, date, by=None, notify_members: bool = True, **fields) -> Meeting:
    """计划一次会议 and send the notice to the expected attendees who have accounts."""
    meeting = Meeting(branch=branch, types=_check_types(types), date=date, created_by=by, **fields)
    _check_people(meeting)
    meeting.save()
    if notify_members:
        _notify_expected(meeting)
    return meeting


def _notify_expected(meeting: Meeting) -> None:
    from zhibu.accounts.models import User

    members = expected_members(meeting)
    users = User.objects.filter(member__in=members, is_active=True)
    when = f"{meeting.date:%Y年%m月%d日}" + (f" {meeting.start_time:%H:%M}" if meeting.start_time else "")
    notify(
        users,
        title=f"会议通知：{meeting.type_label}",
        body=f"{when}在{meeting.place or '（地点待定）'}召开{meeting.type_label}，议题：{meeting.topic or '待定'}。"
        "请准时参加；不能参加的请在平台上请假并说明原因。",
        url=reverse("records:meeting", args=[meeting.pk]),
        kind="meeting",
        dedupe_key=f"meeting-plan-{meeting.pk}",
    )


def _editable(meeting: Meeting) -> None:
    if not meeting.editable:
        raise ValidationError("已提交或已审核通过的纪实不能修改；如需更正，请添加更正说明")


@transaction.atomic
def meeting_update(*, meeting: Meeting, **fields) -> Meeting:
    _editable(meeting)
    if "types" in fields:
        fields["types"] = _check_types(fields["types"])
    for k, v in fields.items():
        setattr(meeting, k, v)
    _check_people(meeting)
    meeting.save()
    return meeting


@transaction.atomic
def meeting_start(*, meeting: Meeting) -> Meeting:
    if meeting.status != Status.PLANNED:
        raise ValidationError("只有“已计划”的会议可以开始")
    meeting.status = Status.IN_SESSION
    meeting.step = 0
    meeting.save(update_fields=["status", "step"])
    return meeting


@transaction.atomic
def meeting_step(*, meeting: Meeting, step: int) -> Meeting:
    if meeting.status != Status.IN_SESSION:
        raise ValidationError("会议未在进行中")
    steps = procedure_for(meeting.types)
    meeting.step = max(0, min(step, len(steps)))
    meeting.save(update_fields=["step"])
    return meeting


def _set_row(meeting: Meeting, member: Member, **values) -> tuple[Attendance, bool]:
    """One attendance row per person (the database's constraint; the meeting row is locked against the
    secretary's own concurrent edits)."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    rows = list(Attendance.objects.filter(meeting=meeting, member=member).order_by("id"))
    for extra in rows[1:]:
        extra.delete()
    if rows:
        row = rows[0]
        for k, v in values.items():
            setattr(row, k, v)
        row.save()
        return row, False
    try:
        with transaction.atomic():
            return Attendance.objects.create(meeting=meeting, member=member, **values), True
    except IntegrityError:  # the person scanned the code at this very moment: change their row instead
        return _set_row(meeting, member, **values)


_INSERT_ONCE = (
    "INSERT INTO {table} (meeting_id, member_id, state, reason, signed_at, by_proxy, imported)"
    " VALUES (%s, %s, %s, '', %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
)


@transaction.atomic(savepoint=False)  # inside a caller's transaction no savepoint: a failure ends it all
def sign_in(*, meeting: Meeting, member: Member, by_proxy: bool = False) -> tuple[Attendance, bool]:
    """Signed in (idempotent: a second scan changes nothing); (the row, whether this call signed them in).

    The hot path of a 主题党日 morning: one INSERT that the unique constraint turns into nothing for a
    repeated or simultaneous scan, no lock on the meeting. Only someone who had asked for leave (or
    was marked absent) and then came needs a second statement.
    """
    if meeting.status not in (Status.PLANNED, Status.IN_SESSION):
        raise ValidationError("会议已结束，不能再签到")
    if member.branch_id != meeting.branch_id:
        raise ValidationError("您不是本支部党员，不能在此签到")
    now = timezone.now()
    sql = _INSERT_ONCE.format(table=connection.ops.quote_name(Attendance._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting.pk, member.pk, Attendance.State.PRESENT, now, by_proxy, False])
        inserted = cursor.fetchone()
    if inserted:
        row = Attendance(
            pk=inserted[0],
            meeting=meeting,
            member=member,
            state=Attendance.State.PRESENT,
            signed_at=now,
            by_proxy=by_proxy,
        )
        # What Model.save() would have announced: the board's event subscribes to it.
        post_save.send(
            Attendance, instance=row, created=True, raw=False, using=connection.alias, update_fields=None
        )
        return row, True
    row = Attendance.objects.select_for_update().get(meeting=meeting, member=member, imported=False)
    if row.state == Attendance.State.PRESENT:
        return row, False
    # asked for leave, or was marked absent, and came after all
    row.state, row.reason, row.signed_at, row.by_proxy = Attendance.State.PRESENT, "", now, by_proxy
    row.save()
    return row, True


@transaction.atomic
def scan_sign_in(*, meeting: Meeting, member: Member, user, ip: str | None) -> Attendance:
    """A member scanned the room's code: signed in, and the trail notes it (a write made by a GET)."""
    row, signed = sign_in(meeting=meeting, member=member)
    if signed:
        audit.append(user=user, action="records.signin", target=f"Meeting:{meeting.pk}", ip=ip)
    return row


@transaction.atomic
def leave_request(*, meeting: Meeting, member: Member, reason: str) -> Attendance:
    if not reason.strip():
        raise ValidationError({"reason": "请填写请假原因"})
    if meeting.status not in (Status.PLANNED, Status.IN_SESSION):
        raise ValidationError("会议已结束，不能再请假")
    if member.branch_id != meeting.branch_id:
        raise ValidationError("您不是本支部党员")
    row, _ = _set_row(meeting, member, state=Attendance.State.LEAVE, reason=reason.strip()[:200])
    return row


@transaction.atomic
def attendance_set(*, meeting: Meeting, member: Member, state: str, reason: str = "") -> Attendance:
    """The secretary records someone's attendance (present = signed in by proxy)."""
    _editable(meeting)
    if member.branch_id != meeting.branch_id:
        raise ValidationError("请选择本支部党员")
    if state == Attendance.State.PRESENT:
        existing = Attendance.objects.filter(meeting=meeting, member=member, state=state).first()
        if existing is not None:  # already signed in (perhaps by scanning): leave it as it is
            return existing
        row, _ = _set_row(meeting, member, state=state, reason="", signed_at=timezone.now(), by_proxy=True)
        return row
    if state not in Attendance.State.values:
        raise ValidationError({"state": "出席情况无效"})
    row, _ = _set_row(meeting, member, state=state, reason=reason.strip()[:200], by_proxy=False)
    return row


@transaction.atomic
def resolution_add(
    *, meeting: Meeting, title: str, yes: int, no: int, abstain: int, declared: str
) -> Resolution:
    _editable(meeting)
    if not title.strip():
        raise ValidationError({"title": "请填写表决事项"})
    if declared not in Resolution.Declared.values:
        raise ValidationError({"declared": "请选择宣布结果"})
    for name, value in (("yes", yes), ("no", no), ("abstain", abstain)):
        if value is None or value < 0:
            raise ValidationError({name: "票数须为不小于 0 的整数"})
    order = (meeting.resolutions.aggregate(m=Max("order"))["m"] or 0) + 1
    return Resolution.objects.create(
        meeting=meeting, order=order, title=title.strip(), yes=yes, no=no, abstain=abstain, declared=declared
    )


@transaction.atomic
def resolution_delete(*, resolution: Resolution) -> None:
    _editable(resolution.meeting)
    resolution.delete()


@transaction.atomic
def attachment_add(*, meeting: Meeting, kind: str, upload, by=None) -> Attachment:
    _editable(meeting)
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": "请选择附件类别"})
    checked = check_upload(upload, kind)
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        name=(getattr(upload, "name", "") or "附件")[-200:],
        content_type=checked.content_type,
        extension=checked.extension,
        size=len(checked.data),
        sha256=checked.sha256,
        uploaded_by=by,
    )
    attachment.file.save(f"{checked.sha256}{checked.extension}", ContentFile(checked.data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    _editable(attachment.meeting)
    attachment.file.delete(save=False) if attachment.file else None
    attachment.delete()


def seal(meeting: Meeting, amendment: Amendment | None = None) -> Seal:
    """Append a link for this record (or amendment) to its branch's chain."""
    last = Seal.objects.select_for_update().filter(branch_id=meeting.branch_id).order_by("-seq").first()
    previous = last.digest if last else ""
    if amendment is not None:
        content = chain.amendment_content(
            {"original_id": meeting.pk, "reason": amendment.reason, "text": amendment.text}
        )
    else:
        content = chain.contents([meeting.pk])[meeting.pk]
    return Seal.objects.create(
        branch_id=meeting.branch_id,
        seq=(last.seq + 1) if last else 1,
        meeting=meeting,
        amendment=amendment,
        algorithm=chain.ALGORITHM,
        content=content,
        previous=previous,
        digest=chain.link(previous, content),
    )


def _users_with(capability: str, **grant_filter):
    from zhibu.accounts.models import User

    users = User.objects.filter(is_active=True, **grant_filter).prefetch_related("grants__role").distinct()
    return [u for u in users if any(capability in g.role.capabilities for g in u.grants.all())]


def _reviewers(meeting: Meeting):
    """The town's supervisors: they review the branch's records."""
    return _users_with("records.review", grants__town_id=meeting.branch.town_id)


@transaction.atomic
def meeting_submit(*, meeting: Meeting, by=None, today: datetime.date | None = None) -> Meeting:
    today = today or timezone.localdate()
    if meeting.status not in (Status.PLANNED, Status.IN_SESSION, Status.RETURNED):
        raise ValidationError("该纪实已提交")
    if meeting.date > today:
        raise ValidationError({"date": "会议尚未召开，不能提交纪实"})
    missing = [
        label
        for field, label in (("place", "会议地点"), ("topic", "议题"), ("minutes", "会议记录"))
        if not getattr(meeting, field).strip()
    ]
    if not meeting.attendance.filter(state=Attendance.State.PRESENT).exists():
        missing.append("到会人员")
    if missing:
        raise ValidationError(f"请先填写：{'、'.join(missing)}")
    meeting.status = Status.SUBMITTED
    meeting.submitted = today
    meeting.save(update_fields=["status", "submitted"])
    seal(meeting)
    notify(
        _reviewers(meeting),
        title=f"待审核纪实：{meeting.branch.name} {meeting.date} {meeting.type_label}",
        url=reverse("records:meeting", args=[meeting.pk]),
        kind="review",
        dedupe_key=f"meeting-submit-{meeting.pk}-{meeting.seals.count()}",
    )
    return meeting


@transaction.atomic
def meeting_review(*, meeting: Meeting, decision: str, comment: str = "", by=None) -> Review:
    if meeting.status != Status.SUBMITTED:
        raise ValidationError("只有已提交待审核的纪实可以审核")
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": "请选择审核结果"})
    if decision == Review.Decision.RETURNED and not comment.strip():
        raise ValidationError({"comment": "退回修改时请写明审核意见"})
    review = Review.objects.create(meeting=meeting, decision=decision, comment=comment.strip(), reviewer=by)
    meeting.status = Status.APPROVED if decision == Review.Decision.APPROVED else Status.RETURNED
    meeting.save(update_fields=["status"])
    recipients = _users_with("records.manage", grants__branch_id=meeting.branch_id)
    verdict = "已审核通过" if meeting.status == Status.APPROVED else "被退回修改"
    notify(
        recipients,
        title=f"纪实{verdict}：{meeting.date} {meeting.type_label}",
        body=comment.strip(),
        url=reverse("records:meeting", args=[meeting.pk]),
        kind="review",
        dedupe_key=f"meeting-review-{review.pk}",
    )
    return review


@transaction.atomic
def amendment_add(*, meeting: Meeting, reason: str, text: str, by=None) -> Amendment:
    if meeting.status != Status.APPROVED:
        raise ValidationError("只有审核通过的纪实需要以更正说明修改；其他纪实可直接编辑")
    if not reason.strip() or not text.strip():
        raise ValidationError({"reason": "请填写更正原因和更正内容"})
    amendment = Amendment.objects.create(
        original=meeting, reason=reason.strip(), text=text.strip(), created_by=by
    )
    seal(meeting, amendment)
    return amendment
