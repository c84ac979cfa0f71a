import json

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, require, visible
from zhibu.core import exports, qr
from zhibu.core.figures import shared as shared_figures
from zhibu.core.pagination import Paginator
from zhibu.core.storage import read_range
from zhibu.orgs.models import Branch, District, Town

from . import credit, media, selectors, services
from .forms import UPLOADS, CollectiveStudyForm, HallVisitForm, item_form_class
from .models import CollectiveStudy, HallVisit, Item, Photo, Progress, Tag
from .search import highlight_title, search

PAGE = 20


def _item(request, pk) -> Item:
    return get_visible_or_404(Item.objects.select_related("branch"), request.user, "library.view", pk=pk)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def index(request):
    """Search the library (Chinese words, ranked, highlighted) and filter by kind and tag."""
    q = request.GET.get("q", "")
    filters = {k: request.GET.get(k, "") for k in ("kind", "tag")}
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    results = search(request.user, q, filters, offset=(page - 1) * PAGE, limit=PAGE)
    for hit in results.hits:
        hit.title = highlight_title(hit.item.title, results.groups)
    context = {
        "results": results,
        "q": q,
        "filters": filters,
        "kinds": Item.Kind.choices,
        "tags": Tag.objects.all(),
        "page": page,
        "has_next": page * PAGE < results.total,
        "can_manage": _manager_district(request.user) is not None,
    }
    template = (
        "library/_results.html" if request.htmx and request.htmx.target == "results" else "library/index.html"
    )
    return render(request, template, context)


def _manager_district(user):
    return visible(District, user, "library.manage").first()


@login_required
def hall(request):
    panels = visible(Item, request.user, "library.view").filter(kind=Item.Kind.PANEL, published=True)
    parts = [
        (code, label, [p for p in panels.order_by("position", "id") if p.hall_part == code])
        for code, label in Item.HallPart.choices
    ]
    return render(request, "library/hall.html", {"parts": parts})


@login_required
def item_detail(request, pk):
    item = _item(request, pk)
    if not item.published:
        require(request.user, "library.manage", item)
    member = getattr(request.user, "member", None)
    progress = Progress.objects.filter(member=member, item=item).first() if member else None
    context = {
        "item": item,
        "tags": item.tags.all(),
        "photos": item.photos.all(),
        "progress": progress,
        "can_manage": can(request.user, "library.manage", item),
        "studied": item.studied and member is not None,
        "beat_seconds": credit.BEAT_SECONDS,
        "percent": min(100, round(100 * progress.seconds / item.duration))
        if progress and item.duration
        else 0,
    }
    if item.kind == Item.Kind.PANEL:
        context["qr"] = qr.svg(request.build_absolute_uri(reverse("library:item", args=[item.pk])), scale=5)
    return render(request, "library/item.html", context)


