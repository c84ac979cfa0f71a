from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.core.dates import parse_date

from .models import Dispatch, Finding


class DateField(forms.CharField):
    """Dates as offices write them (2026-03-05, 2026年3月5日, 2026.3.5)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            day = parse_date(value)
        except Exception:  # noqa: BLE001
            day = None
        if day is None:
            raise forms.ValidationError(_("日期格式不对，请写成 2026-03-05"))
        return day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FindingForm(forms.Form):
    category = forms.ChoiceField(label=_("问题类别"), choices=Finding.Category.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Finding.Severity.choices)
    text = forms.CharField(label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 3}))
    fix = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))


class RectificationForm(forms.Form):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("佐证材料（PDF 或图片，可多选）"))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理"), choices=[("close", _("销号")), ("return", _("退回继续整改"))]
    )
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    priority = forms.ChoiceField(label=_("优先级"), choices=Dispatch.Priority.choices)
    deadline = DateField(label=_("办结期限"), widget=forms.DateInput(attrs={"type": "date"}))
    scope = forms.ChoiceField(
        label=_("下达范围"),
        choices=[("all", _("全部（我的管辖范围）")), ("town", _("一个乡镇")), ("branches", _("指定支部"))],
    )
    town = forms.CharField(label=_("乡镇代码"), required=False)
    branches = forms.CharField(
        label=_("支部编码"),
        required=False,
        help_text=_("一个或多个，用逗号、空格或换行分隔"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DoneForm(forms.Form):
    note = forms.CharField(label=_("办理情况"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("佐证材料（PDF 或图片，可多选）"))


class CaseForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    background = forms.CharField(label=_("背景"), widget=forms.Textarea(attrs={"rows": 3}))
    practice = forms.CharField(label=_("做法"), widget=forms.Textarea(attrs={"rows": 6}))
    effect = forms.CharField(label=_("成效"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons = forms.CharField(label=_("启示"), widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不采纳的理由"), max_length=300)
