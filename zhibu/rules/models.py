"""The rule configuration as versioned data, and the ids a branch's imported ledger used."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels


class RuleConfig(models.Model):
    """One version of the district's rule configuration: overrides of DEFAULT_CONFIG; the latest is in force."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    overrides = models.JSONField(_("配置（覆盖默认值）"), default=dict)
    reason = models.CharField(_("修改原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("规则配置")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class LedgerKey(ChoiceLabels, models.Model):
    """The id an imported ledger gave a member, group or meeting, so re-importing finds the same row."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("党员")
        GROUP = "group", _("党小组")

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=60)
    object_id = models.PositiveIntegerField()

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("台账编号")
        constraints = [models.UniqueConstraint(fields=["branch", "kind", "key"], name="ledger_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
