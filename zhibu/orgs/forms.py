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


class GroupForm(forms.Form):
    name = forms.CharField(label=_("党小组名称"), max_length=50)


class ElectionForm(forms.Form):
    """换届选举: the date and the new committee, one member per office."""

    date = forms.DateField(label=_("选举日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    secretary = forms.ModelChoiceField(label=_("书记"), queryset=Member.objects.none())
    deputy_secretary = forms.ModelChoiceField(
        label=_("副书记"), queryset=Member.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("支委委员"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, branch: Branch, **kwargs):
        super().__init__(*args, **kwargs)
        full = branch.members.filter(left__isnull=True, full_since__isnull=False).order_by("id")
        for name in ("secretary", "deputy_secretary", "members"):
            self.fields[name].queryset = full

    def clean(self):
        data = super().clean()
        chosen = [data.get("secretary"), data.get("deputy_secretary"), *(data.get("members") or [])]
        people = [m for m in chosen if m is not None]
        if len(people) != len(set(people)):
            raise forms.ValidationError(_("同一人不能在支委会中担任两个职务"))
        return data

    def committee(self):
        data = self.cleaned_data
        rows = [(data["secretary"], "secretary", "")]
        if data.get("deputy_secretary"):
            rows.append((data["deputy_secretary"], "deputy_secretary", ""))
        rows += [(m, "committee_member", "") for m in data.get("members") or []]
        return rows
