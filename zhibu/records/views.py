"""Pages of the record book: list, plan, session, QR sign-in, minutes, submit, review, documents."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh
from django_ratelimit.decorators import ratelimit

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, reaches, require, visible
from zhibu.core import audit, qr
from zhibu.core.models import Job
from zhibu.core.pagination import Paginator
from zhibu.core.xlsx import XLSX_TYPE, workbook_bytes
from zhibu.orgs.models import Branch, District, Member, Town
from zhibu.rules.adapter import meeting_findings

from . import chain, documents, services
from .forms import (
    AmendmentForm,
    AttachmentForm,
    ExclusionForm,
    LeaveForm,
    LedgerUploadForm,
    MeetingForm,
    ResolutionForm,
    ReviewForm,
    ScheduleItemForm,
)
from .models import MEETING_TYPES, Attachment, Attendance, Exclusion, Meeting, Resolution, ScheduleItem
from .procedures import procedure_for
from .schedule import completion
from .tasks import ledger_apply, ledger_plan

PENDING_KEY = "records_pending_signin"
# What the sign-in page and its board event show of the meeting, its branch and town: nothing more is read.
SIGNIN_MEETING_FIELDS = (
    "status",
    "types",
    "date",
    "branch__name",
    "branch__code",
    "branch__town__name",
    "branch__town__district_id",
)
PENDING_SECONDS = 600


def _meeting(request, pk) -> Meeting:
    return get_visible_or_404(
        Meeting.objects.select_related("branch__town", "chair", "recorder", "lecturer", "group"),
        request.user,
        "records.view",
        pk=pk,
    )


def _managed(request, pk) -> Meeting:
    meeting = _meeting(request, pk)
    require(request.user, "records.manage", meeting)
    return meeting


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


@login_required
def index(request):
    """Records in reach, filterable by town, branch, type and status; reviewers see what waits for them."""
    if not has_capability(request.user, "records.view"):
        raise Http404
    meetings = visible(Meeting, request.user, "records.view").select_related("branch__town")
    f = {k: request.GET.get(k, "").strip() for k in ("branch", "town", "type", "status")}
    if f["branch"]:
        meetings = meetings.filter(branch__code=f["branch"])
    if f["town"]:
        meetings = meetings.filter(town__code=f["town"])
    if f["type"]:
        meetings = meetings.annotate(types_text=Cast("types", TextField())).filter(
            types_text__contains=f'"{f["type"]}"'
        )
    if f["status"]:
        meetings = meetings.filter(status=f["status"])
    page = Paginator(meetings.order_by("-date", "-id"), 30).get_page(request.GET.get("page"))
    branches = visible(Branch, request.user, "records.manage").order_by("code")[:20]
    context = {
        "page": page,
        "f": f,
        "types": MEETING_TYPES,
        "statuses": Meeting.Status.choices,
        "manage_branches": branches,
        "waiting": visible(Meeting, request.user, "records.review").filter(status="submitted").count()
        if has_capability(request.user, "records.review")
        else 0,
    }
    return render(request, "records/index.html", context)


@login_required
def branch_records(request, code):
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "records.view", branch)
    year = _year(request)
    meetings = (
        Meeting.objects.filter(branch=branch, date__year=year)
        .annotate(present=Count("attendance", filter=Q(attendance__state="present")))
        .order_by("-date", "-id")
    )
    years = sorted({d.year for d in Meeting.objects.filter(branch=branch).dates("date", "year")} | {year})
    context = {
        "branch": branch,
        "year": year,
        "years": years,
        "meetings": meetings,
        "can_manage": can(request.user, "records.manage", branch),
        "can_rules": can(request.user, "rules.view", branch),
    }
    return render(request, "records/branch.html", context)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def plan(request, code):
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "records.manage", branch)
    form = MeetingForm(
        request.POST or None, branch=branch, planning=True, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("revision", None)
        try:
            meeting = services.meeting_plan(branch=branch, by=request.user, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "会议已计划，已向应到会党员发送通知")
            return redirect("records:meeting", meeting.pk)
    return render(request, "records/form.html", {"form": form, "branch": branch, "planning": True})


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    user = request.user
    attendance = list(meeting.attendance.select_related("member").order_by("member_id"))
    own = next((a for a in attendance if a.member_id == getattr(user, "member_id", None)), None)
    expected = services.expected_members(meeting)
    seen = {a.member_id for a in attendance}
    context = {
        "meeting": meeting,
        "attendance": attendance,
        "present_count": sum(1 for a in attendance if a.state == "present"),
        "not_recorded": [m for m in expected if m.pk not in seen],
        "expected_count": len(expected),
        "own": own,
        "is_member": getattr(user, "member", None) is not None and user.member.branch_id == meeting.branch_id,
        "resolutions": meeting.resolutions.all(),
        "attachments": meeting.attachments.all(),
        "reviews": meeting.reviews.select_related("reviewer"),
        "amendments": meeting.amendments.all(),
        "steps": procedure_for(meeting.types),
        "findings": _findings_now(meeting),
        "chain": chain.status_of(meeting),
        "can_manage": can(user, "records.manage", meeting),
        "can_review": can(user, "records.review", meeting) and meeting.status == "submitted",
        "review_form": ReviewForm(),
        "amend_form": AmendmentForm(),
        "resolution_form": ResolutionForm(),
        "attachment_form": AttachmentForm(),
        "leave_form": LeaveForm(),
    }
    return render(request, "records/meeting.html", context)


def _findings_now(meeting):
    """None before a planned meeting is held: nothing to judge yet."""
    today = timezone.localdate()
    if meeting.status == Meeting.Status.PLANNED and meeting.date > today:
        return None
    return meeting_findings(meeting, today)


@login_required
def edit(request, pk):
    meeting = _managed(request, pk)
    if not meeting.editable:
        messages.error(request, "已提交或已审核通过的纪实不能修改；如需更正，请添加更正说明")
        return redirect("records:meeting", meeting.pk)
    form = MeetingForm(request.POST or None, instance=meeting, branch=meeting.branch)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
        meeting.refresh_from_db()
        try:
            services.meeting_update(meeting=meeting, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("records:meeting", meeting.pk)
    context = {
        "form": form,
        "branch": meeting.branch,
        "meeting": meeting,
        "findings": meeting_findings(meeting, timezone.localdate()),
    }
    return render(request, "records/form.html", context)


@login_required
def findings(request, pk):
    """The engine's findings for this record, as if submitted now (the side panel, refreshed by HTMX)."""
    meeting = _meeting(request, pk)
    if request.method == "POST":
        # What the engine would say of the form as it is now, before saving: apply, check, roll back.
        require(request.user, "records.manage", meeting)
        form = MeetingForm(request.POST, instance=meeting, branch=meeting.branch)
        form.is_valid()
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields and k != "revision"}
        with transaction.atomic():
            try:
                services.meeting_update(meeting=meeting, **data)
                found = meeting_findings(meeting, timezone.localdate())
            except ValidationError:
                found = None
            transaction.set_rollback(True)
        if found is None:
            meeting.refresh_from_db()
            found = meeting_findings(meeting, timezone.localdate())
        return render(request, "records/_findings.html", {"meeting": meeting, "findings": found})
    return render(
        request,
        "records/_findings.html",
        {"meeting": meeting, "findings": meeting_findings(meeting, timezone.localdate())},
    )


