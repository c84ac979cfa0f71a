import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.orgs.models import Branch, Town

from .models import DrillScript, Faculty, LessonPlan, Question, Resource, Session, TrainingClass
from .scoring import KIND_LABELS
from .services import AUDIENCE_ROLES

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ClassForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("调训对象：职务"),
        choices=list(AUDIENCE_ROLES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为全体党员"),
    )
    domains = forms.MultipleChoiceField(
        label=_("调训对象：支部领域"),
        choices=Branch.Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为所有领域"),
    )
    towns = forms.ModelMultipleChoiceField(
        label=_("调训对象：乡镇（街道）"),
        queryset=Town.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选为全区"),
    )
    elected_since = forms.DateField(
        label=_("仅限此日期以后换届的支部"), required=False, widget=DATE, help_text=_("用于新一届村“两委”班")
    )

    class Meta:
        model = TrainingClass
        fields = [
            "name",
            "category",
            "start",
            "end",
            "capacity",
            "min_attendance",
            "exam_pass",
            "drill_threshold",
        ]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["towns"].queryset = Town.objects.filter(district=district).order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("结业日期不能早于开班日期"))
        return data

    def audience(self) -> dict:
        d = self.cleaned_data
        rule = {
            "roles": d.get("roles") or [],
            "domains": d.get("domains") or [],
            "towns": [t.code for t in d.get("towns") or []],
        }
        if d.get("elected_since"):
            rule["elected_since"] = d["elected_since"].isoformat()
        return {k: v for k, v in rule.items() if v}


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("请假事由"), max_length=200)


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["title", "kind", "starts", "ends", "resource", "faculty", "lesson_plan", "drill_script"]
        widgets = {"starts": DATETIME, "ends": DATETIME, "faculty": forms.CheckboxSelectMultiple}

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = Resource.objects.filter(district=district)
        self.fields["faculty"].queryset = Faculty.objects.filter(district=district)
        self.fields["lesson_plan"].queryset = LessonPlan.objects.filter(district=district)
        self.fields["drill_script"].queryset = DrillScript.objects.filter(district=district)
        for name in ("starts", "ends"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DrillForm(forms.Form):
    title = forms.CharField(label=_("演练名称"), max_length=100)
    session = forms.ModelChoiceField(label=_("对应课程"), queryset=Session.objects.none(), required=False)
    script = forms.ModelChoiceField(label=_("演练范本"), queryset=DrillScript.objects.none(), required=False)
    team_size = forms.IntegerField(
        label=_("每组人数"), min_value=1, max_value=15, initial=1, help_text=_("1 为逐人评分；多人为按组演练")
    )

    def __init__(self, *args, klass=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = klass.sessions.all()
        self.fields["script"].queryset = DrillScript.objects.filter(district=klass.district)


class ExamForm(forms.Form):
    title = forms.CharField(label=_("考试名称"), max_length=100, initial="结业考试")
    opens = forms.DateTimeField(label=_("开考时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    closes = forms.DateTimeField(label=_("截止时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    minutes = forms.IntegerField(label=_("答题时长（分钟）"), min_value=5, max_value=240, initial=30)
    quotas = forms.CharField(
        label=_("抽题规则"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行：专题 题型 题数，如“党章党规 单选题 5”；专题写“任意”为不限专题"),
    )

    def clean_quotas(self):
        names = {v: k for k, v in KIND_LABELS.items()}
        rows = []
        for n, line in enumerate(self.cleaned_data["quotas"].splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 3 or parts[1] not in names:
                raise forms.ValidationError(
                    f"第 {n} 行格式应为“专题 题型 题数”，题型为单选题/多选题/判断题/填空题"
                )
            topic = "" if parts[0] == "任意" else parts[0]
            rows.append({"topic": topic, "kind": names[parts[1]], "count": parts[2]})
        return rows


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("选择题每行一个选项"),
    )
    answer_text = forms.CharField(
        label=_("答案"),
        help_text=_(
            "单选填选项字母（如 B）；多选填字母（如 ACD）；判断填“对”或“错”；填空填答案，多个可接受答案用 | 分隔"
        ),
    )

    class Meta:
        model = Question
        fields = ["topic", "kind", "difficulty", "stem", "explanation"]
        widgets = {"stem": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        options = [o.strip() for o in (data.get("options_text") or "").splitlines() if o.strip()]
        raw = (data.get("answer_text") or "").strip()
        letters = "ABCDEFGH"
        if kind in ("single", "multiple"):
            if len(options) < 2:
                self.add_error("options_text", _("选择题至少需要两个选项"))
                return data
            picks = [letters.find(ch) for ch in raw.upper() if not ch.isspace()]
            if not picks or any(p < 0 or p >= len(options) for p in picks):
                self.add_error("answer_text", f"答案须为 A–{letters[len(options) - 1]} 中的字母")
                return data
            if kind == "single" and len(picks) != 1:
                self.add_error("answer_text", _("单选题只能有一个答案"))
                return data
            data["answer"] = picks[0] if kind == "single" else sorted(set(picks))
        elif kind == "judge":
            if raw not in ("对", "错"):
                self.add_error("answer_text", _("判断题答案填“对”或“错”"))
                return data
            data["answer"], options = raw == "对", []
        elif kind == "fill":
            accepted = [a.strip() for a in raw.split("|") if a.strip()]
            data["answer"], options = accepted, []
        data["options"] = options
        return data

    def save(self, commit=True):
        self.instance.options = self.cleaned_data["options"]
        self.instance.answer = self.cleaned_data["answer"]
        return super().save(commit)


def default_times(klass):
    day = max(klass.start, timezone.localdate())
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    return start, start + datetime.timedelta(hours=2)


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["name", "kind", "capacity"]


class FacultyForm(forms.ModelForm):
    class Meta:
        model = Faculty
        fields = ["name", "kind", "title"]


class LessonPlanForm(forms.ModelForm):
    class Meta:
        model = LessonPlan
        fields = ["title", "objectives", "outline"]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 2}),
            "outline": forms.Textarea(attrs={"rows": 4}),
        }


class DrillScriptForm(forms.Form):
    title = forms.CharField(label=_("范本名称"), max_length=100)
    meeting = forms.ChoiceField(label=_("会议类型"), choices=[])
    roles = forms.CharField(
        label=_("角色分工"), max_length=200, required=False, help_text=_("如 主持人、记录人、计票人")
    )
    steps = forms.CharField(
        label=_("程序步骤"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一步；留空则按该会议的规定程序生成"),
    )

    def __init__(self, *args, **kwargs):
        from .services import meeting_steps

        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [(m, m) for m in meeting_steps()]
