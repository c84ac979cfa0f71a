from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.supervision.forms import DateField, MultipleFileField


class TaskForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("任务名称"), max_length=60, help_text=_("如 科学城建设、环境整治、乡村振兴、接诉即办")
    )
    description = forms.CharField(
        label=_("任务要求"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class AssignForm(forms.Form):
    branches = forms.MultipleChoiceField(label=_("分解到支部"), widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label=_("支部目标"), max_length=100)
    unit = forms.CharField(label=_("计量单位"), max_length=10, required=False, help_text=_("如 户、件、亩"))
    planned = forms.CharField(
        label=_("目标值"), required=False, help_text=_("无量化指标可留空，按节点计进度")
    )
    due = DateField(label=_("完成期限"))
    milestones = forms.CharField(
        label=_("节点（每行一个：日期 节点名称）"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-06-30 完成入户摸排"}),
        required=False,
    )

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branches"].choices = [(b.code, f"{b.town.name} · {b.name}") for b in branches]


class ReportForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}))
    figure = forms.CharField(label=_("本次完成数"), required=False)
    milestone = forms.TypedChoiceField(label=_("完成的节点"), required=False, coerce=int, empty_value=None)
    evidence = MultipleFileField(label=_("佐证材料（照片、PDF）"))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", "—")] + [(m.pk, f"{m.due} {m.title}") for m in milestones]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=[("approve", _("通过")), ("return", _("退回"))])
    comment = forms.CharField(label=_("审核意见"), max_length=300, required=False)


class NominateForm(forms.Form):
    title = forms.CharField(label=_("案例标题"), max_length=120, required=False)
    lessons = forms.CharField(label=_("启示"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
