"""Exports: small ones downloaded at once, large ones made by the queue with progress, kept for a day, audited."""

import datetime
import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from openpyxl import load_workbook

from zhibu.accounts import services
from zhibu.accounts.models import Role, User
from zhibu.core import audit, exports, jobs, xlsx
from zhibu.core.models import AuditEvent, Job
from zhibu.core.xlsx import write_workbook
from zhibu.orgs.models import Member


def names(data: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(data))["党员花名册"]
    return {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}


def last_event(action: str) -> AuditEvent:
    audit.seal()
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


@pytest.fixture
def large(settings):
    """Every export counts as large: it goes through the queue."""
    settings.ZHIBU_EXPORT_INLINE_ROWS = 0


def test_a_small_export_downloads_at_once_and_is_audited_with_its_rows(cast, login):
    response = login("admin").get("/orgs/export.xlsx?branch=T1-001")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert names(response.getvalue()) == {"甲书记", "甲党员", "甲党务"}
    assert last_event("roster.export").detail == {"branch": "T1-001", "unmasked": False, "rows": 3}
    assert not Job.objects.filter(kind="export").exists()


def test_a_large_export_is_offered_then_made_in_the_background(
    cast, login, large, django_capture_on_commit_callbacks
):
    client = login("admin")
    offer = client.get("/orgs/export.xlsx")
    page = offer.content.decode()
    assert offer.status_code == 200 and "开始生成" in page and "后台" in page
    assert not Job.objects.filter(kind="export").exists()  # looking starts nothing
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/orgs/export.xlsx")
    job = Job.objects.get(kind="export")
    assert started.status_code == 302 and started["Location"] == f"/exports/{job.pk}/"
    assert job.status == Job.Status.DONE and job.done == job.total == job.result["rows"]
    page = client.get(started["Location"]).content.decode()
    assert "roster-all.xlsx" in page and f"/exports/{job.pk}/file" in page and "保留至" in page
    download = client.get(f"/exports/{job.pk}/file")
    assert download["Content-Disposition"].startswith('attachment; filename="roster-all.xlsx"')
    assert names(download.getvalue()) >= {"甲书记", "乙书记", "丙党员"}  # the whole district
    assert last_event("roster.export").detail["job"] == str(job.pk)


def test_the_same_export_asked_twice_while_queued_is_one_job(cast, login, large):
    client = login("admin")
    with mock.patch("zhibu.core.tasks.export_run.delay"):
        first = client.post("/orgs/export.xlsx?branch=T1-001")
        again = client.post("/orgs/export.xlsx?branch=T1-001")
        other = client.post("/orgs/export.xlsx?branch=T1-002")
    assert first["Location"] == again["Location"] != other["Location"]
    assert Job.objects.filter(kind="export").count() == 2


