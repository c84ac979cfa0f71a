"""一册: the meeting record book (会议纪实) — meetings, attendance, resolutions, attachments, review, chain."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels

BRANCH_REACH = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}
# A meeting carries its branch's town (Meeting.town), so a town's meetings are read by their own index.
MEETING_REACH = {
    "district": "meeting__town__district_id",
    "town": "meeting__town_id",
    "branch": "meeting__branch_id",
}

MEETING_TYPES = [
    ("theme_day", _("主题党日")),
    ("general_meeting", _("支部党员大会")),
    ("party_lecture", _("党课")),
    ("committee_meeting", _("支委会")),
    ("group_meeting", _("党小组会")),
    ("org_life_meeting", _("组织生活会")),
    ("democratic_appraisal", _("民主评议党员")),
]
TYPE_LABELS = dict(MEETING_TYPES)


class ScheduleItem(ChoiceLabels, models.Model):
    """一表: one item of the district's annual study schedule — a month, a meeting type, a topic, readings."""

    district = models.ForeignKey("orgs.District", on_delete=models.CASCADE, related_name="schedule_items")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    meeting_type = models.CharField(_("会议类型"), max_length=24, choices=MEETING_TYPES)
    title = models.CharField(_("学习主题"), max_length=200)
    readings = models.TextField(_("必学篇目或视频"), blank=True)
    link = models.CharField(
        _("学习资源链接"), max_length=300, blank=True, help_text=_("平台内学习资源的地址，如 /library/…")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("年度学习计划事项")
        ordering = ["year", "month", "meeting_type", "id"]
        indexes = [models.Index(fields=["district", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 {self.get_meeting_type_display()}：{self.title}"


class Meeting(ChoiceLabels, models.Model):
    """One sitting; `types` lists every kind of meeting it counts as (spec §2)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("已计划")
        IN_SESSION = "in_session", _("进行中")
        SUBMITTED = "submitted", _("已提交待审核")
        APPROVED = "approved", _("已审核通过")
        RETURNED = "returned", _("已退回修改")

    branch = models.ForeignKey("orgs.Branch", on_delete=models.PROTECT, related_name="meetings")
    # The branch's town, kept with the meeting (set on saving; Branch.save moves it with its branch): a
    # town supervisor's list reads its town's newest meetings from their own index, where through the
    # branch it walked the whole city's meetings by date, reading about 16,000 for a page of 50.
    town = models.ForeignKey(
        "orgs.Town", on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    types = models.JSONField(_("会议类型"), default=list)
    date = models.DateField(_("会议日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("会议地点"), max_length=100, blank=True)
    chair = models.ForeignKey(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主持人"),
    )
    recorder = models.ForeignKey(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )
    topic = models.CharField(_("议题"), max_length=200, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    lecturer = models.ForeignKey(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("授课人（本支部党员）"),
    )
    lecturer_text = models.CharField(_("授课人（其他）"), max_length=100, blank=True)
    group = models.ForeignKey(
        "orgs.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("党小组"),
    )
    election = models.BooleanField(_("选举会议"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    submitted = models.DateField(_("提交日期"), null=True, blank=True)
    step = models.PositiveSmallIntegerField(_("议程进度"), default=0)
    schedule_item = models.ForeignKey(
        ScheduleItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("对应年度学习计划"),
    )
    external_id = models.CharField(_("台账编号"), max_length=60, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_fields = {"district": "town__district_id", "town": "town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("会议纪实")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["branch", "date"]),
            # The records list, newest first: a city's millions read from the top, not sorted whole.
            models.Index(fields=["-date", "-id"], name="records_meeting_newest"),
            models.Index(fields=["town", "-date", "-id"], name="records_meeting_town_newest"),
            # Records waiting for review, counted on the home page and the list: a few among millions.
            models.Index(
                fields=["branch"], condition=models.Q(status="submitted"), name="records_meeting_submitted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.type_label}"

    def save(self, *args, **kwargs):
        if self.town_id is None and self.branch_id is not None:
            self.town_id = self.branch.town_id
        super().save(*args, **kwargs)

    @property
    def type_label(self) -> str:
        return "、".join(str(TYPE_LABELS.get(t, t)) for t in self.types)

    @property
    def ledger_id(self) -> str:
        return f"r{self.pk}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_SESSION, self.Status.RETURNED)


class Attendance(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        PRESENT = "present", _("到会")
        ABSENT = "absent", _("缺席")
        LEAVE = "leave", _("请假")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="attendance")
    state = models.CharField(_("出席情况"), max_length=8, choices=State.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    by_proxy = models.BooleanField(_("代签"), default=False)
    # Copied from a paper ledger (台账导入): kept as written, so someone listed twice stays listed twice
    # and the engine reports it (record.attendance_conflict). Rows the platform makes are one per person.
    imported = models.BooleanField(_("台账导入"), default=False, db_default=False, editable=False)

    reach_fields = MEETING_REACH
    reach_self = "member_id"

    class Meta:
        verbose_name = _("出缺席")
        ordering = ["meeting", "member_id"]
        indexes = [models.Index(fields=["meeting", "member"])]
        constraints = [
            # The sign-in path relies on it: a repeated or simultaneous scan inserts nothing.
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=models.Q(imported=False),
                name="attendance_one_row_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_state_display()}"


class Resolution(ChoiceLabels, models.Model):
    class Declared(models.TextChoices):
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("表决事项"), max_length=200)
    yes = models.PositiveIntegerField(_("赞成"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    declared = models.CharField(_("宣布结果"), max_length=8, choices=Declared.choices)

    reach_fields = MEETING_REACH

    class Meta:
        verbose_name = _("表决事项")
        ordering = ["meeting", "order", "id"]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance, filename: str) -> str:
    today = datetime.date.today()
    return f"records/{today:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Attachment(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        SIGNIN = "signin", _("签到表")
        PHOTO = "photo", _("现场照片")
        MINUTES_SCAN = "minutes_scan", _("会议记录扫描件")
        VIDEO = "video", _("视频")
        AUDIO = "audio", _("录音")
        OTHER = "other", _("其他材料")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类别"), max_length=14, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200, blank=True)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=8, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    reach_fields = MEETING_REACH

    class Meta:
        verbose_name = _("附件")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.name


class Exclusion(models.Model):
    """不计入应到会人数: an approved case (e.g. abroad for over half a year) for a period."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="exclusions")
    start = models.DateField(_("起"))
    end = models.DateField(_("止"))
    reason = models.CharField(_("原因"), max_length=200)

    reach_fields = {
        "district": "member__branch__town__district_id",
        "town": "member__branch__town_id",
        "branch": "member__branch_id",
    }

    class Meta:
        verbose_name = _("不计入应到会人数")
        ordering = ["member", "start"]

    def __str__(self) -> str:
        return f"{self.member} {self.start}—{self.end}"


class Review(ChoiceLabels, models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回修改")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("审核结果"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("审核意见"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_fields = MEETING_REACH

    class Meta:
        verbose_name = _("审核")
        ordering = ["meeting", "-created_at"]

    def __str__(self) -> str:
        return f"{self.meeting} {self.get_decision_display()}"


class Amendment(models.Model):
    """A correction to an approved record: the record itself is never edited."""

    original = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="amendments")
    reason = models.CharField(_("更正原因"), max_length=200)
    text = models.TextField(_("更正内容"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_fields = {
        "district": "original__branch__town__district_id",
        "town": "original__branch__town_id",
        "branch": "original__branch_id",
    }

    class Meta:
        verbose_name = _("更正说明")
        ordering = ["original", "created_at"]

    def __str__(self) -> str:
        return self.reason


class Seal(models.Model):
    """One link of a branch's tamper-evidence chain: a submission (or amendment) and its hash."""

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="seals")
    seq = models.PositiveIntegerField()
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seals")
    amendment = models.OneToOneField(Amendment, null=True, blank=True, on_delete=models.CASCADE)
    algorithm = models.CharField(max_length=10)
    content = models.CharField(max_length=64)
    previous = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("存证")
        ordering = ["branch", "seq"]
        constraints = [models.UniqueConstraint(fields=["branch", "seq"], name="seal_seq_unique")]

    def __str__(self) -> str:
        return f"{self.branch_id}#{self.seq}"
