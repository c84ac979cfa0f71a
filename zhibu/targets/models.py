"""干: the district's key tasks, each branch's targets with milestones, and progress reviewed by the town.

A key task (重点任务) is district-wide; a branch target (支部目标) belongs to one branch and sits in the
tree like the branch; milestones, progress reports and their evidence follow their target's branch.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels

BRANCH_REACH = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}
TARGET_REACH = {
    "district": "target__branch__town__district_id",
    "town": "target__branch__town_id",
    "branch": "target__branch_id",
}


class KeyTask(models.Model):
    """重点任务: published by the district (科学城建设, 环境整治, 乡村振兴, 接诉即办 …)."""

    district = models.ForeignKey("orgs.District", on_delete=models.PROTECT, related_name="key_tasks")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("任务名称"), max_length=60)
    description = models.TextField(_("任务要求"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("重点任务")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "title"], name="targets_task_once_a_year")
        ]

    def __str__(self) -> str:
        return self.title


class Target(ChoiceLabels, models.Model):
    """支部目标: one branch's share of a key task, measured by a figure and/or milestones."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        ACTIVE = "active", _("推进中")
        DONE = "done", _("已完成")

    task = models.ForeignKey(
        KeyTask, on_delete=models.PROTECT, related_name="targets", verbose_name=_("重点任务")
    )
    branch = models.ForeignKey("orgs.Branch", on_delete=models.PROTECT, related_name="targets")
    title = models.CharField(_("目标"), max_length=100)
    unit = models.CharField(
        _("计量单位"), max_length=10, blank=True, help_text=_("如 户、件、亩；无量化指标可留空")
    )
    planned = models.DecimalField(_("目标值"), max_digits=10, decimal_places=1, null=True, blank=True)
    achieved = models.DecimalField(
        _("已完成（审核通过）"), max_digits=10, decimal_places=1, default=0, editable=False
    )
    due = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    reach_fields = BRANCH_REACH

    class Meta:
        verbose_name = _("支部目标")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["branch", "due"], name="targets_target_branch_due")]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=100)
    due = models.DateField(_("节点期限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True, editable=False)

    reach_fields = TARGET_REACH

    class Meta:
        verbose_name = _("节点")
        ordering = ["target", "due", "id"]

    def __str__(self) -> str:
        return self.title


class Report(ChoiceLabels, models.Model):
    """进展报告: what the branch did, with a figure and evidence; approved or returned by the town."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("完成的节点"),
    )
    text = models.TextField(_("进展情况"))
    figure = models.DecimalField(_("本次完成数"), max_digits=10, decimal_places=1, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("审核意见"), max_length=300, blank=True)
    case = models.ForeignKey(
        "library.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    reach_fields = TARGET_REACH

    class Meta:
        verbose_name = _("进展报告")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target} {self.submitted_at:%Y-%m-%d}"


def evidence_path(instance, filename: str) -> str:
    return f"targets/{timezone.now():%Y/%m}/{instance.sha256}{instance.extension}"


class Evidence(models.Model):
    """A photo or document proving a progress report (type checked by content)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    reach_fields = {
        "district": "report__target__branch__town__district_id",
        "town": "report__target__branch__town_id",
        "branch": "report__target__branch_id",
    }

    class Meta:
        verbose_name = _("佐证材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
