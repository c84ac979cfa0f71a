"""A long job's progress reaches the page through the shared cache, even from inside the job's own
transaction; the row has it where no transaction hides it and at the end, when the reports are dropped."""

import re

from django.core.cache import cache

from zhibu.core import progress
from zhibu.core.models import Job


def _job(cast, **kw) -> Job:
    return Job.objects.create(kind="test", owner=cast.admin, **kw)


def test_progress_reported_is_what_the_page_reads_before_the_row(cast):
    job = _job(cast)
    job.progress(3, 12, "正在检查")
    shown = Job.objects.live(pk=job.pk)
    assert (shown.status, shown.done, shown.total, shown.message, shown.percent) == (
        "running",
        3,
        12,
        "正在检查",
        25,
    )
    job.progress(6)
    assert Job.objects.get(pk=job.pk).live().percent == 50  # total and message kept from before


def test_a_finished_job_is_shown_as_its_row_says(cast, django_capture_on_commit_callbacks):
    job = _job(cast)
    job.progress(5, 10, "正在检查")
    with django_capture_on_commit_callbacks(execute=True):
        job.finish(result={"rows": 10})
    assert progress.read(job.pk) is None  # dropped once the end was committed
    shown = Job.objects.live(pk=job.pk)
    assert (shown.status, shown.done, shown.total, shown.percent, shown.result) == (
        "done",
        10,
        10,
        100,
        {"rows": 10},
    )


def test_a_finished_row_wins_over_a_report_not_yet_dropped(cast):
    job = _job(cast)
    job.progress(5, 10, "正在检查")
    job.finish(failed="表格无法读取" * 60)  # the report is dropped only when this commits
    assert progress.read(job.pk) is not None
    shown = Job.objects.live(pk=job.pk)
    assert shown.status == "failed" and shown.done == 5 and len(shown.message) == 300


def test_the_effect_page_shows_the_running_jobs_progress(cast, login, monkeypatch):
    from zhibu.plans import tasks

    cache.clear()
    queued = []
    monkeypatch.setattr(tasks.effect_compute, "delay", lambda job_id: queued.append(job_id))
    client = login("admin")
    client.get("/plans/effect/")
    Job.objects.get(pk=queued[0]).progress(1, 4, "已检查 一号镇")  # as the worker's run reports it
    page = client.get("/plans/effect/").content.decode()
    assert "已检查 一号镇" in page and re.search(r'aria-valuenow="25"', page)


class Unreachable:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Redis is away")

        return fail


def test_an_unreachable_cache_fails_neither_the_job_nor_the_page(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(progress, "cache", Unreachable())
    job = _job(cast, total=8)
    job.progress(4, message="正在检查")
    assert Job.objects.live(pk=job.pk).status == "queued"  # the row, as far as it was written
    with django_capture_on_commit_callbacks(execute=True):
        job.finish(result={})
    assert Job.objects.live(pk=job.pk).status == "done"
