"""Pages of 因材施教: training needs, personal learning plans, the effect measure, the branch health page."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from zhibu.accounts.reach import get_visible_or_404, has_capability, visible
from zhibu.core import audit, figures
from zhibu.core.pagination import Paginator
from zhibu.orgs.models import Branch, District, Member, Town
from zhibu.supervision.forms import DateField

from . import health, selectors, services

VIEW = "plans.view"


def _viewer(user) -> None:
    if not has_capability(user, VIEW):
        raise Http404


def _town(request):
    code = request.GET.get("town", "").strip()
    return get_visible_or_404(Town.objects.all(), request.user, VIEW, code=code) if code else None


@login_required
def index(request):
    user = request.user
    if not has_capability(user, VIEW):
        if user.member_id:
            return redirect("plans:mine")
        raise Http404
    town = _town(request)
    branches = visible(Branch, user, VIEW).select_related("town").order_by("code")
    towns = visible(Town, user, VIEW).filter(pk__in=branches.values("town_id")).order_by("code")
    if town is not None:
        branches = branches.filter(town=town)
    elif towns.count() > 1:
        branches = branches.none()
    context = {"town": town, "towns": towns, "branches": branches[:400], "has_member": bool(user.member_id)}
    return render(request, "plans/index.html", context)


class NeedClassForm(forms.Form):
    group = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("班次名称"), max_length=100)
    start = DateField(label=_("开班日期"))
    end = DateField(label=_("结业日期"))
    capacity = forms.IntegerField(label=_("本期人数"), min_value=1, max_value=500, initial=100)


def _years(request) -> int:
    try:
        return max(1, min(10, int(request.GET.get("years") or request.POST.get("years") or 3)))
    except ValueError:
        return 3


def _groups(request, town):
    years = _years(request)
    groups = selectors.needs(request.user, years=years, town=town)
    news = selectors.newcomers(request.user, town=town)
    return years, groups, news


@login_required
def needs(request):
    user = request.user
    _viewer(user)
    town = _town(request)
    years = _years(request)
    params = (years, town.pk if town else None, datetime.date.today())
    groups, computed = figures.shared(
        "plans-needs", user, VIEW, params, lambda: selectors.needs(user, years=years, town=town, ids=False)
    )
    news = selectors.newcomers(user, town=town)
    manage = visible(District, user, "training.manage").first()
    # Every group's form has the same fields: drawn once (a form field is several template renders), each
    # copy with its own ids so a label belongs to its own form's field.
    fields = (
        render_to_string("plans/_need_class_fields.html", {"form": NeedClassForm(auto_id="need-FORM-%s")})
        if manage is not None
        else ""
    )

    def fields_for(name: str) -> str:
        return mark_safe(fields.replace("need-FORM-", f"need-{name}-"))  # rendered by our own template above

    context = {
        "years": years,
        "town": town,
        "groups": groups,
        "computed": computed,
        "news": news,
        "page": Paginator(news["listings"], 50).get_page(request.GET.get("page")),
        "can_plan": manage is not None,
        "rows": [(g, fields_for(str(n))) for n, g in enumerate(groups, 1)],
        "new_fields": fields_for("new"),
    }
    return render(request, "plans/needs.html", context)


@login_required
@require_POST
def need_class(request):
    user = request.user
    _viewer(user)
    district = visible(District, user, "training.manage").first()
    if district is None:
        raise PermissionDenied("您的角色没有此项操作权限")
    town = _town(request)
    years, groups, news = _groups(request, town)
    form = NeedClassForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}：{errs[0]}")
        return redirect(reverse("plans:needs") + f"?years={years}")
    key = form.cleaned_data["group"]
    group = news["group"] if key == "new_committee" else next((g for g in groups if g["key"] == key), None)
    if group is None:
        raise Http404
    try:
        klass, placed = services.need_to_class(
            district=district,
            group=group,
            name=form.cleaned_data["name"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            capacity=form.cleaned_data["capacity"],
            by=user,
        )
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
        return redirect(reverse("plans:needs") + f"?years={years}")
    audit.record(request, "plans.need_class", f"TrainingClass:{klass.pk}", {"group": group["key"]})
    figures.changed("plans-needs")  # those placed leave the list now, not when the shared copy expires
    messages.success(request, f"已按“{group['label']}”需求开设“{klass.name}”，{placed} 人列入调训名单")
    return redirect("training:class", klass.pk)


@login_required
def mine(request):
    if not request.user.member_id:
        raise Http404
    return redirect("plans:plan", request.user.member_id)


@login_required
def plan(request, pk):
    member = get_visible_or_404(Member.objects.select_related("branch__town"), request.user, VIEW, pk=pk)
    context = selectors.plan_for(member, request.user, timezone.localdate())
    return render(request, "plans/plan.html", context)


def _effect_window(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    try:
        years = max(1, min(5, int(request.GET.get("years") or 2)))
    except ValueError:
        years = 2
    return datetime.date(today.year - years + 1, 1, 1), today


@login_required
def effect_view(request):
    user = request.user
    _viewer(user)
    district = visible(District, user, VIEW).first()
    if district is None:
        raise Http404
    start, end = _effect_window(request)
    rows, job = selectors.effect_result(district, start, end, user)
    if rows is None:
        return render(request, "plans/effect.html", {"job": job, "start": start, "end": end})
    towns = set(visible(Town, user, VIEW).values_list("name", flat=True))
    if len(towns) < district.towns.count():  # a town's own rows, and the district's totals
        rows = [r for r in rows if r.town in towns or r.town == "合计"]
    labels = {k: v.title for k, v in _rule_titles().items()}
    for r in rows:
        r.label = labels.get(r.rule, r.rule)
    context = {"rows": rows, "start": start, "end": end, "district": district}
    return render(request, "plans/effect.html", context)


def _rule_titles():
    from zhibu.rules.engine import RULES

    return RULES


@login_required
def branch_health(request, code):
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, VIEW, code=code)
    context = {"branch": branch, "s": health.check_up(branch, request.user, timezone.localdate())}
    return render(request, "plans/health.html", context)
