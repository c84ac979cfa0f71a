from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .capabilities import CAPABILITIES


class User(AbstractUser):
    """A person who logs in. A member's account links to their membership record."""

    member = models.OneToOneField(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("党员"),
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.username

    def otp_device_set(self) -> bool:
        from django_otp import user_has_device

        return user_has_device(self)


class Role(models.Model):
    """A named set of capabilities; granted to a user over a reach."""

    code = models.SlugField(_("代码"), unique=True)
    name = models.CharField(_("名称"), max_length=50)
    capabilities = models.JSONField(_("权限"), default=list)
    # Default capabilities already offered to this role, so an admin's removal is not undone on upgrade.
    defaults_seen = models.JSONField(default=list, editable=False)

    class Meta:
        verbose_name = _("角色")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def capability_labels(self) -> list[str]:
        return [str(CAPABILITIES.get(c, c)) for c in self.capabilities]


class Grant(models.Model):
    """A role over one reach: the whole district, one town, or one branch."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    district = models.ForeignKey("orgs.District", null=True, blank=True, on_delete=models.CASCADE)
    town = models.ForeignKey("orgs.Town", null=True, blank=True, on_delete=models.CASCADE)
    branch = models.ForeignKey("orgs.Branch", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("授权")
        constraints = [
            models.CheckConstraint(
                name="grant_one_reach",
                condition=(
                    Q(district__isnull=False, town__isnull=True, branch__isnull=True)
                    | Q(district__isnull=True, town__isnull=False, branch__isnull=True)
                    | Q(district__isnull=True, town__isnull=True, branch__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.unit}"

    @property
    def unit(self):
        return self.district or self.town or self.branch

    @property
    def level(self) -> str:
        return "district" if self.district_id else "town" if self.town_id else "branch"
