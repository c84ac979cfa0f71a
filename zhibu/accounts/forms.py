from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.orgs.models import Branch, District, Town

from .models import Role


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _("用户名只能用字母、数字和 _ . @ -，至少3位")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), help_text=_("首次登录时必须修改")
    )


class GrantForm(forms.Form):
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.all())
    unit = forms.CharField(label=_("范围（区、乡镇或支部的编码）"), max_length=30)

    def __init__(self, *args, districts, towns, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = (districts, towns, branches)

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        districts, towns, branches = self.scopes
        for key, qs in (("district", districts), ("town", towns), ("branch", branches)):
            found = qs.filter(code=code).first()
            if found:
                return {key: found}
        raise forms.ValidationError(
            _("没有编码为“%(code)s”的单位，或不在您的管理范围内"), params={"code": code}
        )


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["name", "capabilities"]

    capabilities = forms.MultipleChoiceField(
        label=_("权限"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        from .capabilities import CAPABILITIES

        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = [(k, f"{v}（{k}）") for k, v in CAPABILITIES.items()]


class OtpForm(forms.Form):
    token = forms.RegexField(
        label=_("验证码"),
        regex=r"^\d{6}$",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"invalid": _("请输入手机验证器上的6位数字")},
    )


__all__ = ["Branch", "District", "GrantForm", "OtpForm", "RoleForm", "Town", "UserCreateForm"]
