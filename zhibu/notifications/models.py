from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels


class Notification(ChoiceLabels, models.Model):
    """One message in a person's in-app inbox. Other areas add kinds as they land."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("通知")
        MEETING = "meeting", _("会议通知")
        REVIEW = "review", _("审核结果")
        DISPATCH = "dispatch", _("调度指令")
        RETRAINING = "retraining", _("补训通知")
        EXAM = "exam", _("考试安排")
        ACCOUNT = "account", _("账号")
        SUPERVISION = "supervision", _("督导意见")
        ESCALATION = "escalation", _("逾期")
        TRAINING = "training", _("培训班")
        TARGETS = "targets", _("支部目标")

    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The same event notified twice (a retried task) gives one message.
    dedupe_key = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("消息")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once",
            )
        ]

    def __str__(self) -> str:
        return self.title
