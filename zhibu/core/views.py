from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRefresh

from zhibu.accounts.reach import has_capability, reaches
from zhibu.core.pagination import Paginator

from . import exports
from .audit import seal, search
from .models import Job
from .nav import registry
from .xlsx import XLSX_TYPE


@login_required
def home(request):
    """What this person has to do now, gathered from every area."""
    todos = []
    for provider in registry.todo_providers:
        todos.extend(provider(request.user))
    todos.sort(key=lambda t: t.get("priority", 50))
    grants = request.user.grants.select_related("role", "district", "town", "branch")
    return render(request, "home.html", {"todos": todos, "grants": grants, "reaches": reaches(request.user)})


def health(request):
    """For the load balancer: the application answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)


@login_required
def audit_log(request):
    """The audit trail, for the audit administrator only: search, then export what was found."""
    if not has_capability(request.user, "audit.view"):
        raise Http404
    seal()  # what was written a moment ago is in the chain before it is searched
    events, q, error = search(request.GET)
    if error:  # and nothing is exported: the file would not be what was asked for
        messages.error(request, error)
    elif request.GET.get("format") == "xlsx":
        return exports.respond(request, "core.audit", q)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page, "q": q})


def _export_job(request, pk) -> Job:
    try:  # someone else's export is not found
        return Job.objects.live(pk=pk, owner=request.user, kind=exports.KIND)
    except Job.DoesNotExist:
        raise Http404 from None


@login_required
def export_job(request, pk):
    """A large export being made in the background: its progress, then its file to download."""
    job = _export_job(request, pk)
    if request.htmx:  # the progress bar polling
        if job.finished:
            return HttpResponseClientRefresh()
        return render(request, "core/_job_progress.html", {"job": job, "poll_url": request.path})
    context = {"job": job, "expires": exports.expires(job), "keep_hours": settings.ZHIBU_EXPORT_KEEP_HOURS}
    return render(request, "core/export_job.html", context)


@login_required
def export_file(request, pk):
    job = _export_job(request, pk)
    if job.status != Job.Status.DONE or not job.file:  # not made yet, or deleted when it expired
        return redirect("export", pk=job.pk)
    name = job.result.get("filename") or "export.xlsx"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX_TYPE)
