"""看·学: the exhibition hall, videos, documents, cases and exemplars, and learning hours.

Library content is district-wide: every logged-in user of the district sees it (`library.view`),
centre staff and the district admin edit it (`library.manage`). Learning records belong to a
branch and to members (`learning.view` through reach; a member sees their own).

Search: `search_title` / `search_body` hold jieba-segmented token text, kept current by services.
On SQLite the FTS5 table `library_item_fts` (external content, triggers in migration 0002)
indexes them; on PostgreSQL the generated column `search_vector` (their 'simple' tsvector, title
weighted A, body B; added in migration 0005, unknown to the ORM) with a GIN index does. SQLite rebuilds a
table on some later AlterField migrations, which drops its triggers: after every migrate,
`search.ensure_sqlite_index` puts missing triggers back and rebuilds the index.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels


def _upload_to(instance, filename: str) -> str:
    # The stored name never comes from the uploader: services pass "x.<extension of the sniffed type>".
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    ext = ext if ext in ("mp4", "webm", "pdf", "jpg", "png", "webp") else "bin"
    return f"library/{uuid.uuid4().hex}.{ext}"


class Tag(ChoiceLabels, models.Model):
    """An audience or subject tag: role (书记, 党务工作者…), domain (农村, 社区…) or topic."""

    class Kind(models.TextChoices):
        ROLE = "role", _("对象")
        DOMAIN = "domain", _("领域")
        TOPIC = "topic", _("主题")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)

    class Meta:
        verbose_name = _("标签")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class Item(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        PANEL = "panel", _("展板")
        VIDEO = "video", _("视频")
        DOCUMENT = "document", _("文档")
        CASE = "case", _("案例")
        EXEMPLAR = "exemplar", _("榜样")

    class HallPart(models.TextChoices):
        GUIDE = "guide", _("指导思想")
        CONTENT = "content", _("主要内容")
        OUTLOOK = "outlook", _("成就与展望")

    class Source(models.TextChoices):
        CENTRE = "centre", _("实训中心编写")
        SUPERVISION = "supervision", _("督导推荐")
        BRANCH = "branch", _("支部报送")

    class Subject(models.TextChoices):
        PERSON = "person", _("个人")
        BRANCH = "branch", _("支部")

    district = models.ForeignKey("orgs.District", on_delete=models.PROTECT, related_name="library_items")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="items", verbose_name=_("标签"))
    published = models.BooleanField(_("已发布"), default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Files (served only through this area's views, after the reach check).
    file = models.FileField(_("文件"), upload_to=_upload_to, blank=True, max_length=200)
    file_type = models.CharField(max_length=40, blank=True, editable=False)
    file_size = models.BigIntegerField(default=0, editable=False)
    image = models.FileField(_("图片"), upload_to=_upload_to, blank=True, max_length=200)
    image_type = models.CharField(max_length=40, blank=True, editable=False)
    duration = models.PositiveIntegerField(
        _("时长（秒）"), default=0, blank=True, help_text=_("视频长度；文档为建议阅读时长，学时最多按此计")
    )

    # Exhibition panels.
    hall_part = models.CharField(_("展区"), max_length=10, choices=HallPart.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    # Cases (典型案例).
    background = models.TextField(_("背景"), blank=True)
    practice = models.TextField(_("做法"), blank=True)
    effect = models.TextField(_("成效"), blank=True)
    lessons = models.TextField(_("启示"), blank=True)
    domain = models.CharField(_("领域"), max_length=12, blank=True)
    branch = models.ForeignKey(
        "orgs.Branch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("支部"),
    )
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, blank=True)
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    # Exemplars (榜样).
    subject = models.CharField(_("榜样类别"), max_length=8, choices=Subject.choices, blank=True)
    member = models.ForeignKey(
        "orgs.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("党员"),
    )

    # The segmented token text the full-text index reads (see module docstring).
    search_title = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("学习资源")
        ordering = ["-updated"]
        indexes = [models.Index(fields=["district", "kind", "published"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO

    @property
    def is_document(self) -> bool:
        return self.kind == self.Kind.DOCUMENT

    @property
    def minutes(self) -> int:
        return round(self.duration / 60)

    @property
    def domain_label(self) -> str:
        from zhibu.orgs.models import Branch

        return dict(Branch.Domain.choices).get(self.domain, self.domain)

    @property
    def studied(self) -> bool:
        """Study of this item earns 学时 (videos and documents with a file)."""
        return self.kind in (self.Kind.VIDEO, self.Kind.DOCUMENT) and bool(self.file) and self.duration > 0


class Photo(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_upload_to, max_length=200)
    image_type = models.CharField(max_length=40, editable=False)
    caption = models.CharField(_("说明"), max_length=100, blank=True)

    reach_fields = {"district": "item__district_id"}

    class Meta:
        verbose_name = _("图片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or str(self.pk)


class Progress(models.Model):
    """One person's study of one item: seconds credited in total, where they stopped, the last heartbeat."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="library_progress")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="progress")
    seconds = models.PositiveIntegerField(default=0)
    position = models.FloatField(default=0)
    last_beat = models.DateTimeField(null=True, blank=True)
    refused = models.PositiveIntegerField(default=0, help_text=_("未计入的心跳次数"))
    updated = models.DateTimeField(auto_now=True)

    reach_fields = {
        "district": "member__branch__town__district_id",
        "town": "member__branch__town_id",
        "branch": "member__branch_id",
    }
    reach_self = "member_id"

    class Meta:
        verbose_name = _("学习进度")
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="progress_once")]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.item_id}: {self.seconds}s"


class StudyDay(models.Model):
    """Credited seconds of one person on one item on one day: the ledger yearly totals are summed from."""

    member = models.ForeignKey("orgs.Member", on_delete=models.CASCADE, related_name="study_days")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="study_days")
    kind = models.CharField(max_length=10)
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)

    reach_fields = {
        "district": "member__branch__town__district_id",
        "town": "member__branch__town_id",
        "branch": "member__branch_id",
    }
    reach_self = "member_id"

    class Meta:
        verbose_name = _("在线学习记录")
        constraints = [models.UniqueConstraint(fields=["member", "item", "day"], name="study_day_once")]
        indexes = [models.Index(fields=["member", "day"])]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.item_id} {self.day}: {self.seconds}s"


class CollectiveStudy(models.Model):
    """集中学习: offline study of a branch, recorded by its secretary or affairs worker."""

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="collective_studies")
    date = models.DateField(_("日期"))
    topic = models.CharField(_("学习主题"), max_length=120)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    attendees = models.ManyToManyField(
        "orgs.Member", related_name="collective_studies", verbose_name=_("参加人员")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("集中学习")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"


class HallVisit(models.Model):
    """A branch's group guided through the exhibition hall; each person who came is one training person-time."""

    branch = models.ForeignKey("orgs.Branch", on_delete=models.CASCADE, related_name="hall_visits")
    date = models.DateField(_("参观日期"))
    guide = models.CharField(_("讲解员"), max_length=30, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    attendees = models.ManyToManyField("orgs.Member", related_name="hall_visits", verbose_name=_("参观人员"))
    guests = models.PositiveSmallIntegerField(_("其他人员人数"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    reach_fields = {"district": "branch__town__district_id", "town": "branch__town_id", "branch": "branch_id"}

    class Meta:
        verbose_name = _("展厅参观")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.branch} {self.date}"