def test_an_export_job_is_its_owners_alone(cast, login, large, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        url = login("admin").post("/library/hours/export.xlsx?year=2025")["Location"]
    assert login("admin").get(url).status_code == 200
    assert login("supervisor").get(url).status_code == 404
    assert login("supervisor").get(url + "file").status_code == 404


def test_a_user_without_the_right_gets_no_export_and_no_job(cast, login, large):
    assert login("member_a").post("/orgs/export.xlsx").status_code == 403
    assert login("member_a").post("/library/hours/export.xlsx").status_code == 404
    assert not Job.objects.filter(kind="export").exists()


def test_a_job_whose_owner_lost_the_right_fails_with_a_reason(cast, login, large):
    with mock.patch("zhibu.core.tasks.export_run.delay"):
        url = login("supervisor").post("/orgs/export.xlsx")["Location"]
    job = Job.objects.get(kind="export")
    cast.supervisor.grants.all().delete()
    exports.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.file
    assert "无权导出" in login("supervisor").get(url).content.decode()


def test_a_job_run_again_after_a_worker_died_ends_once(cast, login, large):
    with mock.patch("zhibu.core.tasks.export_run.delay"):
        login("admin").post("/orgs/export.xlsx")
    job = Job.objects.get(kind="export")
    exports.run(str(job.pk))
    job.refresh_from_db()
    made = job.file.name
    exports.run(str(job.pk))  # delivered again: nothing more is made or audited
    job.refresh_from_db()
    assert job.file.name == made
    audit.seal()
    assert AuditEvent.objects.filter(action="roster.export", detail__job=str(job.pk)).count() == 1


def test_a_file_left_by_a_run_that_died_is_made_anew(cast, login, large):
    with mock.patch("zhibu.core.tasks.export_run.delay"):
        login("admin").post("/orgs/export.xlsx")
    job = Job.objects.get(kind="export")
    name = job.file.field.generate_filename(job, f"{job.pk}.xlsx")
    job.file.storage.save(name, ContentFile(b"half a file"))  # the worker died before the job ended
    exports.run(str(job.pk))
    job.refresh_from_db()
    assert job.file.name == name and job.file.read()[:2] == b"PK"


def test_files_are_deleted_after_the_hours_kept(
    cast, login, large, settings, django_capture_on_commit_callbacks
):
    settings.ZHIBU_EXPORT_KEEP_HOURS = 24
    client = login("admin")
    with django_capture_on_commit_callbacks(execute=True):
        url = client.post("/orgs/export.xlsx")["Location"]
    job = Job.objects.get(kind="export")
    storage, name = job.file.storage, job.file.name
    assert jobs.prune_files() == 0 and storage.exists(name)
    assert jobs.prune_files(timezone.now() + datetime.timedelta(hours=25)) == 1
    assert not storage.exists(name)
    assert "已在生成 24 小时后删除" in client.get(url).content.decode()
    assert client.get(url + "file")["Location"] == url


def test_an_uploaded_roster_is_deleted_after_the_days_kept_and_then_cannot_be_confirmed(
    cast, login, settings
):
    from tests.orgs.test_roster_import import _upload, messy_rows

    settings.ZHIBU_UPLOAD_KEEP_DAYS = 7
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    storage, name = job.file.storage, job.file.name
    assert jobs.prune_files(timezone.now() + datetime.timedelta(days=6)) == 0 and storage.exists(name)
    assert jobs.prune_files(timezone.now() + datetime.timedelta(days=8)) == 1 and not storage.exists(name)
    client.post(f"/orgs/import/{job.pk}/")  # the confirm button, still on the page
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.result.get("applied")
    assert not Member.objects.filter(name="张大山").exists()
    assert "上传的文件已按保留期限删除，请重新上传" in client.get(f"/orgs/import/{job.pk}/").content.decode()


def test_the_audit_trail_export_goes_the_same_way(cast, login, large, django_capture_on_commit_callbacks):
    auditor = User.objects.create_user("audit1")
    services.grant_add(user=auditor, role=Role.objects.get(code="audit_admin"), district=cast.a.town.district)
    audit.append(username="secretary_a", action="roster.export")
    client = login("audit1")
    assert "开始生成" in client.get("/audit/?format=xlsx&user=secretary_a").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        url = client.post("/audit/?format=xlsx&user=secretary_a")["Location"]
    assert "下载" in client.get(url).content.decode()
    sheet = load_workbook(io.BytesIO(client.get(url + "file").getvalue())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["secretary_a"]


def test_a_workbook_streams_its_rows_and_reports_progress():
    seen = []

    def rows():
        for i in range(2500):
            yield [i, f"第{i}行"]

    out = io.BytesIO()
    counts = write_workbook(out, [("a", ["n", "text"], rows()), ("b", ["x"], [])], progress=seen.append)
    assert counts == [2500, 0] and seen == [1000, 2000]
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book["a"].max_row == 2501 and book["a"].freeze_panes == "A2" and book["a"]["A1"].font.b


def test_a_sheet_longer_than_excel_opens_goes_on_in_numbered_sheets_with_the_header(monkeypatch):
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 11)  # Excel's 1,048,576, header included, made small
    out = io.BytesIO()
    title = "党员明细" * 8  # longer than a sheet's 31 characters
    counts = write_workbook(out, [(title, ["n"], ([i] for i in range(25))), ("b", ["x"], [[1]])])
    assert counts == [25, 1]
    book = load_workbook(io.BytesIO(out.getvalue()))
    names = book.sheetnames
    assert names[1:] == [names[0][:28] + "（2）", names[0][:28] + "（3）", "b"] and len(names[0]) == 31
    parts = [[r[0] for r in book[name].iter_rows(values_only=True)] for name in names[:3]]
    assert [p[0] for p in parts] == ["n", "n", "n"]
    assert sum((p[1:] for p in parts), []) == list(range(25)) and [len(p) for p in parts] == [11, 11, 6]


def test_the_export_pages_speak_english_too(cast, login, large, django_capture_on_commit_callbacks):
    client = login("admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    offer = client.get("/orgs/export.xlsx").content.decode()
    assert "Make it" in offer and "Party member roster" in offer and "开始生成" not in offer
    with django_capture_on_commit_callbacks(execute=True):
        url = client.post("/orgs/export.xlsx")["Location"]
    page = client.get(url).content.decode()
    assert "Download" in page and "rows" in page and "保留至" not in page


def test_an_audit_export_with_a_bad_date_says_so_and_exports_nothing(cast, login):
    auditor = User.objects.create_user("audit1")
    services.grant_add(user=auditor, role=Role.objects.get(code="audit_admin"), district=cast.a.town.district)
    response = login("audit1").get("/audit/?format=xlsx&since=2026-13-40")
    assert response.status_code == 200 and "日期格式应为 YYYY-MM-DD" in response.content.decode()
    assert last_event("audit.export") is None
