"""练: classes and their rosters, the timetable, drills scored by rubric, online exams, outcomes.

Visibility: a class is seen by those with a district grant (centre staff, admin, auditor, instructors),
by secretaries and supervisors when someone of their reach is on its roster, and by a trainee who is
on it (reach_self). Rows of a class's roster are scoped by the member's branch.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhibu.core.choices import ChoiceLabels
from zhibu.orgs.models import District, Member

CLASS_REACH = {
    "district": "district_id",
    "town": "enrolments__member__branch__town_id",
    "branch": "enrolments__member__branch_id",
}
MEMBER_REACH = {
    "district": "member__branch__town__district_id",
    "town": "member__branch__town_id",
    "branch": "member__branch_id",
}
# A roster row lies in its class's district (services.enrolment_add admits only that district's members):
# a district's staff see it by the class, without joining every member; a town or branch by the member.
ROSTER_REACH = {
    "district": "klass__district_id",
    "town": "member__branch__town_id",
    "branch": "member__branch_id",
}
ENROLMENT_REACH = {
    "district": "enrolment__klass__district_id",
    "town": "enrolment__member__branch__town_id",
    "branch": "enrolment__member__branch_id",
}


class TrainingClass(ChoiceLabels, models.Model):
    class Category(models.TextChoices):
        ROTATION = "rotation", _("全员轮训")
        SECRETARY = "secretary", _("书记专题")
        AFFAIRS = "affairs", _("党务工作者")
        NEW_COMMITTEE = "new_committee", _("新一届村“两委”")
        MEMBER = "member", _("普通党员")
        RETRAINING = "retraining", _("补训")

    class Status(models.TextChoices):
        PLANNING = "planning", _("筹备中")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结业")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="training_classes")
    name = models.CharField(_("班次名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    start = models.DateField(_("开班日期"))
    end = models.DateField(_("结业日期"))
    capacity = models.PositiveIntegerField(_("容量"), null=True, blank=True, help_text=_("留空为不限"))
    audience = models.JSONField(_("调训对象规则"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNING)
    min_attendance = models.PositiveSmallIntegerField(_("最低出勤率（%）"), default=80)
    exam_pass = models.PositiveSmallIntegerField(_("考试及格分（百分制）"), default=60)
    drill_threshold = models.PositiveSmallIntegerField(
        _("演练合格分"), default=60, help_text=_("演练总分低于此分记为“演练不认真”")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    reach_fields = CLASS_REACH
    reach_self = "enrolments__member_id"

    class Meta:
        verbose_name = _("培训班")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["district", "category", "start"])]

    def __str__(self) -> str:
        return self.name


class Enrolment(ChoiceLabels, models.Model):
    """One member on a class's roster (调训名单)."""

    class Status(models.TextChoices):
        INVITED = "invited", _("已通知")
        CONFIRMED = "confirmed", _("已确认")
        LEAVE = "leave", _("请假待批")
        EXCUSED = "excused", _("准假")

    class Source(models.TextChoices):
        RULE = "rule", _("调训规则")
        MANUAL = "manual", _("手工添加")
        RETRAINING = "retraining", _("补训安排")

    class Result(models.TextChoices):
        PENDING = "", _("未结业")
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")

    klass = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrolments")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INVITED)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.RULE)
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_refused = models.BooleanField(_("请假未准"), default=False)
    attendance = models.FloatField(_("出勤率（%）"), null=True, blank=True)
    exam_score = models.FloatField(_("考试成绩"), null=True, blank=True)
    drill_total = models.FloatField(_("演练得分"), null=True, blank=True)
    result = models.CharField(_("结业结果"), max_length=8, choices=Result.choices, blank=True, default="")
    result_note = models.CharField(_("结果说明"), max_length=200, blank=True)

    reach_fields = ROSTER_REACH
    reach_self = "member_id"

    class Meta:
        verbose_name = _("调训名单")
        ordering = ["klass", "member__branch__code", "member_id"]
        constraints = [models.UniqueConstraint(fields=["klass", "member"], name="training_enrolment_once")]

    def __str__(self) -> str:
        return f"{self.klass} · {self.member}"


