"""Pages of 干: key tasks, branch targets, progress with evidence, town review, case nomination."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, require, visible
from zhibu.core import audit, figures
from zhibu.orgs.models import Branch, District, Town

from . import selectors, services
from .forms import AssignForm, NominateForm, ReportForm, ReviewForm, TaskForm
from .models import Evidence, KeyTask, Report, Target

VIEW, MANAGE, REVIEW, PUBLISH = "targets.view", "targets.manage", "targets.review", "targets.publish"


def _viewer(user) -> None:
    if not has_capability(user, VIEW):
        raise Http404


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _errors(request, error: ValidationError, form=None) -> None:
    if form is not None and hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                form.add_error(field if field in form.fields else None, e.messages[0])
    else:
        for m in error.messages:
            messages.error(request, m)


@login_required
def index(request):
    """District: towns; town: its branches; branch: its targets — all for one year."""
    user = request.user
    _viewer(user)
    year = _year(request)
    tasks = visible(KeyTask, user, VIEW).filter(year=year)
    targets = selectors.targets_for(user).filter(task__year=year)
    town = None
    if request.GET.get("town"):
        town = get_visible_or_404(Town.objects.all(), user, VIEW, code=request.GET["town"])
        targets = targets.filter(branch__town=town)
    towns = targets.order_by().values("branch__town_id").distinct()[:2].count()
    by = "branch" if town is not None or towns <= 1 else "town"
    rows, computed = figures.shared(
        "targets-summary",
        user,
        VIEW,
        (year, town.pk if town else None, by),
        lambda: selectors.summaries(targets, by),
    )
    branches = list(visible(Branch, user, VIEW).values_list("code", flat=True)[:2])
    context = {
        "year": year,
        "tasks": tasks,
        "rows": rows,
        "computed": computed,
        "by": by,
        "town": town,
        "own_branch": branches[0] if len(branches) == 1 else None,
        "can_publish": any(can(user, PUBLISH, d) for d in visible(District, user, PUBLISH)),
        "waiting": visible(Report, user, REVIEW)
        .filter(status=Report.Status.SUBMITTED)
        .select_related("target__branch__town")
        .order_by("submitted_at")[:50],
    }
    return render(request, "targets/index.html", context)


@login_required
def task_new(request):
    user = request.user
    districts = list(visible(District, user, PUBLISH))
    if not districts:
        _viewer(user)
        raise PermissionDenied("您的角色没有此项操作权限")
    form = TaskForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_publish(district=districts[0], by=user, **form.cleaned_data)
        except ValidationError as e:
            _errors(request, e, form)
        else:
            audit.record(request, "targets.task_publish", f"KeyTask:{task.pk}", {"title": task.title})
            messages.success(request, f"已发布重点任务“{task.title}”")
            return redirect("targets:task", task.pk)
    return render(request, "targets/task_form.html", {"form": form})


@login_required
def task_detail(request, pk):
    user = request.user
    task = get_visible_or_404(KeyTask.objects.all(), user, VIEW, pk=pk)
    targets = list(selectors.targets_for(user).filter(task=task).order_by("branch__code", "due"))
    progress = selectors.progress_of(targets)
    for t in targets:
        t.percent = progress[t.pk]
    context = {
        "task": task,
        "targets": targets,
        "can_assign": visible(Branch, user, REVIEW).exists(),
    }
    return render(request, "targets/task.html", context)


@login_required
def assign(request, pk):
    user = request.user
    task = get_visible_or_404(KeyTask.objects.all(), user, VIEW, pk=pk)
    branches = list(visible(Branch, user, REVIEW).select_related("town").order_by("code"))
    if not branches:
        raise PermissionDenied("您的角色没有此项操作权限")
    form = AssignForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["branches"])
        try:
            milestones = services.parse_milestones(form.cleaned_data["milestones"])
            targets = services.target_assign(
                task=task,
                branches=[b for b in branches if b.code in chosen],
                title=form.cleaned_data["title"],
                unit=form.cleaned_data["unit"],
                planned=form.cleaned_data["planned"],
                due=form.cleaned_data["due"],
                milestones=milestones,
                by=user,
            )
        except ValidationError as e:
            _errors(request, e, form)
        else:
            audit.record(request, "targets.assign", f"KeyTask:{task.pk}", {"branches": len(targets)})
            figures.changed("targets-summary")
            messages.success(request, f"已分解到 {len(targets)} 个支部")
            return redirect("targets:task", task.pk)
    return render(request, "targets/assign.html", {"task": task, "form": form})


@login_required
def branch_detail(request, code):
    user = request.user
    branch = get_visible_or_404(Branch.objects.select_related("town"), user, VIEW, code=code)
    year = _year(request)
    targets = list(selectors.targets_for(user).filter(branch=branch, due__year=year))
    progress = selectors.progress_of(targets)
    for t in targets:
        t.percent = progress[t.pk]
    value, lines = selectors.target_attainment(branch, year)
    context = {
        "branch": branch,
        "year": year,
        "targets": targets,
        "attainment": None if value is None else round(100 * value),
        "shortfalls": lines,
    }
    return render(request, "targets/branch.html", context)


def _target(request, pk) -> Target:
    return get_visible_or_404(
        Target.objects.select_related("task", "branch__town"), request.user, VIEW, pk=pk
    )


def _target_page(request, target, report_form=None, status=200):
    user = request.user
    milestones = list(target.milestones.all())
    reports = list(
        target.reports.select_related("submitted_by", "reviewed_by", "milestone", "case").prefetch_related(
            "evidence"
        )
    )
    can_manage = can(user, MANAGE, target) and target.status != Target.Status.DONE
    context = {
        "target": target,
        "percent": selectors.progress_of([target])[target.pk],
        "milestones": milestones,
        "reports": reports,
        "can_manage": can_manage,
        "can_review": can(user, REVIEW, target),
        "report_form": report_form
        or (ReportForm(milestones=[m for m in milestones if not m.done_on]) if can_manage else None),
        "review_form": ReviewForm(),
        "nominate_form": NominateForm(),
        "today": timezone.localdate(),
    }
    return render(request, "targets/target.html", context, status=status)


@login_required
def target_detail(request, pk):
    return _target_page(request, _target(request, pk))


@login_required
@require_POST
def report_new(request, pk):
    target = _target(request, pk)
    require(request.user, MANAGE, target)
    milestones = [m for m in target.milestones.all() if not m.done_on]
    form = ReportForm(request.POST, request.FILES, milestones=milestones)
    if form.is_valid():
        chosen = form.cleaned_data["milestone"]
        try:
            report = services.report_submit(
                target=target,
                text=form.cleaned_data["text"],
                figure=form.cleaned_data["figure"],
                milestone=next((m for m in milestones if m.pk == chosen), None),
                files=form.cleaned_data["evidence"],
                by=request.user,
            )
        except ValidationError as e:
            _errors(request, e, form)
        else:
            audit.record(request, "targets.report", f"Report:{report.pk}", {"target": target.pk})
            figures.changed("targets-summary")
            messages.success(request, "进展已报送，等待乡镇审核")
            return redirect("targets:target", target.pk)
    return _target_page(request, target, report_form=form, status=400)


def _report(request, pk) -> Report:
    return get_visible_or_404(Report.objects.select_related("target__branch"), request.user, VIEW, pk=pk)


@login_required
@require_POST
def report_review(request, pk):
    report = _report(request, pk)
    require(request.user, REVIEW, report)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
    else:
        try:
            services.report_review(
                report=report,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as e:
            _errors(request, e)
        else:
            audit.record(
                request, "targets.review", f"Report:{report.pk}", {"decision": form.cleaned_data["decision"]}
            )
            figures.changed("targets-summary")
            messages.success(request, "审核结果已通知支部")
    return redirect("targets:target", report.target_id)


@login_required
@require_POST
def report_nominate(request, pk):
    report = _report(request, pk)
    require(request.user, REVIEW, report)
    form = NominateForm(request.POST)
    form.is_valid()
    try:
        item = services.report_nominate(
            report=report,
            by=request.user,
            title=form.cleaned_data.get("title", ""),
            lessons=form.cleaned_data.get("lessons", ""),
        )
    except ValidationError as e:
        _errors(request, e)
    else:
        audit.record(request, "targets.nominate", f"Report:{report.pk}", {"case": item.pk})
        messages.success(request, f"已推荐为典型案例“{item.title}”，已收入学习资源库")
    return redirect("targets:target", report.target_id)


@login_required
def evidence(request, pk):
    e = get_visible_or_404(Evidence.objects.all(), request.user, VIEW, pk=pk)
    response = FileResponse(e.file.open("rb"), content_type=e.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{e.pk}{e.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
