import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.orgs.models import Member

from .models import MEETING_TYPES, Attachment, Exclusion, Meeting, Resolution, ScheduleItem


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


def meeting_revision(meeting) -> str:
    """A short fingerprint of a record's editable fields, to notice concurrent edits."""
    import hashlib
    import json

    from django.forms.models import model_to_dict

    values = model_to_dict(meeting, fields=MeetingForm._meta.fields)
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


class MeetingForm(forms.ModelForm):
    types = forms.MultipleChoiceField(
        label=_("会议类型（可多选：如主题党日同时是党员大会和党课）"),
        choices=MEETING_TYPES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一种会议类型")},
    )

    class Meta:
        model = Meeting
        fields = [
            "types",
            "date",
            "start_time",
            "place",
            "topic",
            "chair",
            "recorder",
            "lecturer",
            "lecturer_text",
            "group",
            "election",
            "schedule_item",
            "minutes",
        ]
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "minutes": forms.Textarea(attrs={"rows": 12}),
        }

    # The record as it was when the form was loaded: a save over someone else's newer edit is refused.
    revision = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, branch, planning: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["revision"].initial = meeting_revision(self.instance)
        people = Member.objects.filter(branch=branch).filter(Q(left__isnull=True)).order_by("id")
        for name in ("chair", "recorder", "lecturer"):
            self.fields[name].queryset = people
        self.fields["group"].queryset = branch.groups.all()
        year = datetime.date.today().year
        self.fields["schedule_item"].queryset = ScheduleItem.objects.filter(
            district_id=branch.town.district_id, year__in=(year - 1, year, year + 1)
        )
        if planning:
            del self.fields["minutes"]

    def clean_revision(self):
        revision = self.cleaned_data.get("revision")
        if revision and self.instance.pk and revision != meeting_revision(self.instance):
            raise forms.ValidationError(
                _(
                    "这条纪实在您打开之后已被他人修改；为免覆盖他人的内容，本次未保存。请刷新页面，核对后重新填写。"
                )
            )
        return revision


class ResolutionForm(forms.ModelForm):
    class Meta:
        model = Resolution
        fields = ["title", "yes", "no", "abstain", "declared"]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Attachment.Kind.choices)
    file = forms.FileField(
        label=_("文件"), help_text=_("照片、签到表扫描件（JPG/PNG/PDF）、视频（MP4）、录音（MP3/M4A）")
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("approved", _("审核通过")), ("returned", _("退回修改"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AmendmentForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=200)
    text = forms.CharField(label=_("更正内容"), widget=forms.Textarea(attrs={"rows": 4}))


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("请假原因"), max_length=200)


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("三会一课台账（.xlsx）"),
        help_text=_(
            "每行一次会议：会议日期、会议类型、地点、主持人、记录人、议题、到会人员、请假人员、缺席人员、会议记录、提交日期"
        ),
    )


class ScheduleItemForm(forms.ModelForm):
    class Meta:
        model = ScheduleItem
        fields = ["year", "month", "meeting_type", "title", "readings", "link"]
        widgets = {"readings": forms.Textarea(attrs={"rows": 3})}

    def clean_month(self):
        month = self.cleaned_data["month"]
        if not 1 <= month <= 12:
            raise forms.ValidationError(_("月份应为 1 到 12"))
        return month

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年度不正确"))
        return year

    def clean_link(self):
        link = self.cleaned_data["link"].strip()
        if link and not link.startswith("/"):
            raise forms.ValidationError(_("只能填写平台内的地址（以 / 开头），不链接外网"))
        return link


class ExclusionForm(forms.ModelForm):
    class Meta:
        model = Exclusion
        fields = ["member", "start", "end", "reason"]
        widgets = {"start": DateInput(), "end": DateInput()}
        labels = {"member": _("党员")}

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(branch=branch, left__isnull=True).order_by(
            "id"
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("截止日期不能早于起始日期"))
        return data
