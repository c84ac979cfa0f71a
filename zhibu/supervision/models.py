"""督: the live event log, per-branch board aggregates, supervision findings, dispatch, evaluation, proposals."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels

BRANCH_REACH = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}


class Event(models.Model):
    """One thing that happened, in the order it was published (the id is the board's cursor).

    On PostgreSQL the table is partitioned by month of `created` (partitions.py, migration 0003)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("类别"), max_length=30)
    branch = models.ForeignKey(
        "orgs.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    town_id = models.BigIntegerField(null=True, blank=True)
    district_id = models.BigIntegerField()
    created = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict, blank=True)

    reach_fields = {"district": "district_id", "town": "town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("实时事件")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["district_id", "id"], name="sup_event_district"),
            models.Index(fields=["town_id", "id"], name="sup_event_town"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class BranchStatus(models.Model):
    """The board's row for one branch, kept current by the event subscribers (never recomputed per request)."""

    branch = models.OneToOneField("orgs.Branch", primary_key=True, on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey("orgs.Town", on_delete=models.CASCADE, related_name="+")
    district_id = models.BigIntegerField(db_index=True)
    in_session = models.PositiveIntegerField(default=0)
    session_meeting_id = models.BigIntegerField(null=True, blank=True)
    last_held = models.DateField(null=True, blank=True)
    month = models.CharField(max_length=7, blank=True)
    held_in_month = models.PositiveIntegerField(default=0)
    open_findings = models.PositiveIntegerField(default=0)
    open_dispatches = models.PositiveIntegerField(default=0)
    violations = models.IntegerField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    reach_fields = {"district": "district_id", "town": "town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("支部实时状态")

    def __str__(self) -> str:
        return f"{self.branch_id}"


class Finding(ChoiceLabels, models.Model):
    """督导意见 on a branch (and optionally one of its records), tracked to closure."""

    class Category(models.TextChoices):
        PROCEDURE = "procedure", _("程序不规范")
        ATTENDANCE = "attendance", _("到会不足")
        CONTENT = "content", _("内容不充实")
        RECORD = "record", _("记录不完整")
        SCHEDULE = "schedule", _("未按计划开展")
        OTHER = "other", _("其他")

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        MAJOR = "major", _("较重")
        SERIOUS = "serious", _("严重")

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RESPONDED = "responded", _("已报整改")
        CLOSED = "closed", _("已销号")

    branch = models.ForeignKey("orgs.Branch", on_delete=models.PROTECT, related_name="supervision_findings")
    meeting_id = models.BigIntegerField(_("纪实编号"), null=True, blank=True)
    category = models.CharField(_("问题类别"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    text = models.TextField(_("发现的问题"))
    fix = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_comment = models.CharField(_("销号意见"), max_length=300, blank=True)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("督导意见")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "status"], name="sup_finding_branch_status")]

    def __str__(self) -> str:
        return f"{self.branch} {self.get_category_display()}"

    @property
    def overdue(self) -> bool:
        return self.status != self.Status.CLOSED and self.deadline < timezone.localdate()


class Rectification(models.Model):
    """整改: the branch's answer to a finding."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rectifications")
    text = models.TextField(_("整改情况"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    returned_comment = models.CharField(_("退回意见"), max_length=300, blank=True)

    reach_fields = {
        "district": "finding__branch__town__district_id",
        "town": "finding__branch__town_id",
        "branch": "finding__branch_id",
    }

    class Meta:
        verbose_name = _("整改情况")
        ordering = ["finding", "at"]

    def __str__(self) -> str:
        return self.text[:30]


class Dispatch(ChoiceLabels, models.Model):
    """调度指令: one instruction sent to a set of branches."""

    class Priority(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")
        CRITICAL = "critical", _("特急")

    district = models.ForeignKey("orgs.District", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    deadline = models.DateField(_("办结期限"))
    scope = models.CharField(_("下达范围"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = {
        "district": "district_id",
        "town": "targets__branch__town_id",
        "branch": "targets__branch_id",
    }

    class Meta:
        verbose_name = _("调度指令")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DispatchTarget(ChoiceLabels, models.Model):
    """One branch's copy of a dispatch: read, acknowledged, done with evidence."""

    class Status(models.TextChoices):
        SENT = "sent", _("已下达")
        READ = "read", _("已阅")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        DONE = "done", _("已办结")

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="targets")
    branch = models.ForeignKey("orgs.Branch", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.SENT)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(_("办理情况"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("调度接收")
        ordering = ["dispatch", "branch__code"]
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "branch"], name="sup_dispatch_target_once")
        ]
        indexes = [models.Index(fields=["branch", "status"], name="sup_target_branch_status")]

    def __str__(self) -> str:
        return f"{self.dispatch} → {self.branch_id}"

    @property
    def on_time(self) -> bool | None:
        if self.done_at is None:
            return None
        return timezone.localtime(self.done_at).date() <= self.dispatch.deadline


def evidence_path(instance, filename: str) -> str:
    return f"supervision/{timezone.now():%Y/%m}/{instance.sha256}{instance.extension}"


class Evidence(models.Model):
    """A file proving a rectification or a dispatch done (type checked by content)."""

    rectification = models.ForeignKey(
        Rectification, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    target = models.ForeignKey(
        DispatchTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("佐证材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """综合评估: one branch's score and grade for one year, with its explanation."""

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.FloatField(_("得分"))
    grade = models.CharField(_("等次"), max_length=4)
    result = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("综合评估")
        ordering = ["-year", "-score", "branch__code"]
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="sup_evaluation_once")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.year} {self.grade}"


class Proposal(ChoiceLabels, models.Model):
    """An automatic proposal that waits for a person: a teaching case, or retraining."""

    class Kind(models.TextChoices):
        CASE = "case", _("推荐为教学案例")
        RETRAINING = "retraining", _("安排回炉补训")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不采纳")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    reason = models.CharField(_("推荐理由"), max_length=300)
    draft = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("推荐与回炉建议")
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "branch", "year"], name="sup_proposal_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.branch_id}"


class Camera(models.Model):
    """A camera in a branch's activity room, played on the live meeting wall through the media server.

    `stream_url` is an HLS playlist served under this site (e.g. /live/<room>/index.m3u8 proxied to
    MediaMTX or SRS), so the page's content security policy lets the player fetch it.
    """

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="+")
    room = models.CharField(_("活动室"), max_length=50)
    stream_url = models.CharField(_("直播流地址（HLS）"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("活动室摄像头")
        ordering = ["branch", "room", "id"]

    def __str__(self) -> str:
        return self.room
