from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Branch, Member


class DateInput(forms.DateInput):
    input_type = "date"


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "phone",
            "id_number",
            "party_joined",
            "full_since",
            "joined",
            "group",
        ]
        widgets = {f: DateInput() for f in ["birth_date", "party_joined", "full_since", "joined"]}

    def __init__(self, *args, branch: Branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = branch.groups.all()
        self.fields["id_number"].widget = forms.TextInput(attrs={"autocomplete": "off"})
        self.fields["phone"].widget = forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"})
        self.branch = branch

    def clean_id_number(self):
        from .roster import valid_id_number

        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value and not valid_id_number(value):
            raise forms.ValidationError(_("身份证号不是有效的18位号码（位数或校验位不对）"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("full_since") and data.get("party_joined") and data["full_since"] < data["party_joined"]:
            self.add_error("full_since", _("转正日期不能早于入党日期"))
        return data


class TransferForm(forms.Form):
    to_branch = forms.ModelChoiceField(queryset=Branch.objects.none(), label=_("转入支部"))
    date = forms.DateField(label=_("转接日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("名册文件（.xlsx）"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
        return f
