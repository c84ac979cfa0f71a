"""A 台账 import runs as a queued job: its page shows the progress, then the preview or the result; the
write is all or nothing and happens once, however often the job is confirmed or delivered."""

import io
import re

import pytest
from openpyxl import Workbook

from zhibu.core.models import Job
from zhibu.records import services, tasks, workbook
from zhibu.records.chain import verify
from zhibu.records.models import Meeting

from .test_workbook import GOOD, _upload

HTMX = {"HTTP_HX_REQUEST": "true"}
SEAL = services.seal


def _shown(page: str) -> tuple[int, str]:
    """What the progress bar shows: its percentage and its line of text."""
    percent = int(re.search(r'aria-valuenow="(\d+)"', page)[1])
    return percent, re.search(r'<div id="job-progress"[^>]*>\s*<p>(.*?)</p>', page, re.S)[1].strip()


def _job(url: str) -> Job:
    return Job.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])


class Killed(BaseException):
    """The worker dying: nothing of the run's transaction is committed, nothing after it runs."""


def _seal_spying(monkeypatch, look):
    """`look(sealed)` is called before each imported record is sealed, inside the import's transaction."""
    sealed = []

    def seal(meeting, amendment=None):
        look(len(sealed))
        sealed.append(meeting.pk)
        return SEAL(meeting, amendment)

    monkeypatch.setattr(services, "seal", seal)


def test_the_upload_is_queued_and_its_page_shows_progress_then_the_preview(cast, login, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.ledger_plan, "delay", lambda job_id: queued.append(job_id))
    client = login("secretary_a")
    url = _upload(client, GOOD)
    job = _job(url)
    assert queued == [str(job.pk)] and job.status == "queued" and job.result == {}

    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and "确认导入" not in page  # polls; no preview yet
    assert _shown(page) == (0, "正在处理… 0 / ?")

    job.progress(1, 2, workbook.CHECKING)  # as the worker's run reports it
    polled = client.get(url, **HTMX)
    assert polled.status_code == 200 and "HX-Refresh" not in polled
    assert _shown(polled.content.decode()) == (50, "正在核对台账… 1 / 2")

    tasks.ledger_plan(queued[0])  # the worker's run
    assert client.get(url, **HTMX)["HX-Refresh"] == "true"  # the preview takes the bar's place
    page = client.get(url).content.decode()
    assert "确认导入（新增 2 次会议）" in page and "aria-valuenow" not in page
    assert not Meeting.objects.filter(branch=cast.a).exists()  # a preview writes nothing


def test_the_confirm_is_queued_and_its_page_shows_the_write_then_the_result(cast, login, monkeypatch):
    client = login("secretary_a")
    url = _upload(client, GOOD)
    queued = []
    monkeypatch.setattr(tasks.ledger_apply, "delay", lambda job_id: queued.append(job_id))
    client.post(url)
    assert len(queued) == 1 and _job(url).status == "queued"
    page = client.get(url).content.decode()
    assert "aria-valuenow" in page and "确认导入" not in page  # the bar, not the button, while it waits

    seen = []
    _seal_spying(monkeypatch, lambda sealed: seen.append(_shown(client.get(url, **HTMX).content.decode())))
    tasks.ledger_apply(queued[0])
    # Seen from outside while the import's transaction was still open: checked, then written one by one.
    assert seen == [(0, "正在写入台账… 0 / 2"), (50, "正在写入台账… 1 / 2")]
    assert client.get(url, **HTMX)["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "台账已导入" in page and "确认导入" not in page and "aria-valuenow" not in page
    job = _job(url)
    assert (job.status, job.done, job.total) == ("done", 2, 2) and job.result["applied"]
    assert Meeting.objects.filter(branch=cast.a, created_by=cast.secretary_a).count() == 2


def test_confirming_twice_or_delivering_twice_imports_once(cast, login, monkeypatch):
    client = login("secretary_a")
    url = _upload(client, GOOD)
    queued = []
    monkeypatch.setattr(tasks.ledger_apply, "delay", lambda job_id: queued.append(job_id))
    client.post(url)
    second = client.post(url, follow=True).content.decode()  # a double click: the job is already queued
    assert len(queued) == 1 and "台账正在处理，请稍候" in second

    tasks.ledger_apply(queued[0])
    tasks.ledger_apply(queued[0])  # the queue delivers the job again: it is not run again
    assert Meeting.objects.filter(branch=cast.a).count() == 2 and verify() == []
    assert _job(url).result["counts"] == {"create": 2, "same": 0, "error": 0}  # the first run's result
    again = client.post(url, follow=True).content.decode()
    assert len(queued) == 1 and "此台账已导入，不会重复导入" in again
    assert Meeting.objects.filter(branch=cast.a).count() == 2


def test_a_confirm_that_raced_another_starts_nothing(cast, login, monkeypatch):
    from zhibu.records.views import _start_apply

    client = login("secretary_a")
    url = _upload(client, GOOD)
    queued = []
    monkeypatch.setattr(tasks.ledger_apply, "delay", lambda job_id: queued.append(job_id))
    seen = Job.objects.live(pk=_job(url).pk)  # what this request read: a finished, valid preview
    Job.objects.filter(pk=seen.pk).update(status=Job.Status.QUEUED)  # another request's confirm, since
    assert _start_apply(seen) is False and queued == []
    Job.objects.filter(pk=seen.pk).update(status=Job.Status.DONE)
    assert _start_apply(seen) is True and queued == [str(seen.pk)]
    assert _job(url).status == "queued"


def test_a_job_queued_again_after_it_was_applied_is_shown_done(cast, login):
    client = login("secretary_a")
    url = _upload(client, GOOD)
    client.post(url)
    job = _job(url)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0)
    tasks.ledger_apply(str(job.pk))
    job.refresh_from_db()
    assert job.status == "done" and job.result["applied"]
    assert Meeting.objects.filter(branch=cast.a).count() == 2


