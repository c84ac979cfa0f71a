import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, require, visible
from zhibu.core import exports
from zhibu.core.models import Job
from zhibu.core.pagination import Paginator, count_related
from zhibu.core.xlsx import XLSX_TYPE, workbook_bytes

from . import services
from .forms import ElectionForm, GroupForm, MemberForm, RosterUploadForm, TransferForm
from .models import Branch, Group, Member, Town
from .selectors import branches_for, members_for, towns_for
from .tasks import roster_apply, roster_plan


def _branch(request, code, capability="org.view"):
    return get_visible_or_404(Branch.objects.select_related("town"), request.user, capability, code=code)


def _member(request, pk):
    return get_visible_or_404(
        Member.objects.select_related("branch__town", "group"), request.user, "members.view", pk=pk
    )


@login_required
def tree(request):
    """The organisation in reach: towns, then branches, searchable and filterable."""
    branches = branches_for(request.user)
    q = request.GET.get("q", "").strip()
    town_code = request.GET.get("town", "")
    domain = request.GET.get("domain", "")
    if q:
        branches = branches.filter(Q(name__contains=q) | Q(code__icontains=q))
    if town_code:
        branches = branches.filter(town__code=town_code)
    if domain:
        branches = branches.filter(domain=domain)
    page = Paginator(branches.order_by("town__code", "code"), 50).get_page(request.GET.get("page"))
    count_related(page, Member.objects.filter(left__isnull=True), "branch", "member_count")
    towns = list(towns_for(request.user).order_by("code"))
    count_related(towns, Branch.objects.all(), "town", "branch_count")
    context = {
        "page": page,
        "towns": towns,
        "q": q,
        "town_code": town_code,
        "domain": domain,
        "domains": Branch.Domain.choices,
    }
    template = (
        "orgs/_branch_rows.html"
        if request.htmx and request.htmx.target == "branch-rows"
        else "orgs/tree.html"
    )
    return render(request, template, context)


@login_required
def town_detail(request, code):
    town = get_visible_or_404(Town.objects.select_related("district"), request.user, "org.view", code=code)
    branches = (
        branches_for(request.user)
        .filter(town=town)
        .annotate(member_count=Count("members", filter=Q(members__left__isnull=True)))
    )
    return render(request, "orgs/town.html", {"town": town, "branches": branches})


@login_required
def branch_detail(request, code):
    branch = _branch(request, code)
    today = datetime.date.today()
    members = (
        # the page shows no personal data: it stays encrypted (not decrypted for every member)
        members_for(request.user, branch=branch)
        .prefetch_related(Prefetch("roles", to_attr="role_rows"))  # a list: no manager made per member
        .defer("phone", "id_number")
        .order_by("id")
        if can(request.user, "members.view", branch)
        else Member.objects.none()
    )
    committee = [
        (m, r)
        for m in members
        for r in m.role_rows
        if r.role in ("secretary", "deputy_secretary", "committee_member")
        and r.start <= today
        and (r.end is None or today <= r.end)
    ]
    order = {"secretary": 0, "deputy_secretary": 1, "committee_member": 2}
    committee.sort(key=lambda mr: order[mr[1].role])
    context = {
        "branch": branch,
        "members": members,
        "committee": committee,
        "groups": branch.groups.annotate(size=Count("members", filter=Q(members__left__isnull=True))),
        "elections": branch.elections.all()[:10],
        "full_count": sum(1 for m in members if m.full_since and m.full_since <= today),
        "can_manage": can(request.user, "members.manage", branch),
        "can_export": can(request.user, "members.export", branch),
    }
    return render(request, "orgs/branch.html", context)


@login_required
def member_list(request):
    if not has_capability(request.user, "members.view"):
        raise Http404
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    town = request.GET.get("town", "")
    members = members_for(request.user, q=q, category=category).order_by("branch__code", "id")
    if town:
        members = members.filter(branch__town__code=town)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "category": category,
        "town_code": town,
        "towns": towns_for(request.user).order_by("code"),
    }
    template = (
        "orgs/_member_rows.html"
        if request.htmx and request.htmx.target == "member-rows"
        else "orgs/members.html"
    )
    return render(request, template, context)


@login_required
def member_detail(request, pk):
    member = _member(request, pk)
    history = []
    cursor = member.previous
    while cursor is not None:
        history.append(cursor)
        cursor = cursor.previous
    context = {
        "member": member,
        "roles": member.roles.all(),
        "history": history,
        "can_manage": can(request.user, "members.manage", member),
        "can_reveal": can(request.user, "members.pii", member),
    }
    return render(request, "orgs/member.html", context)


@login_required
@require_POST
def member_reveal(request, pk):
    """Show a member's full ID number and phone to those allowed (a sensitive read)."""
    member = _member(request, pk)
    require(request.user, "members.pii", member)
    from zhibu.core.audit import record_sensitive_read

    record_sensitive_read(request, "member.reveal", member)
    return render(request, "orgs/_member_pii.html", {"member": member})