class Resource(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        DRILL_ROOM = "drill_room", _("演练室")
        HALL = "hall", _("展厅")
        LECTURE = "lecture", _("教室")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="training_resources")
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=40)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("场地")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="training_resource_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Faculty(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        LEADER = "leader", _("区领导")
        SCHOOL = "school", _("党校教师")
        GUIDE = "guide", _("基层指导教师")
        ACTOR = "actor", _("模拟演练员")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="training_faculty")
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("职务/专长"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="faculty"
    )

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("师资")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class LessonPlan(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="lesson_plans")
    title = models.CharField(_("教案名称"), max_length=100)
    objectives = models.TextField(_("教学目标"), blank=True)
    outline = models.TextField(_("教学过程"), blank=True)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("教案")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class DrillScript(models.Model):
    """演练范本: the steps of one meeting procedure, played out by trainees and actors."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="drill_scripts")
    title = models.CharField(_("范本名称"), max_length=100)
    meeting = models.CharField(_("会议类型"), max_length=30)
    steps = models.JSONField(_("程序步骤"), default=list)
    roles = models.CharField(_("角色分工"), max_length=200, blank=True)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("演练范本")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Session(ChoiceLabels, models.Model):
    """One timetable entry of a class."""

    class Kind(models.TextChoices):
        SEE = "see", _("看·展厅参观")
        LEARN = "learn", _("学·讲授与视频")
        DRILL = "drill", _("练·模拟演练")
        CASE = "case", _("案例教学")
        IMMERSIVE = "immersive", _("沉浸式教学")
        INTERVIEW = "interview", _("访谈式教学")

    klass = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("课程"), max_length=100)
    kind = models.CharField(_("形式"), max_length=10, choices=Kind.choices)
    starts = models.DateTimeField(_("开始"))
    ends = models.DateTimeField(_("结束"))
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("场地"),
    )
    faculty = models.ManyToManyField(Faculty, blank=True, related_name="sessions", verbose_name=_("师资"))
    lesson_plan = models.ForeignKey(
        LessonPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("教案")
    )
    drill_script = models.ForeignKey(
        DrillScript,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("演练范本"),
    )

    reach_fields = {"district": "klass__district_id"}

    class Meta:
        verbose_name = _("课程安排")
        ordering = ["starts", "id"]
        indexes = [models.Index(fields=["resource", "starts"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.starts:%m-%d %H:%M}）"


class Attendance(ChoiceLabels, models.Model):
    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("工作人员登记")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    at = models.DateTimeField(_("签到时间"))
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices, default=Method.QR)

    reach_fields = ENROLMENT_REACH

    class Meta:
        verbose_name = _("签到")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="training_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.member} @ {self.session}"


class Rubric(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="rubrics")
    name = models.CharField(_("评分表"), max_length=100)
    spread_ratio = models.FloatField(
        _("分歧提示阈值"),
        default=0.3,
        help_text=_("同一评分项最高分与最低分之差超过满分的这一比例时提示分歧"),
    )

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("评分表")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评分项"), max_length=50)
    max_points = models.PositiveSmallIntegerField(_("满分"))
    levels = models.JSONField(_("等级"), default=list, help_text=_('如 [["优", 20], ["良", 16]]'))
    order = models.PositiveSmallIntegerField(default=0)

    reach_fields = {"district": "rubric__district_id"}

    class Meta:
        verbose_name = _("评分项")
        ordering = ["rubric", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Drill(models.Model):
    klass = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="drills")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="drills"
    )
    title = models.CharField(_("演练名称"), max_length=100)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="drills", verbose_name=_("评分表")
    )
    script = models.ForeignKey(
        DrillScript,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drills",
        verbose_name=_("演练范本"),
    )

    reach_fields = {
        "district": "klass__district_id",
        "town": "klass__enrolments__member__branch__town_id",
        "branch": "klass__enrolments__member__branch_id",
    }
    reach_self = "klass__enrolments__member_id"

    class Meta:
        verbose_name = _("演练")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class DrillEntry(models.Model):
    """Who is scored: one trainee, or a team playing one meeting together."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="entries")
    name = models.CharField(_("名称"), max_length=100)
    enrolments = models.ManyToManyField(Enrolment, related_name="drill_entries")
    total = models.FloatField(null=True, blank=True, editable=False)
    flagged = models.BooleanField(default=False, editable=False)

    reach_fields = {"district": "drill__klass__district_id"}

    class Meta:
        verbose_name = _("演练对象")
        ordering = ["drill", "id"]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    entry = models.ForeignKey(DrillEntry, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drill_scores"
    )
    points = models.PositiveSmallIntegerField(_("得分"))
    note = models.CharField(_("点评"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    reach_fields = {"district": "entry__drill__klass__district_id"}

    class Meta:
        verbose_name = _("评分")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "scorer", "criterion"], name="training_score_once_per_scorer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.criterion} {self.points}"


class Question(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        JUDGE = "judge", _("判断题")
        FILL = "fill", _("填空题")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="questions")
    topic = models.CharField(_("专题"), max_length=30)
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), default=3, choices=[(i, str(i)) for i in range(1, 6)], help_text=_("1 最易，5 最难")
    )
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("答案"))
    explanation = models.CharField(_("解析"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    reach_fields = {"district": "district_id"}

    class Meta:
        verbose_name = _("试题")
        ordering = ["topic", "kind", "id"]
        indexes = [models.Index(fields=["district", "topic", "kind"])]

    def __str__(self) -> str:
        return self.stem[:30]


class Exam(models.Model):
    klass = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="exams")
    title = models.CharField(_("考试名称"), max_length=100)
    opens = models.DateTimeField(_("开考时间"))
    closes = models.DateTimeField(_("截止时间"))
    minutes = models.PositiveSmallIntegerField(_("答题时长（分钟）"), default=30)
    quotas = models.JSONField(_("抽题规则"), default=list, help_text=_("专题 × 题型 × 题数"))

    reach_fields = {
        "district": "klass__district_id",
        "town": "klass__enrolments__member__branch__town_id",
        "branch": "klass__enrolments__member__branch_id",
    }
    reach_self = "klass__enrolments__member_id"

    class Meta:
        verbose_name = _("考试")
        ordering = ["opens", "id"]

    def __str__(self) -> str:
        return self.title


def new_token() -> str:
    """A fresh key binding a paper to one browser (kept in that browser's session)."""
    return secrets.token_urlsafe(24)


class Attempt(models.Model):
    """One examinee's paper. `token` binds it to the browser that started it."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attempts")
    token = models.CharField(max_length=64, default=new_token)
    questions = models.JSONField(default=list)
    started = models.DateTimeField(_("开始作答"))
    deadline = models.DateTimeField(_("作答截止"))
    submitted = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    correct = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(_("成绩"), null=True, blank=True)

    reach_fields = ENROLMENT_REACH
    reach_self = "enrolment__member_id"

    class Meta:
        verbose_name = _("答卷")
        constraints = [models.UniqueConstraint(fields=["exam", "enrolment"], name="training_attempt_once")]

    def __str__(self) -> str:
        return f"{self.exam} · {self.enrolment.member}"


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField(null=True)
    correct = models.BooleanField(null=True)
    saved = models.DateTimeField()

    class Meta:
        verbose_name = _("作答")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="training_answer_once")]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.question_id}"


class Certificate(models.Model):
    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="certificate")
    number = models.CharField(_("证书编号"), max_length=30, unique=True)
    issued = models.DateField(_("发证日期"))

    reach_fields = ENROLMENT_REACH
    reach_self = "enrolment__member_id"

    class Meta:
        verbose_name = _("结业证书")
        ordering = ["-issued", "number"]

    def __str__(self) -> str:
        return self.number


class Retraining(ChoiceLabels, models.Model):
    """补训: someone who must train again, and where they were placed."""

    class Reason(models.TextChoices):
        ABSENT = "absent", _("缺课")
        EXAM = "exam", _("考试不及格")
        DRILL = "drill", _("演练不认真")
        SUPERVISION = "supervision", _("督导发现问题")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="retrainings")
    reason = models.CharField(_("原因"), max_length=12, choices=Reason.choices)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    from_enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="retrainings_caused"
    )
    placed = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="retrainings_placed"
    )
    created = models.DateTimeField(auto_now_add=True)

    reach_fields = MEMBER_REACH
    reach_self = "member_id"

    class Meta:
        verbose_name = _("补训")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["-created", "-id"], name="training_retraining_newest")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "reason", "from_enrolment"],
                name="training_retraining_once_per_cause",
                condition=models.Q(from_enrolment__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_reason_display()}"