def test_a_run_killed_half_way_imports_nothing_until_the_next_delivery_imports_it_once(
    cast, login, monkeypatch
):
    client = login("secretary_a")
    url = _upload(client, GOOD)
    queued = []
    monkeypatch.setattr(tasks.ledger_apply, "delay", lambda job_id: queued.append(job_id))
    client.post(url)

    def die(sealed):
        if sealed == 1:
            raise Killed

    _seal_spying(monkeypatch, die)
    with pytest.raises(Killed):
        tasks.ledger_apply(queued[0])
    assert not Meeting.objects.filter(branch=cast.a).exists()  # its transaction was rolled back whole
    assert _shown(client.get(url, **HTMX).content.decode()) == (50, "正在写入台账… 1 / 2")

    _seal_spying(monkeypatch, lambda sealed: None)
    tasks.ledger_apply(queued[0])  # the next worker gets the job
    assert Meeting.objects.filter(branch=cast.a).count() == 2 and verify() == []
    assert _job(url).result["applied"] and client.get(url, **HTMX)["HX-Refresh"] == "true"


def test_a_file_that_is_not_a_workbook_gets_the_reason_in_chinese(cast, login):
    client = login("secretary_a")
    not_xlsx = io.BytesIO("会议日期,会议类型\n2025-03-05,党员大会\n".encode())
    not_xlsx.name = "台账.csv"
    url = client.post("/records/branches/T1-001/import/", {"file": not_xlsx})["Location"]
    page = client.get(url).content.decode()
    assert "文件不是 Excel（.xlsx）格式；如为 .xls 请先另存为 .xlsx" in page and "重新上传" in page
    assert "aria-valuenow" not in page and _job(url).status == "failed"


def test_a_workbook_without_the_header_gets_the_reason_in_chinese(cast, login):
    wb = Workbook()
    wb.active.append(["甲村党支部2025年三会一课台账"])
    wb.active.append(["2025.3.5", "主题党日", "活动室"])
    headless = io.BytesIO()
    wb.save(headless)
    headless.seek(0)
    headless.name = "台账.xlsx"
    client = login("secretary_a")
    url = client.post("/records/branches/T1-001/import/", {"file": headless})["Location"]
    page = client.get(url).content.decode()
    assert "没有找到表头：第一张工作表的前 15 行中应有“会议日期”和“会议类型”列" in page
    assert _job(url).status == "failed" and not Meeting.objects.exists()


def test_the_error_report_is_still_a_workbook(cast, login):
    client = login("secretary_a")
    url = _upload(client, [*GOOD, [3, "2025-05-06", "茶话会", "活动室", "甲书记", "", "", "甲书记"]])
    page = client.get(url).content.decode()
    assert "有 1 行有错误" in page and "确认导入" not in page
    report = client.get(url + "errors.xlsx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert report["Content-Disposition"] == 'attachment; filename="ledger-errors.xlsx"'
