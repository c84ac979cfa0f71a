import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from zhibu.accounts.reach import has_capability, reaches

from .audit import record, seal
from .models import AuditEvent
from .nav import registry
from .xlsx import XLSX_TYPE, workbook_bytes


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
    events = AuditEvent.objects.all()
    q = {k: request.GET.get(k, "").strip() for k in ("user", "action", "since", "until", "target")}
    if q["user"]:
        events = events.filter(username__icontains=q["user"])
    if q["action"]:
        events = events.filter(action__icontains=q["action"])
    if q["target"]:
        events = events.filter(target__icontains=q["target"])
    try:
        if q["since"]:
            events = events.filter(at__date__gte=datetime.date.fromisoformat(q["since"]))
        if q["until"]:
            events = events.filter(at__date__lte=datetime.date.fromisoformat(q["until"]))
    except ValueError:
        messages.error(request, "日期格式应为 YYYY-MM-DD")
    if request.GET.get("format") == "xlsx":
        record(request, "audit.export", "", {k: v for k, v in q.items() if v})
        rows = [
            [
                e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                e.username,
                e.action,
                e.target,
                e.ip or "",
                str(e.detail),
                e.hash,
            ]
            for e in events[:100_000]
        ]
        response = HttpResponse(
            workbook_bytes(
                [("审计记录", ["时间", "账号", "操作", "对象", "来源地址", "详情", "哈希"], rows)]
            ),
            content_type=XLSX_TYPE,
        )
        response["Content-Disposition"] = 'attachment; filename="audit.xlsx"'
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page, "q": q})