@login_required
def member_edit(request, pk=None, code=None):
    if pk is not None:
        member = _member(request, pk)
        branch = member.branch
    else:
        branch = _branch(request, code)
        member = Member(branch=branch, joined=datetime.date.today())
    require(request.user, "members.manage", branch)
    form = MemberForm(request.POST or None, instance=member, branch=branch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已保存党员“{member.name}”的信息")
        return redirect("orgs:member", pk=member.pk)
    return render(request, "orgs/member_form.html", {"form": form, "member": member, "branch": branch})


@login_required
def member_transfer(request, pk):
    member = _member(request, pk)
    require(request.user, "members.manage", member)
    targets = visible(Branch, request.user, "org.view").exclude(pk=member.branch_id).select_related("town")
    form = TransferForm(request.POST or None, branches=targets)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.member_transfer(
                member=member,
                to_branch=form.cleaned_data["to_branch"],
                date=form.cleaned_data["date"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"“{member.name}”的组织关系已转入{new.branch.name}")
            return redirect("orgs:branch", code=member.branch.code)
    return render(request, "orgs/member_transfer.html", {"form": form, "member": member})


@login_required
def group_new(request, code):
    branch = _branch(request, code)
    require(request.user, "members.manage", branch)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"].strip()
        if Group.objects.filter(branch=branch, name=name).exists():
            form.add_error("name", "本支部已有同名党小组")
        else:
            Group.objects.create(branch=branch, name=name)
            messages.success(request, f"已新建党小组“{name}”，请在党员信息中分配组员")
            return redirect("orgs:branch", code=branch.code)
    return render(request, "orgs/group_form.html", {"form": form, "branch": branch})


@login_required
def election_new(request, code):
    """Record a committee election (换届): the new committee's roles start, the old ones end."""
    branch = _branch(request, code)
    require(request.user, "members.manage", branch)
    form = ElectionForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.election_record(
                branch=branch,
                date=form.cleaned_data["date"],
                committee=form.committee(),
                note=form.cleaned_data["note"] or "换届选举",
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
        else:
            messages.success(request, "换届选举结果已登记")
            return redirect("orgs:branch", code=branch.code)
    return render(request, "orgs/election_form.html", {"form": form, "branch": branch})


def _import_scope(request):
    """Where a roster goes: one branch (?branch=code) or every branch the user manages."""
    code = request.GET.get("branch") or request.POST.get("branch")
    if code:
        branch = _branch(request, code)
        require(request.user, "members.manage", branch)
        return branch, None
    if not has_capability(request.user, "members.manage"):
        raise Http404
    return None, branches_for(request.user, "members.manage")


@login_required
def roster_import(request):
    branch, _ = _import_scope(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = Job.objects.create(
            kind="roster",
            owner=request.user,
            file=form.cleaned_data["file"],
            params={"branch": branch.code if branch else None},
        )
        roster_plan.delay(str(job.pk))
        return redirect("orgs:import_job", pk=job.pk)
    return render(request, "orgs/import.html", {"form": form, "branch": branch})


def _job(request, pk):
    try:
        return Job.objects.live(pk=pk, owner=request.user, kind="roster")
    except (Job.DoesNotExist, ValidationError):
        raise Http404 from None


@login_required
def import_job(request, pk):
    job = _job(request, pk)
    if request.method == "POST":
        if not job.result.get("valid") or job.result.get("applied"):
            messages.error(request, "此名册不能导入：请先修正预览中的错误")
        else:
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0)
            roster_apply.delay(str(job.pk))
        return redirect("orgs:import_job", pk=job.pk)
    if request.htmx:  # the progress bar polling
        if job.finished:  # the preview or the result takes its place
            return HttpResponseClientRefresh()
        return render(request, "core/_job_progress.html", {"job": job, "poll_url": request.path})
    fate = request.GET.get("fate", "")
    rows = [r for r in job.result.get("rows", []) if r["fate"] != "skip" and (not fate or r["fate"] == fate)]
    context = {
        "job": job,
        "rows": rows[:1000],
        "more": max(0, len(rows) - 1000),
        "fate": fate,
        "branch": job.params.get("branch"),
    }
    return render(request, "orgs/import_job.html", context)


@login_required
def import_errors(request, pk):
    job = _job(request, pk)
    rows = [
        [r["number"], r["name"], col, msg] for r in job.result.get("rows", []) for col, msg in r["errors"]
    ]
    data = workbook_bytes([("错误报告", ["行号", "姓名", "列", "错误"], rows)])
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="roster-errors.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def roster_export(request):
    return exports.respond(request, "orgs.roster", {k: request.GET.get(k, "") for k in ("branch", "full")})
