"""Pages of 督: the board and its data, findings, dispatch, evaluation and proposals."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, reach_q, require, visible
from zhibu.core import audit
from zhibu.core.pagination import Paginator
from zhibu.orgs.models import Branch, District, Town

from . import selectors, services, status
from .forms import DecideForm, DispatchForm, DoneForm, FindingForm, RectificationForm
from .models import Dispatch, DispatchTarget, Evidence, Finding
from .scope import board_scope

VIEW, MANAGE, RESPOND = "supervision.view", "supervision.manage", "supervision.respond"


def _any(user) -> bool:
    return has_capability(user, VIEW) or has_capability(user, RESPOND)


def _in_reach(queryset, user, **lookup):
    """The object if the user sees it as a viewer or as the branch that answers it; else 404."""
    q = None
    for cap in (VIEW, RESPOND):
        part = reach_q(queryset.model, user, cap)
        if part is not None:
            q = part if q is None else q | part
    if q is None:
        raise Http404
    obj = queryset.filter(q).filter(**lookup).distinct().first()
    if obj is None:
        raise Http404
    return obj


def _errors(request, error: ValidationError, form=None) -> None:
    if form is not None and hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errs:
                form.add_error(target, e.messages[0] if hasattr(e, "messages") else str(e))
    else:
        for m in error.messages:
            messages.error(request, m)


def _board_town(request, user):
    code = request.GET.get("town", "").strip()
    if not code:
        return None
    return get_visible_or_404(Town.objects.all(), user, VIEW, code=code)


def _board_district(request, user):
    """?district=CODE: one district of a board that covers several (a city's), drilled down from its tile."""
    code = request.GET.get("district", "").strip()
    if not code:
        return None
    return get_visible_or_404(District.objects.all(), user, VIEW, code=code)


def _board_query(town, district) -> str:
    if town is not None:
        return f"?town={town.code}"
    return f"?district={district.code}" if district is not None else ""


# -- the board -------------------------------------------------------------------------------------


@login_required
def board(request):
    scope = board_scope(request.user)
    if scope.empty:
        raise Http404
    town = _board_town(request, request.user)
    district = None if town else _board_district(request, request.user)
    if town or district:
        title = (town or district).name
    elif not scope.district_ids and len(scope.town_ids) == 1:
        title = Town.objects.get(pk=scope.town_ids[0]).name
    elif len(scope.district_ids) > 1:
        title = _("全市")
    else:
        grants = request.user.grants.filter(district__isnull=False)
        title = grants.values_list("district__name", flat=True).first() or ""
    query = _board_query(town, district)
    context = {
        "title": title,
        "town": town,
        "district": district,
        # A town drilled down from a district's tile goes back to that district (on a city's board).
        "up_url": reverse("supervision:board")
        + (f"?district={town.district.code}" if town and len(scope.district_ids) > 1 else ""),
        "data_url": reverse("supervision:board_data") + query,
        "events_url": reverse("supervision:board_events") + query,
        "branch_url": reverse("supervision:branch", args=["CODE"]),
        "simulated": status_simulated(),
    }
    return render(request, "supervision/board.html", context)


def status_simulated() -> bool:
    from .simulate import is_running

    return is_running()


@login_required
def board_data(request):
    scope = board_scope(request.user)
    if scope.empty:
        raise Http404
    town = _board_town(request, request.user)
    district = None if town else _board_district(request, request.user)
    selectors.ensure_statuses(request.user, scope)
    data = selectors.board_data(request.user, scope, town, district)
    data["events"] = selectors.recent_events(scope, town=town, district=district)
    return JsonResponse(data)


@login_required
def board_events(request):
    """The polling fallback of the live feed: events in reach with an id above `after`."""
    scope = board_scope(request.user)
    if scope.empty:
        raise Http404
    town = _board_town(request, request.user)
    district = None if town else _board_district(request, request.user)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    events = selectors.recent_events(scope, after=after, town=town, district=district)
    return JsonResponse({"events": events})


# -- overview and branch ---------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    if not _any(user):
        raise Http404
    cap = VIEW if has_capability(user, VIEW) else RESPOND
    findings = selectors.findings_for(user, cap).exclude(status=Finding.Status.CLOSED)
    targets = selectors.targets_for(user, cap).exclude(status=DispatchTarget.Status.DONE)
    context = {
        "findings": findings[:50],
        "targets": targets.order_by("dispatch__deadline")[:50],
        "timeliness": services.timeliness(selectors.targets_for(user, cap)),
        "can_board": has_capability(user, VIEW),
        "can_manage": has_capability(user, MANAGE),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/index.html", context)


@login_required
def branch(request, code):
    branch = _in_reach(Branch.objects.select_related("town"), request.user, code=code)
    user = request.user
    cap = VIEW if can(user, VIEW, branch) else RESPOND
    meetings = []
    if status.records_installed() and has_capability(user, "records.view"):
        from zhibu.records.models import Meeting

        meetings = visible(Meeting, user, "records.view").filter(branch=branch).order_by("-date", "-id")[:15]
    from .models import BranchStatus, Evaluation

    context = {
        "branch": branch,
        "row": BranchStatus.objects.filter(branch=branch).first(),
        "meetings": meetings,
        "findings": selectors.findings_for(user, cap).filter(branch=branch)[:30],
        "targets": selectors.targets_for(user, cap)
        .filter(branch=branch)
        .order_by("-dispatch__created_at")[:30],
        "evaluations": visible(Evaluation, user, cap).filter(branch=branch)[:5],
        "can_manage": can(user, MANAGE, branch),
        "can_report": cap == VIEW,
        "records": status.records_installed(),
    }
    return render(request, "supervision/branch.html", context)


# -- findings --------------------------------------------------------------------------------------


@login_required
def finding_new(request, code):
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, VIEW, code=code)
    require(request.user, MANAGE, branch)
    meeting = None
    meeting_id = request.GET.get("meeting") or request.POST.get("meeting")
    if meeting_id and status.records_installed():
        from zhibu.records.models import Meeting

        meeting = Meeting.objects.filter(
            pk=meeting_id if str(meeting_id).isdigit() else 0, branch=branch
        ).first()
        if meeting is None:
            raise Http404
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_create(
                branch=branch,
                by=request.user,
                meeting_id=meeting.pk if meeting else None,
                **form.cleaned_data,
            )
        except ValidationError as e:
            _errors(request, e, form)
        else:
            audit.record(
                request, "supervision.finding_create", f"Finding:{finding.pk}", {"branch": branch.code}
            )
            messages.success(request, "督导意见已下达，支部会收到通知")
            return redirect("supervision:finding", finding.pk)
    return render(
        request, "supervision/finding_form.html", {"branch": branch, "form": form, "meeting": meeting}
    )


@login_required
def finding(request, pk):
    finding = _in_reach(Finding.objects.select_related("branch__town", "created_by"), request.user, pk=pk)
    user = request.user
    context = {
        "finding": finding,
        "rectifications": finding.rectifications.prefetch_related("evidence").select_related("by"),
        "can_respond": can(user, RESPOND, finding) and finding.status == Finding.Status.OPEN,
        "can_decide": can(user, MANAGE, finding) and finding.status == Finding.Status.RESPONDED,
        "rectify_form": RectificationForm(),
        "decide_form": DecideForm(),
        "meeting_url": reverse("records:meeting", args=[finding.meeting_id])
        if finding.meeting_id and status.records_installed()
        else "",
    }
    return render(request, "supervision/finding.html", context)


@login_required
@require_POST
def finding_rectify(request, pk):
    finding = _in_reach(Finding.objects.select_related("branch"), request.user, pk=pk)
    require(request.user, RESPOND, finding)
    form = RectificationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.rectification_submit(
                finding=finding,
                text=form.cleaned_data["text"],
                evidence=form.cleaned_data["evidence"],
                by=request.user,
            )
        except ValidationError as e:
            _errors(request, e)
        else:
            audit.record(request, "supervision.rectify", f"Finding:{finding.pk}")
            messages.success(request, "整改情况已报送")
    else:
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
    return redirect("supervision:finding", finding.pk)


@login_required
@require_POST
def finding_decide(request, pk):
    finding = _in_reach(Finding.objects.select_related("branch"), request.user, pk=pk)
    require(request.user, MANAGE, finding)
    form = DecideForm(request.POST)
    if form.is_valid():
        close = form.cleaned_data["decision"] == "close"
        try:
            services.finding_decide(
                finding=finding, close=close, comment=form.cleaned_data["comment"], by=request.user
            )
        except ValidationError as e:
            _errors(request, e)
        else:
            audit.record(
                request,
                "supervision.finding_close" if close else "supervision.finding_return",
                f"Finding:{pk}",
            )
            messages.success(request, "已销号" if close else "已退回支部继续整改")
    return redirect("supervision:finding", finding.pk)


@login_required
def evidence(request, pk):
    item = _in_reach(Evidence.objects.all(), request.user, pk=pk)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence-{item.pk}{item.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- dispatch --------------------------------------------------------------------------------------


@login_required
def dispatches(request):
    user = request.user
    if not has_capability(user, VIEW):
        raise Http404
    qs = visible(Dispatch, user, VIEW).distinct().order_by("-created_at", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/dispatches.html",
        {
            "page": page,
            "can_manage": has_capability(user, MANAGE),
            "timeliness": services.timeliness(selectors.targets_for(user, VIEW)),
        },
    )


def _split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", text or "") if c]


@login_required
def dispatch_new(request):
    user = request.user
    if not has_capability(user, VIEW):
        raise Http404
    if not has_capability(user, MANAGE):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色没有此项操作权限")
    in_reach = visible(Branch.objects.select_related("town__district"), user, MANAGE)
    form = DispatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope_text = "全部"
        targets = in_reach
        if data["scope"] == "town":
            targets = in_reach.filter(town__code=data["town"].strip())
            scope_text = f"乡镇 {data['town'].strip()}"
            if not targets.exists():
                form.add_error("town", "没有找到这个乡镇，或它不在您的管辖范围内")
        elif data["scope"] == "branches":
            codes = _split_codes(data["branches"])
            found = {b.code: b for b in in_reach.filter(code__in=codes)}
            unknown = [c for c in codes if c not in found]
            if not codes:
                form.add_error("branches", "请填写支部编码")
            elif unknown:
                form.add_error("branches", f"这些编码没有找到或不在您的管辖范围内：{'、'.join(unknown[:10])}")
            targets = list(found.values())
            scope_text = f"{len(found)} 个支部"
        if not form.errors:
            targets = list(targets)
            try:
                dispatch = services.dispatch_create(
                    district=targets[0].town.district if targets else None,
                    branches=targets,
                    title=data["title"],
                    body=data["body"],
                    priority=data["priority"],
                    deadline=data["deadline"],
                    scope=scope_text,
                    by=user,
                )
            except ValidationError as e:
                _errors(request, e, form)
            else:
                audit.record(
                    request,
                    "supervision.dispatch_create",
                    f"Dispatch:{dispatch.pk}",
                    {"targets": len(targets)},
                )
                messages.success(request, f"调度指令已下达到 {len(targets)} 个支部")
                return redirect("supervision:dispatch", dispatch.pk)
    return render(request, "supervision/dispatch_form.html", {"form": form})


@login_required
def dispatch(request, pk):
    user = request.user
    obj = _in_reach(Dispatch.objects.select_related("created_by"), user, pk=pk)
    targets = visible(obj.targets.select_related("branch__town"), user, VIEW)
    mine = visible(obj.targets.select_related("branch"), user, RESPOND)
    for t in mine:
        if t.status == DispatchTarget.Status.SENT:
            services.target_read(target=t)
    context = {
        "dispatch": obj,
        "targets": targets,
        "mine": visible(obj.targets.select_related("branch").prefetch_related("evidence"), user, RESPOND),
        "stats": services.timeliness(targets) if has_capability(user, VIEW) else None,
        "done_form": DoneForm(),
    }
    return render(request, "supervision/dispatch.html", context)


@login_required
@require_POST
def target_ack(request, pk):
    target = _in_reach(DispatchTarget.objects.all(), request.user, pk=pk)
    require(request.user, RESPOND, target)
    try:
        services.target_acknowledge(target=target)
    except ValidationError as e:
        _errors(request, e)
    else:
        audit.record(request, "supervision.dispatch_ack", f"DispatchTarget:{pk}")
        messages.success(request, "已签收")
    return redirect("supervision:dispatch", target.dispatch_id)


@login_required
@require_POST
def target_done(request, pk):
    target = _in_reach(DispatchTarget.objects.all(), request.user, pk=pk)
    require(request.user, RESPOND, target)
    form = DoneForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.target_done(
                target=target,
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
                by=request.user,
            )
        except ValidationError as e:
            _errors(request, e)
        else:
            audit.record(request, "supervision.dispatch_done", f"DispatchTarget:{pk}")
            messages.success(request, "已报送办结")
    else:
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
    return redirect("supervision:dispatch", target.dispatch_id)


# -- evaluation and the loop -----------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return max(2000, min(year, timezone.localdate().year))


@login_required
def evaluations(request):
    user = request.user
    if not has_capability(user, VIEW):
        raise Http404
    year = _year(request)
    if request.method == "POST":
        if not has_capability(user, MANAGE):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("您的角色没有此项操作权限")
        from . import assess

        branches = visible(Branch.objects.select_related("town"), user, MANAGE)
        rows = assess.evaluate_branches(branches, year)
        made = assess.propose(rows, year)
        audit.record(
            request, "supervision.evaluate", f"year:{year}", {"branches": len(rows), "proposals": len(made)}
        )
        messages.success(
            request, f"已完成 {len(rows)} 个支部的综合评估，新增 {len(made)} 条推荐或回炉建议，待人工确认"
        )
        return redirect(f"{reverse('supervision:evaluations')}?year={year}")
    from .models import Evaluation

    rows = visible(Evaluation.objects.select_related("branch__town"), user, VIEW).filter(year=year)
    grades = {g: 0 for g in ("优秀", "良好", "一般", "较差")}
    for grade in rows.values_list("grade", flat=True):
        grades[grade] = grades.get(grade, 0) + 1
    page = Paginator(rows.order_by("branch__town__code", "branch__code"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/evaluations.html",
        {"page": page, "year": year, "grades": grades, "can_manage": has_capability(user, MANAGE)},
    )


@login_required
def evaluation(request, pk):
    from .models import Evaluation

    row = _in_reach(Evaluation.objects.select_related("branch__town"), request.user, pk=pk)
    return render(request, "supervision/evaluation.html", {"e": row, "result": row.result})


@login_required
def proposals(request):
    user = request.user
    if not has_capability(user, VIEW):
        raise Http404
    from .models import Proposal

    rows = visible(Proposal.objects.select_related("branch__town", "decided_by"), user, VIEW)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/proposals.html", {"page": page})


@login_required
def proposal(request, pk):
    from . import assess
    from .forms import CaseForm, RejectForm
    from .models import Proposal

    user = request.user
    obj = get_visible_or_404(Proposal.objects.select_related("branch__town"), user, VIEW, pk=pk)
    can_decide = can(user, MANAGE, obj) and obj.status == Proposal.Status.PENDING
    draft = obj.draft or {}
    case_form = CaseForm(
        initial={k: draft.get(k, "") for k in ("title", "background", "practice", "effect", "lessons")}
    )
    reject_form = RejectForm()
    if request.method == "POST":
        require(user, MANAGE, obj)
        action = request.POST.get("action")
        try:
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    assess.proposal_reject(proposal=obj, by=user, reason=reject_form.cleaned_data["reason"])
                    audit.record(request, "supervision.proposal_reject", f"Proposal:{obj.pk}")
                    messages.success(request, "已记录为不采纳")
                    return redirect("supervision:proposal", obj.pk)
            elif action == "publish" and obj.kind == Proposal.Kind.CASE:
                case_form = CaseForm(request.POST)
                if case_form.is_valid():
                    item = assess.case_publish(proposal=obj, by=user, **case_form.cleaned_data)
                    audit.record(
                        request, "supervision.case_publish", f"Proposal:{obj.pk}", {"library_item": item.pk}
                    )
                    messages.success(request, "案例已发布到案例库")
                    return redirect("supervision:proposal", obj.pk)
            elif action == "retrain" and obj.kind == Proposal.Kind.RETRAINING:
                placed = assess.retraining_confirm(
                    proposal=obj, by=user, member_ids=request.POST.getlist("members")
                )
                audit.record(
                    request, "supervision.retraining_confirm", f"Proposal:{obj.pk}", {"members": len(placed)}
                )
                messages.success(request, f"已为 {len(placed)} 人安排回炉补训")
                return redirect("supervision:proposal", obj.pk)
        except ValidationError as e:
            _errors(request, e, case_form if action == "publish" else None)
    members = []
    if obj.kind == Proposal.Kind.RETRAINING:
        from zhibu.orgs.models import Member

        committee = set(draft.get("members", []))
        members = sorted(
            Member.objects.filter(branch=obj.branch, left__isnull=True).only("id", "name", "branch_id"),
            key=lambda m: (m.pk not in committee, m.pk),
        )
    context = {
        "p": obj,
        "can_decide": can_decide,
        "case_form": case_form,
        "reject_form": reject_form,
        "members": members,
        "chosen": set(draft.get("members", [])),
        "library_ready": assess.library_installed(),
        "training_ready": assess.training_service() is not None,
    }
    return render(request, "supervision/proposal.html", context)


@login_required
def annual_report(request, year, fmt):
    from django.http import HttpResponse

    from zhibu.core.xlsx import XLSX_TYPE

    from . import report

    user = request.user
    if not has_capability(user, VIEW) or fmt not in ("xlsx", "pdf"):
        raise Http404
    town = branch = None
    if request.GET.get("town"):
        town = get_visible_or_404(Town.objects.all(), user, VIEW, code=request.GET["town"])
    elif request.GET.get("branch"):
        branch = get_visible_or_404(
            Branch.objects.select_related("town"), user, VIEW, code=request.GET["branch"]
        )
    data = report.report_data(user, year, town=town, branch=branch)
    if fmt == "xlsx":
        response = HttpResponse(report.xlsx_bytes(data), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(report.pdf_bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(data, fmt)}"'
    audit.record_export(request, "supervision.report", {"year": year, "scope": data["scope"], "format": fmt})
    return response


# -- the live meeting wall -------------------------------------------------------------------------


@login_required
def wall(request):
    """Meetings in session now: procedure step, sign-ins against expected, and video where a room has a camera."""
    from .models import BranchStatus, Camera

    user = request.user
    scope = board_scope(user)
    if scope.empty:
        raise Http404
    town = _board_town(request, user)
    rows = visible(BranchStatus, user, VIEW).filter(in_session__gt=0)
    if town is not None:
        rows = rows.filter(town=town)
    live = selectors.live_meetings(list(rows.values_list("session_meeting_id", flat=True)), limit=24)
    cameras: dict[int, list] = {}
    codes = [m["branch_code"] for m in live or []]
    for cam in visible(Camera.objects.select_related("branch"), user, VIEW).filter(branch__code__in=codes):
        cameras.setdefault(cam.branch.code, []).append(cam)
    for m in live or []:
        m["cameras"] = cameras.get(m["branch_code"], [])
    return render(request, "supervision/wall.html", {"live": live, "town": town})


@login_required
def cameras(request, code):
    from .models import Camera

    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, VIEW, code=code)
    can_manage = can(request.user, MANAGE, branch)
    errors = {}
    if request.method == "POST":
        require(request.user, MANAGE, branch)
        try:
            cam = services.camera_add(
                branch=branch,
                room=request.POST.get("room", ""),
                stream_url=request.POST.get("stream_url", ""),
                by=request.user,
            )
        except ValidationError as e:
            errors = {k: v[0] for k, v in e.message_dict.items()}
        else:
            audit.record(request, "supervision.camera_add", f"Camera:{cam.pk}", {"branch": branch.code})
            messages.success(request, "摄像头已登记")
            return redirect("supervision:cameras", branch.code)
    return render(
        request,
        "supervision/cameras.html",
        {
            "branch": branch,
            "cameras": Camera.objects.filter(branch=branch),
            "can_manage": can_manage,
            "errors": errors,
            "posted": request.POST,
        },
    )


@login_required
@require_POST
def camera_delete(request, pk):
    from .models import Camera

    cam = get_visible_or_404(Camera.objects.select_related("branch"), request.user, VIEW, pk=pk)
    require(request.user, MANAGE, cam)
    code = cam.branch.code
    audit.record(request, "supervision.camera_delete", f"Camera:{cam.pk}", {"branch": code})
    cam.delete()
    messages.success(request, "摄像头已删除")
    return redirect("supervision:cameras", code)
