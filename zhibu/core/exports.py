"""报表导出: a spreadsheet of what a user may see, sent at once when it is small, made by the task queue when
it is large.

An export is a function, named in EXPORTS, that takes the user and the request's parameters, checks the
user's reach as the page does (Http404 or PermissionDenied) and returns an Export: its file name, how many
rows it will have (counted cheaply) and a function that gives its sheets, the rows read as they are written.

`respond` is the whole view: a GET of up to settings.ZHIBU_EXPORT_INLINE_ROWS rows is written to a temporary
file and downloaded at once (a branch's roster, a town's hours). A larger one (a whole district of a city)
gets a page offering to make it in the background; its POST queues a job, and the worker runs the same
function for the same user, reports its progress, and keeps the file for settings.ZHIBU_EXPORT_KEEP_HOURS
(then the beat's `prune_job_files` deletes it: exports hold personal data). Either way the export is audited,
with the rows it had. A job that a worker died running is run again from the start (acks_late): the file
is written anew and the job ends once.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from . import audit
from .models import Job
from .xlsx import download, write_workbook

KIND = "export"  # Job.kind of every export
# Stored untranslated in the job; its page translates what it shows.
QUEUED = gettext_noop("排队等待生成")
MAKING = gettext_noop("正在生成")
NO_LONGER = gettext_noop("您已无权导出这些数据")
# An export's name (kept in its job) and the function that makes it.
EXPORTS = {
    "orgs.roster": "zhibu.orgs.exports.roster_export",
    "library.hours": "zhibu.library.exports.hours_export",
    "core.audit": "zhibu.core.exports.audit_log",
}


@dataclass
class Export:
    title: str  # what the offer and the job pages call it (untranslated: they translate it)
    filename: str
    rows: int  # how many rows it will have, about (the progress bar's end)
    sheets: Callable[[], list]  # [(title, header, rows)], the rows any iterable, read only when written
    action: str  # the audit trail's action
    detail: dict = field(default_factory=dict)  # the audit trail's detail (the rows are added)


def build(name: str, user, params: dict) -> Export:
    if name not in EXPORTS:
        raise Http404
    return import_string(EXPORTS[name])(user, params)


def respond(request, name: str, params: dict):
    """The view of an export: the file at once, the offer to make it in the background, or (POST) the job."""
    export = build(name, request.user, params)
    if request.method == "POST":
        job = start(request.user, name, params, ip=audit.client_ip(request))
        return redirect("export", pk=job.pk)
    if export.rows <= settings.ZHIBU_EXPORT_INLINE_ROWS:
        response, counts = download(export.sheets(), export.filename)
        audit.record_export(request, export.action, {**export.detail, "rows": sum(counts)})
        return response
    context = {"export": export, "keep_hours": settings.ZHIBU_EXPORT_KEEP_HOURS}
    return render(request, "core/export_offer.html", context)


def start(user, name: str, params: dict, *, ip: str | None) -> Job:
    """Queue the export, or return the same export of this user's that is still queued or running (a second
    press, or a retried request, starts nothing more)."""
    from .tasks import export_run

    with transaction.atomic():
        # The user's row is the lock that makes two presses at once find each other.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        for job in Job.objects.filter(
            owner=user, kind=KIND, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
        ):
            if job.params.get("export") == name and job.params.get("params") == params:
                return job
        job = Job.objects.create(
            kind=KIND, owner=user, message=QUEUED, params={"export": name, "params": params, "ip": ip}
        )
        transaction.on_commit(lambda: export_run.delay(str(job.pk)))
    return job


def run(job_id: str) -> None:
    """Make the job's file (the task's body); a finished job is left as it is."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.finished:
        return
    try:
        export = build(job.params["export"], job.owner, job.params["params"])
    except (Http404, PermissionDenied):  # the user's reach changed since they asked
        job.finish(failed=NO_LONGER)
        return
    job.progress(0, export.rows, message=MAKING)
    with tempfile.TemporaryFile() as f:
        counts = write_workbook(f, export.sheets(), progress=lambda n: job.progress(min(n, export.rows)))
        f.seek(0)
        name = job.file.field.generate_filename(job, f"{job.pk}.xlsx")
        job.file.storage.delete(name)  # left by an earlier run that died before it ended: made anew
        job.file.save(f"{job.pk}.xlsx", File(f), save=False)
    rows = sum(counts)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(file=job.file.name)
        audit.append(
            user=job.owner,
            action=export.action,
            ip=job.params.get("ip"),
            detail={**export.detail, "rows": rows, "job": str(job.pk)},
        )
        job.finish(result={"rows": rows, "filename": export.filename, "title": export.title})


def expires(job: Job) -> datetime.datetime:
    return job.created + datetime.timedelta(hours=settings.ZHIBU_EXPORT_KEEP_HOURS)


def audit_log(user, params: dict) -> Export:
    """The audit trail as searched on its page (the audit administrator's), up to 100,000 events."""
    from zhibu.accounts.reach import has_capability

    from .audit import seal, search

    if not has_capability(user, "audit.view"):
        raise Http404
    events, q, _ = search(params)
    rows = min(events.count(), 100_000)

    def sheets():
        seal()  # what was written a moment ago is in the file too, as on the page (also in a worker)
        header = ["时间", "账号", "操作", "对象", "来源地址", "详情", "哈希"]
        data = (
            [
                e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                e.username,
                e.action,
                e.target,
                e.ip or "",
                str(e.detail),
                e.hash,
            ]
            for e in events[:100_000].iterator(chunk_size=2000)
        )
        return [("审计记录", header, data)]

    detail = {k: v for k, v in q.items() if v}
    return Export(gettext_noop("审计记录"), "audit.xlsx", rows, sheets, "audit.export", detail)