@login_required
def attendance(request, pk):
    """Expected attendees with their state; the secretary signs in by proxy, records leave or absence."""
    meeting = _meeting(request, pk)
    if request.method == "POST":
        require(request.user, "records.manage", meeting)
        member = get_visible_or_404(Member, request.user, "members.view", pk=request.POST.get("member") or 0)
        try:
            services.attendance_set(
                meeting=meeting,
                member=member,
                state=request.POST.get("state", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            _errors(request, exc)
        if request.htmx:
            return _attendance_rows(request, meeting)
        return redirect("records:attendance", meeting.pk)
    return render(request, "records/attendance.html", _attendance_context(request, meeting))


def _attendance_context(request, meeting):
    rows = {a.member_id: a for a in meeting.attendance.select_related("member")}
    expected = services.expected_members(meeting)
    people = [(m, rows.pop(m.pk, None)) for m in expected]
    people += [(a.member, a) for a in rows.values()]  # present though not expected (e.g. guests of a group)
    return {
        "meeting": meeting,
        "people": people,
        "states": Attendance.State.choices,
        "can_manage": can(request.user, "records.manage", meeting) and meeting.editable,
        "findings": meeting_findings(meeting, timezone.localdate()),
    }


def _attendance_rows(request, meeting):
    return render(request, "records/_attendance_rows.html", _attendance_context(request, meeting))


@login_required
@require_POST
def session(request, pk):
    """Start the meeting, or move through its standard procedure."""
    meeting = _managed(request, pk)
    action = request.POST.get("action")
    try:
        if action == "start":
            services.meeting_start(meeting=meeting)
        elif action in ("next", "back"):
            services.meeting_step(meeting=meeting, step=meeting.step + (1 if action == "next" else -1))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(
        request.POST.get("next_page") == "screen" and "records:screen" or "records:meeting", meeting.pk
    )


@login_required
def screen(request, pk):
    """The meeting-room screen: a QR code that refreshes every 20 seconds, the count, where the meeting stands."""
    meeting = _managed(request, pk)
    return render(request, "records/screen.html", _qr_context(request, meeting))


def _qr_context(request, meeting):
    token = qr.make_token("meeting", meeting.pk)
    url = request.build_absolute_uri(reverse("records:signin", args=[token]))
    signed = meeting.attendance.filter(state="present").count()
    return {
        "meeting": meeting,
        "qr_svg": qr.svg(url, scale=7),
        "signin_url": url,
        "signed": signed,
        "expected": len(services.expected_members(meeting)),
        "steps": procedure_for(meeting.types),
        "rotate": qr.ROTATE_SECONDS,
        "open": meeting.status in ("planned", "in_session"),
    }


@login_required
def qr_panel(request, pk):
    meeting = _managed(request, pk)
    return render(request, "records/_qr.html", _qr_context(request, meeting))


@ratelimit(key="user_or_ip", rate=settings.ZHIBU_SIGNIN_RATE, block=True)
def signin(request, token):
    """A member scanned the room's QR code: sign them in (logging in first if needed); idempotent."""
    pending = request.session.get(PENDING_KEY)
    try:
        meeting_id = qr.read_token(token, "meeting")
    except ValueError as exc:
        # The code may have expired while the member logged in: honour the scan remembered before login.
        if pending and pending.get("token") == token and time.time() - pending.get("at", 0) < PENDING_SECONDS:
            meeting_id = pending["meeting"]
        else:
            return render(request, "records/signin.html", {"error": str(exc)}, status=400)
    if not request.user.is_authenticated:
        request.session[PENDING_KEY] = {"token": token, "meeting": meeting_id, "at": time.time()}
        return redirect_to_login(request.get_full_path())
    request.session.pop(PENDING_KEY, None)
    member = Member.objects.only("id", "branch_id").filter(pk=request.user.member_id).order_by().first()
    meeting = (
        Meeting.objects.select_related("branch__town")
        .only(*SIGNIN_MEETING_FIELDS)
        .filter(pk=meeting_id)
        .order_by()
        .first()
    )
    if meeting is None:
        raise Http404
    if member is None or member.branch_id != meeting.branch_id:
        return render(
            request,
            "records/signin.html",
            {"error": "您的账号不是本支部党员，不能在此签到", "meeting": meeting},
        )
    try:
        row = services.scan_sign_in(
            meeting=meeting, member=member, user=request.user, ip=audit.client_ip(request)
        )
    except ValidationError as exc:
        return render(request, "records/signin.html", {"error": " ".join(exc.messages), "meeting": meeting})
    return signed_in_page(request, meeting, row)


def signed_in_page(request, meeting, row):
    """What the phone shows after a successful scan (also the answer of records.middleware's fast path)."""
    return render(request, "records/signin.html", {"meeting": meeting, "row": row})


@login_required
def leave(request, pk):
    """A member asks for leave from a planned meeting, with a reason."""
    meeting = _meeting(request, pk)
    member = getattr(request.user, "member", None)
    if member is None or member.branch_id != meeting.branch_id:
        raise PermissionDenied("只有本支部党员可以请假")
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_request(meeting=meeting, member=member, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "请假已登记")
            return redirect("records:meeting", meeting.pk)
    return render(request, "records/leave.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def resolution_add(request, pk):
    meeting = _managed(request, pk)
    form = ResolutionForm(request.POST)
    if form.is_valid():
        try:
            services.resolution_add(meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"表决事项 {label}：{'；'.join(errors)}")
    return redirect("records:meeting", meeting.pk)


@login_required
@require_POST
def resolution_delete(request, pk):
    resolution = get_visible_or_404(
        Resolution.objects.select_related("meeting"), request.user, "records.view", pk=pk
    )
    require(request.user, "records.manage", resolution.meeting)
    try:
        services.resolution_delete(resolution=resolution)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:meeting", resolution.meeting_id)


@login_required
@require_POST
def attachment_add(request, pk):
    meeting = _managed(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                meeting=meeting,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
            messages.success(request, "附件已上传")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, "请选择附件类别和文件")
    return redirect("records:meeting", meeting.pk)


@login_required
def attachment(request, pk):
    item = get_visible_or_404(
        Attachment.objects.select_related("meeting"), request.user, "records.view", pk=pk
    )
    if not item.file:
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "inline" if item.content_type.startswith("image/") else "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    item = get_visible_or_404(
        Attachment.objects.select_related("meeting"), request.user, "records.view", pk=pk
    )
    require(request.user, "records.manage", item.meeting)
    try:
        services.attachment_delete(attachment=item)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:meeting", item.meeting_id)


@login_required
@require_POST
def submit(request, pk):
    meeting = _managed(request, pk)
    try:
        services.meeting_submit(meeting=meeting, by=request.user)
        audit.record(request, "records.submit", f"Meeting:{meeting.pk}")
        messages.success(request, "纪实已提交，等待乡镇审核")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:meeting", meeting.pk)


@login_required
@require_POST
def review(request, pk):
    meeting = _meeting(request, pk)
    require(request.user, "records.review", meeting)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("records:meeting", meeting.pk)
    try:
        review = services.meeting_review(meeting=meeting, by=request.user, **form.cleaned_data)
        audit.record(request, "records.review", f"Meeting:{meeting.pk}", {"decision": review.decision})
        messages.success(request, "审核结果已保存并通知支部")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("records:meeting", meeting.pk)


@login_required
@require_POST
def amend(request, pk):
    meeting = _managed(request, pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            services.amendment_add(meeting=meeting, by=request.user, **form.cleaned_data)
            messages.success(request, "更正说明已添加并存证")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, "请填写更正原因和更正内容")
    return redirect("records:meeting", meeting.pk)


@login_required
def signin_sheet(request, pk):
    """Printable sign-in sheet (PDF) with the expected attendees, for paper and elderly members."""
    meeting = _meeting(request, pk)
    data = documents.signin_sheet_pdf(meeting, services.expected_members(meeting))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="signin-{meeting.pk}.pdf"'
    return response


@login_required
def handbook(request, code, year, fmt):
    """The branch's 工作手册 for a year, generated from its records (.xlsx or .pdf)."""
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "records.view", branch)
    if not 2000 <= year <= 2100 or fmt not in ("xlsx", "pdf"):
        raise Http404
    if fmt == "xlsx":
        response = HttpResponse(documents.handbook_xlsx(branch, year), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(documents.handbook_pdf(branch, year), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="handbook-{branch.code}-{year}.{fmt}"'
    return response


@login_required
def ledger_import(request, code):
    """Upload a branch's Excel 三会一课 台账 (one row per meeting); its preview is worked out as a job."""
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "records.manage", branch)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = Job.objects.create(
            kind="records_ledger", owner=request.user, file=form.cleaned_data["file"], params={"branch": code}
        )
        ledger_plan.delay(str(job.pk))
        return redirect("records:import_job", pk=job.pk)
    return render(request, "records/import.html", {"form": form, "branch": branch})


def _import_job(request, pk) -> Job:
    try:
        job = Job.objects.live(pk=pk, owner=request.user, kind="records_ledger")
    except (Job.DoesNotExist, ValidationError):
        raise Http404 from None
    branch = get_visible_or_404(Branch, request.user, "org.view", code=job.params.get("branch"))
    require(request.user, "records.manage", branch)
    return job


def _start_apply(job: Job) -> bool:
    """Queue the write of a previewed file, unless it is already applied or being applied."""
    # Read again with the row locked: a second confirm (another tab, a double click) finds the job queued
    # or applied and starts nothing; a run that holds the row (the write) is skipped, not waited for.
    with transaction.atomic():
        locked = Job.objects.select_for_update(skip_locked=True).filter(pk=job.pk).first()
        startable = (
            locked is not None
            and locked.status == Job.Status.DONE
            and bool(locked.result.get("valid"))
            and not locked.result.get("applied")
        )
        if startable:
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0)
    if startable:
        ledger_apply.delay(str(job.pk))
    return startable


@login_required
def import_job(request, pk):
    job = _import_job(request, pk)
    if request.method == "POST":
        if job.result.get("applied"):
            messages.info(request, _("此台账已导入，不会重复导入"))
        elif not job.finished:
            messages.info(request, _("台账正在处理，请稍候"))
        elif not job.result.get("valid"):
            messages.error(request, _("此台账不能导入：请先修正预览中的错误"))
        elif not _start_apply(job):
            messages.info(request, _("台账正在处理，请稍候"))
        return redirect("records:import_job", pk=job.pk)
    if request.htmx:  # the progress bar polling
        if job.finished:  # the preview or the result takes its place
            return HttpResponseClientRefresh()
        return render(request, "core/_job_progress.html", {"job": job, "poll_url": request.path})
    fate = request.GET.get("fate", "")
    rows = [r for r in job.result.get("rows", []) if not fate or r["fate"] == fate]
    return render(request, "records/import_job.html", {"job": job, "rows": rows[:1000], "fate": fate})


@login_required
def import_errors(request, pk):
    job = _import_job(request, pk)
    rows = [
        [r["number"], r["summary"], col, msg] for r in job.result.get("rows", []) for col, msg in r["errors"]
    ]
    response = HttpResponse(
        workbook_bytes([("错误报告", ["行号", "会议", "列", "错误"], rows)]), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = 'attachment; filename="ledger-errors.xlsx"'
    return response


@login_required
def schedule(request):
    """The district's annual study schedule by month; the district publishes and edits it here."""
    if not has_capability(request.user, "records.view"):
        raise Http404
    year = _year(request)
    district_ids = {r.district_id for r in reaches(request.user)}
    items = visible(ScheduleItem, request.user, "records.view").filter(year=year)
    can_edit = has_capability(request.user, "schedule.manage")
    form = ScheduleItemForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("您的角色没有此项操作权限")
        if request.POST.get("delete"):
            item = get_visible_or_404(
                ScheduleItem, request.user, "schedule.manage", pk=request.POST["delete"]
            )
            item.delete()
            messages.success(request, "已删除")
            return redirect(f"{reverse('records:schedule')}?year={year}")
        if form.is_valid():
            district = visible(District, request.user, "schedule.manage").first()
            item = form.save(commit=False)
            item.district, item.created_by = district, request.user
            item.save()
            messages.success(request, "已发布")
            return redirect(f"{reverse('records:schedule')}?year={item.year}")
    months = [(m, [i for i in items if i.month == m]) for m in range(1, 13)]
    towns = visible(Town, request.user, "records.view").filter(district_id__in=district_ids).order_by("code")
    context = {"year": year, "months": months, "form": form, "can_edit": can_edit, "towns": towns}
    return render(request, "records/schedule.html", context)


@login_required
def schedule_matrix(request, code):
    """Branches × months for a town: which branches carried out the month's schedule items."""
    town = get_visible_or_404(Town, request.user, "org.view", code=code)
    branches = visible(Branch, request.user, "records.view").filter(town=town).order_by("code")
    if not branches.exists():
        raise PermissionDenied("您的角色没有此项操作权限")
    year = _year(request)
    rows = completion(branches, town.district_id, year, timezone.localdate())
    return render(
        request,
        "records/schedule_matrix.html",
        {"town": town, "year": year, "rows": rows, "months": range(1, 13)},
    )


@login_required
def exclusions(request, code):
    """不计入应到会人数: approved cases (e.g. abroad for over half a year) the engine leaves out of 应到."""
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "records.view", branch)
    can_manage = can(request.user, "records.manage", branch)
    form = ExclusionForm(request.POST or None, branch=branch)
    if request.method == "POST":
        require(request.user, "records.manage", branch)
        if request.POST.get("delete"):
            Exclusion.objects.filter(member__branch=branch, pk=request.POST["delete"]).delete()
            messages.success(request, "已删除")
            return redirect("records:exclusions", code)
        if form.is_valid():
            form.save()
            audit.record(request, "records.exclusion", f"Member:{form.instance.member_id}")
            messages.success(request, "已登记")
            return redirect("records:exclusions", code)
    rows = Exclusion.objects.filter(member__branch=branch).select_related("member").order_by("-start")
    return render(
        request,
        "records/exclusions.html",
        {"branch": branch, "rows": rows, "form": form, "can_manage": can_manage},
    )
