from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.orgs.models import Branch

from .models import Item, Tag

COMMON = ["title", "summary", "body", "published"]
FIELDS = {
    Item.Kind.PANEL: ["hall_part", "position", *COMMON],
    Item.Kind.VIDEO: [*COMMON, "duration"],
    Item.Kind.DOCUMENT: [*COMMON, "duration"],
    Item.Kind.CASE: [
        "title",
        "summary",
        "background",
        "practice",
        "effect",
        "lessons",
        "domain",
        "branch",
        "source",
        "source_ref",
        "published",
    ],
    Item.Kind.EXEMPLAR: ["subject", "branch", *COMMON],
}
UPLOADS = {
    Item.Kind.PANEL: {"image": _("展板图片（JPEG/PNG/WebP）")},
    Item.Kind.VIDEO: {"file": _("视频文件（MP4/WebM）"), "image": _("封面图片")},
    Item.Kind.DOCUMENT: {"file": _("PDF 文档")},
    Item.Kind.CASE: {"photo": _("添加一张照片")},
    Item.Kind.EXEMPLAR: {"image": _("照片")},
}


def item_form_class(kind: str):
    class ItemForm(forms.ModelForm):
        tags = forms.ModelMultipleChoiceField(
            Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, label=_("标签")
        )

        class Meta:
            model = Item
            fields = FIELDS[kind]
            widgets = {"body": forms.Textarea(attrs={"rows": 8})}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "branch" in self.fields:
                self.fields["branch"].queryset = Branch.objects.select_related("town").order_by("code")
                self.fields["branch"].required = False
            if "domain" in self.fields:
                self.fields["domain"] = forms.ChoiceField(
                    choices=[("", "—"), *Branch.Domain.choices], required=False, label=_("领域")
                )
            if "hall_part" in self.fields:
                self.fields["hall_part"].required = True
            if "subject" in self.fields:
                self.fields["subject"].required = True
            for name, label in UPLOADS[kind].items():
                self.fields[name] = forms.FileField(label=label, required=False)
            if kind == Item.Kind.CASE:
                self.fields["photo_caption"] = forms.CharField(
                    label=_("照片说明"), required=False, max_length=100
                )
            if self.instance.pk:
                self.fields["tags"].initial = list(self.instance.tags.values_list("pk", flat=True))

    return ItemForm


class CollectiveStudyForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("学习主题"), max_length=120)
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1, min_value=0)
    attendees = forms.ModelMultipleChoiceField(
        queryset=None, label=_("参加人员"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members


class HallVisitForm(forms.Form):
    date = forms.DateField(label=_("参观日期"), widget=forms.DateInput(attrs={"type": "date"}))
    attendees = forms.ModelMultipleChoiceField(
        queryset=None, label=_("参观人员"), widget=forms.CheckboxSelectMultiple
    )
    guests = forms.IntegerField(label=_("其他人员人数"), min_value=0, initial=0, required=False)
    guide = forms.CharField(label=_("讲解员"), max_length=30, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
