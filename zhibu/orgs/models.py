"""The organisation tree (district → town → branch → group) and its members."""

import datetime

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels
from zhibu.core.crypto import EncryptedTextField, blind_index, mask


class District(models.Model):
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    reach_fields = {"district": "id"}

    class Meta:
        verbose_name = _("区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Town(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", _("镇")
        STREET = "street", _("街道")
        TOWNSHIP = "township", _("乡")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="towns")
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.TOWN)

    reach_fields = {"district": "district_id", "town": "id"}

    class Meta:
        verbose_name = _("乡镇（街道）")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(ChoiceLabels, models.Model):
    class Domain(models.TextChoices):
        RURAL = "rural", _("农村")
        COMMUNITY = "community", _("社区")
        AGENCY = "agency", _("机关")
        ENTERPRISE = "enterprise", _("企业")
        SCHOOL = "school", _("学校")
        OTHER = "other", _("其他")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="branches")
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    domain = models.CharField(_("领域"), max_length=12, choices=Domain.choices)
    established = models.DateField(_("成立日期"), null=True, blank=True)
    committee_elected = models.DateField(_("本届支委会选举日期"), null=True, blank=True, editable=False)

    reach_fields = {"district": "town__district_id", "town": "town_id", "branch": "id"}

    class Meta:
        verbose_name = _("党支部")
        ordering = ["code"]
        indexes = [models.Index(fields=["town", "code"])]

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        new = self._state.adding
        super().save(*args, **kwargs)
        if not new:  # its meetings carry its town (records.Meeting.town): moved to another town, they go too
            self.meetings.exclude(town_id=self.town_id).update(town_id=self.town_id)

    def members_on(self, day: datetime.date):
        """Members in the branch on a day (joined ≤ day < left)."""
        return self.members.filter(Q(left__isnull=True) | Q(left__gt=day), joined__lte=day)


class Election(models.Model):
    """One committee election (换届选举); the latest sets the branch's committee_elected."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="elections")
    date = models.DateField(_("选举日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("换届选举")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["branch", "date"], name="election_once_a_day")]

    def __str__(self) -> str:
        return f"{self.branch} {self.date}"


class Group(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("名称"), max_length=50)

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("党小组")
        ordering = ["branch", "id"]
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="group_name_unique")]

    def __str__(self) -> str:
        return self.name


class Member(ChoiceLabels, models.Model):
    """A person's membership of one branch, with the fields of a 党员花名册.

    A transfer closes this row (`left`) and opens one in the new branch linked by `previous`,
    so each branch's history stays as it was.
    """

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专")
        COLLEGE = "college", _("大专")
        BACHELOR = "bachelor", _("本科")
        MASTER = "master", _("硕士研究生")
        DOCTOR = "doctor", _("博士研究生")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="members")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    party_joined = models.DateField(_("入党日期"), null=True, blank=True)
    full_since = models.DateField(_("转正日期"), null=True, blank=True)
    joined = models.DateField(_("转入本支部日期"))
    left = models.DateField(_("离开本支部日期"), null=True, blank=True)
    left_reason = models.CharField(_("离开原因"), max_length=100, blank=True)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next",
        verbose_name=_("转出前记录"),
    )

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}
    reach_self = "id"

    class Meta:
        verbose_name = _("党员")
        ordering = ["branch", "id"]
        indexes = [models.Index(fields=["branch", "left"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.set_index()
        super().save(*args, **kwargs)

    def set_index(self) -> None:
        """The blind index that finds this member by ID number (saving does it; bulk writes call it)."""
        self.id_number_index = blind_index(self.id_number) if self.id_number else ""

    @property
    def is_current(self) -> bool:
        return self.left is None or self.left > datetime.date.today()

    @property
    def is_full(self) -> bool:
        return self.full_since is not None and self.full_since <= datetime.date.today()

    @property
    def phone_masked(self) -> str:
        return mask(self.phone, 3, 4)

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number, 3, 4)

    def active_roles(self, day: datetime.date | None = None):
        day = day or datetime.date.today()
        return [r for r in self.roles.all() if r.start <= day and (r.end is None or day <= r.end)]


class MemberRole(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        COMMITTEE_MEMBER = "committee_member", _("支委委员")
        GROUP_LEADER = "group_leader", _("党小组长")

    COMMITTEE = (Kind.SECRETARY, Kind.DEPUTY_SECRETARY, Kind.COMMITTEE_MEMBER)

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("职务"), max_length=20, choices=Kind.choices)
    title = models.CharField(
        _("分工"), max_length=30, blank=True, help_text=_("如 组织委员、宣传委员、纪检委员")
    )
    start = models.DateField(_("任职起"))
    end = models.DateField(_("任职止"), null=True, blank=True)

    reach_fields = {
        "district": "member__branch__town__district_id",
        "town": "member__branch__town_id",
        "branch": "member__branch_id",
    }

    class Meta:
        verbose_name = _("职务")
        ordering = ["member", "start"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_role_display()}"


class Transfer(models.Model):
    """组织关系转接: the history of a person moving between branches."""

    member_from = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="transfer_out")
    member_to = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="transfer_in")
    date = models.DateField(_("转接日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    reach_fields = {
        "district": "member_to__branch__town__district_id",
        "town": "member_to__branch__town_id",
        "branch": "member_to__branch_id",
    }

    class Meta:
        verbose_name = _("组织关系转接")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.member_from} {self.date}"