def _serve(request, name: str, mime: str) -> HttpResponse:
    """Stream a stored file, honouring a single HTTP Range (206) so videos seek and resume."""
    if not name or mime not in media.KINDS:
        raise Http404
    try:
        size = default_storage.size(name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    wanted = media.parse_range(request.headers.get("Range"), size)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted or (0, size - 1)
    length = max(0, end - start + 1)
    chunks = read_range(default_storage, name, start, length)  # on S3, only the range is fetched
    response = StreamingHttpResponse(chunks, status=206 if wanted else 200, content_type=mime)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def item_file(request, pk):
    """The item's video or PDF; a PDF may be framed by this site's own page (the browser's viewer)."""
    item = _item(request, pk)
    if not item.published:
        require(request.user, "library.manage", item)
    return _serve(request, item.file.name, item.file_type)


@login_required
def item_image(request, pk):
    item = _item(request, pk)
    return _serve(request, item.image.name, item.image_type)


@login_required
def photo(request, pk):
    p = get_visible_or_404(Photo.objects.all(), request.user, "library.view", pk=pk)
    return _serve(request, p.image.name, p.image_type)


@login_required
@require_POST
def beat(request, pk):
    """A heartbeat from the player or reader: seconds studied since the last one, and the position."""
    item = _item(request, pk)
    member = getattr(request.user, "member", None)
    if member is None or not item.studied:
        return JsonResponse({"accepted": False, "error": "只有党员本人学习视频和文档才计学时"}, status=403)
    try:
        data = (
            json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
        )
        played, position = float(data.get("played")), float(data.get("position") or 0)
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(
            {"accepted": False, "error": "数据格式不正确：需要 played 和 position（秒）"}, status=400
        )
    result = services.heartbeat(member=member, item=item, played=played, position=position)
    progress = Progress.objects.get(member=member, item=item)
    return JsonResponse(
        {
            "accepted": result.accepted,
            "credited": result.credited,
            "seconds": progress.seconds,
            "duration": item.duration,
        }
    )


def _item_form(request, kind, item):
    Form = item_form_class(kind)
    form = Form(request.POST or None, request.FILES or None, instance=item)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            services.item_save(
                item=obj,
                file=form.cleaned_data.get("file"),
                image=form.cleaned_data.get("image"),
                photo=form.cleaned_data.get("photo"),
                photo_caption=form.cleaned_data.get("photo_caption", ""),
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "已保存")
            return redirect("library:item", obj.pk)
    return render(
        request,
        "library/item_form.html",
        {"form": form, "item": item, "kind_label": Item.Kind(kind).label, "uploads": UPLOADS[kind]},
    )


@login_required
def item_new(request):
    district = visible(District, request.user, "library.view").first()
    if district is None:
        raise Http404
    require(request.user, "library.manage", district)
    kind = request.GET.get("kind", "")
    if kind not in Item.Kind.values:
        return render(request, "library/item_kind.html", {"kinds": Item.Kind.choices})
    return _item_form(request, kind, Item(district=district, kind=kind))


@login_required
def item_edit(request, pk):
    item = _item(request, pk)
    require(request.user, "library.manage", item)
    return _item_form(request, item.kind, item)


# --- learning hours ----------------------------------------------------------------------------


@login_required
def my_hours(request):
    member = getattr(request.user, "member", None)
    year = _year(request)
    context = {"year": year, "member": member}
    if member is not None:
        row = selectors.member_rows([member], year)[0]
        context.update(
            row=row,
            progress=Progress.objects.filter(member=member, seconds__gt=0)
            .select_related("item")
            .order_by("-updated")[:30],
            studies=member.collective_studies.filter(date__year=year).order_by("-date"),
            rule_minutes=credit.SECONDS_PER_HOUR["video"] // 60,
        )
    return render(request, "library/my.html", context)


def _need(user, capability):
    if not has_capability(user, capability):
        raise Http404


@login_required
def hours(request):
    """学时 per town, or per branch of one town, with a chart and the export."""
    _need(request.user, "learning.view")
    year = _year(request)
    members = visible(selectors.current_members(year), request.user, "learning.view")
    town = None
    if request.GET.get("town"):
        town = get_visible_or_404(Town.objects.all(), request.user, "learning.view", code=request.GET["town"])
        members = members.filter(branch__town=town)
    towns = (
        visible(Branch, request.user, "learning.view").order_by().values_list("town_id", flat=True).distinct()
    )
    by = "branch" if town is not None or len(towns) <= 1 else "town"
    rows, computed = shared_figures(
        "learning-hours",
        request.user,
        "learning.view",
        (year, town.pk if town else None, by),
        lambda: selectors.summaries(members, year, by),
    )
    chart = {
        "names": [r.name for r in rows],
        "rate": [r.rate for r in rows],
        "average": [r.average for r in rows],
    }
    return render(
        request,
        "library/hours.html",
        {"rows": rows, "by": by, "town": town, "year": year, "chart": chart, "computed": computed},
    )


@login_required
def hours_branch(request, code):
    branch = get_visible_or_404(
        Branch.objects.select_related("town"), request.user, "learning.view", code=code
    )
    year = _year(request)
    members = selectors.current_members(year).filter(branch=branch).order_by("id")
    rows = sorted(selectors.member_rows(members, year), key=lambda r: (r.owed == 0, -r.owed))
    return render(
        request,
        "library/hours_branch.html",
        {
            "branch": branch,
            "rows": rows,
            "year": year,
            "studies": branch.collective_studies.filter(date__year=year)[:20],
            "can_record": can(request.user, "learning.record", branch),
            "short": sum(1 for r in rows if r.owed),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hours_export(request):
    params = {"year": str(_year(request)), "town": request.GET.get("town", "")}
    return exports.respond(request, "library.hours", params)


# --- collective study and hall visits ----------------------------------------------------------


def _chosen_branch(request, capability):
    """The branch named by ?branch= (or the only one the user has), within reach for `capability`."""
    branches = visible(Branch.objects.select_related("town"), request.user, capability)
    code = request.GET.get("branch") or request.POST.get("branch")
    if code:
        branch = get_visible_or_404(
            Branch.objects.select_related("town"), request.user, "org.view", code=code
        )
        require(request.user, capability, branch)
        return branch, branches
    if not branches.exists():
        raise Http404
    return (branches.first() if branches.count() == 1 else None), branches


@login_required
def study_list(request):
    _need(request.user, "learning.view")
    year = _year(request)
    studies = (
        visible(CollectiveStudy.objects.select_related("branch"), request.user, "learning.view")
        .filter(date__year=year)
        # each study's head count only: no member rows (and their personal data) read for it
        .annotate(n_attendees=Count("attendees"))
        .order_by("-date", "-id")[:100]  # a grouped query does not take the model's ordering
    )
    return render(
        request,
        "library/study_list.html",
        {"studies": studies, "year": year, "can_record": has_capability(request.user, "learning.record")},
    )


@login_required
def study_new(request):
    branch, branches = _chosen_branch(request, "learning.record")
    if branch is None:
        return render(request, "library/choose_branch.html", {"branches": branches, "title": "登记集中学习"})
    today = timezone.localdate()
    members = branch.members_on(today).order_by("id")
    form = CollectiveStudyForm(request.POST or None, members=members, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.collective_study_record(branch=branch, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "集中学习已登记，参加人员的学时已计入")
            return redirect("library:hours_branch", branch.code)
    return render(request, "library/study_form.html", {"form": form, "branch": branch})


@login_required
def visits(request):
    if not (has_capability(request.user, "learning.view") or has_capability(request.user, "library.manage")):
        raise Http404
    year = _year(request)
    cap = "learning.view" if has_capability(request.user, "learning.view") else "library.manage"
    in_year = visible(HallVisit.objects.all(), request.user, cap).filter(date__year=year)
    # each visit's head count only: no member rows (and their personal data) read for it
    rows = (
        in_year.select_related("branch__town")
        .annotate(n_attendees=Count("attendees"))
        .order_by("-date", "-id")
    )
    person_times = selectors.hall_person_times(in_year)
    return render(
        request,
        "library/visits.html",
        {
            "visits": Paginator(rows, 50).get_page(request.GET.get("page")),
            "year": year,
            "person_times": person_times,
            "can_record": has_capability(request.user, "library.manage"),
        },
    )


@login_required
def visit_new(request):
    branch, branches = _chosen_branch(request, "library.manage")
    if branch is None:
        return render(request, "library/choose_branch.html", {"branches": branches, "title": "登记展厅参观"})
    today = timezone.localdate()
    members = branch.members_on(today).order_by("id")
    form = HallVisitForm(request.POST or None, members=members, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["guests"] = data.get("guests") or 0
        try:
            services.hall_visit_record(branch=branch, user=request.user, **data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "参观已登记")
            return redirect("library:visits")
    return render(request, "library/visit_form.html", {"form": form, "branch": branch})
