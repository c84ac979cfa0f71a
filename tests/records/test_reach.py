"""Reach matrix rows for every URL of the record book."""

import datetime

import pytest
from django.core.files.base import ContentFile

from tests.reach import ALL_200, ROLES, expect, run_matrix

VIEW_A = expect(200, secretary_b=404)
MANAGE_A = expect(403, secretary_a=200, worker_a=200, secretary_b=404)
MANAGE_A_POST = expect(403, secretary_a=302, worker_a=302, secretary_b=404)
REVIEW_A_POST = expect(403, supervisor=302, admin=302, secretary_b=404)
MEMBER_OF_A = expect(403, secretary_a=200, member_a=200, worker_a=200, secretary_b=404)

MATRIX = [
    ("records:index", "get", lambda w: "/records/", ALL_200),
    ("records:branch", "get", lambda w: "/records/branches/T1-001/", VIEW_A),
    (
        "records:branch",
        "get",
        lambda w: "/records/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("records:plan", "get", lambda w: "/records/branches/T1-001/new/", MANAGE_A),
    ("records:handbook", "get", lambda w: "/records/branches/T1-001/handbook/2025.xlsx", VIEW_A),
    ("records:meeting", "get", lambda w: f"/records/{w.meeting.pk}/", VIEW_A),
    ("records:edit", "get", lambda w: f"/records/{w.meeting.pk}/edit/", MANAGE_A),
    ("records:findings", "get", lambda w: f"/records/{w.meeting.pk}/findings/", VIEW_A),
    ("records:attendance", "get", lambda w: f"/records/{w.meeting.pk}/attendance/", VIEW_A),
    ("records:screen", "get", lambda w: f"/records/{w.meeting.pk}/screen/", MANAGE_A),
    ("records:qr", "get", lambda w: f"/records/{w.meeting.pk}/qr/", MANAGE_A),
    ("records:leave", "get", lambda w: f"/records/{w.meeting.pk}/leave/", MEMBER_OF_A),
    ("records:signin_sheet", "get", lambda w: f"/records/{w.meeting.pk}/signin.pdf", VIEW_A),
    ("records:attachment", "get", lambda w: f"/records/attachments/{w.attachment.pk}/", VIEW_A),
    ("records:signin", "get", lambda w: f"/records/signin/{w.token}/", ALL_200),
    ("records:session", "post", lambda w: f"/records/{w.meeting.pk}/session/", MANAGE_A_POST),
    ("records:resolution_add", "post", lambda w: f"/records/{w.meeting.pk}/resolutions/", MANAGE_A_POST),
    ("records:attachment_add", "post", lambda w: f"/records/{w.meeting.pk}/attachments/", MANAGE_A_POST),
    ("records:submit", "post", lambda w: f"/records/{w.meeting.pk}/submit/", MANAGE_A_POST),
    ("records:review", "post", lambda w: f"/records/{w.meeting.pk}/review/", REVIEW_A_POST),
    ("records:amend", "post", lambda w: f"/records/{w.meeting.pk}/amend/", MANAGE_A_POST),
    (
        "records:resolution_delete",
        "post",
        lambda w: f"/records/resolutions/{w.resolution.pk}/delete/",
        MANAGE_A_POST,
    ),
    (
        "records:attachment_delete",
        "post",
        lambda w: f"/records/attachments/{w.attachment.pk}/delete/",
        MANAGE_A_POST,
    ),
]


@pytest.fixture
def world(cast):
    from zhibu.core import qr
    from zhibu.records.models import Attachment, Meeting, Resolution

    cast.meeting = Meeting.objects.create(
        branch=cast.a, types=["general_meeting"], date=datetime.date.today(), place="活动室", topic="测试"
    )
    cast.resolution = Resolution.objects.create(meeting=cast.meeting, title="事项", declared="passed")
    cast.attachment = Attachment(
        meeting=cast.meeting,
        kind="photo",
        name="a.jpg",
        content_type="image/jpeg",
        sha256="0" * 64,
        extension=".jpg",
    )
    cast.attachment.file.save("a.jpg", ContentFile(b"\xff\xd8\xff\xe0test"), save=True)
    cast.token = qr.make_token("meeting", cast.meeting.pk)
    return cast


@pytest.mark.parametrize("role", ROLES)
def test_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login(world, client):
    for name, method, build, _ in MATRIX:
        response = getattr(client, method)(build(world))
        if name.startswith("meeting-"):
            assert response.status_code in (401, 403), name
        else:
            assert response.status_code == 302 and "/login/" in response["Location"], name


def _job(w):
    from zhibu.core.models import Job

    job = Job.objects.create(
        kind="records_ledger",
        owner=w.secretary_a,
        params={"branch": "T1-001"},
        status="done",
        result={"rows": [], "counts": {"create": 0, "same": 0, "error": 0}},
    )
    return job.pk


MATRIX += [
    ("records:import", "get", lambda w: "/records/branches/T1-001/import/", MANAGE_A),
    ("records:import_job", "get", lambda w: f"/records/import/{_job(w)}/", expect(404, secretary_a=200)),
    (
        "records:import_errors",
        "get",
        lambda w: f"/records/import/{_job(w)}/errors.xlsx",
        expect(404, secretary_a=200),
    ),
]


MATRIX += [
    ("records:schedule", "get", lambda w: "/records/schedule/", ALL_200),
    ("records:schedule", "post", lambda w: "/records/schedule/", expect(403, admin=200)),
    ("records:schedule_matrix", "get", lambda w: "/records/schedule/towns/T1/", expect(200, secretary_b=404)),
]


MATRIX += [
    ("records:findings", "post", lambda w: f"/records/{w.meeting.pk}/findings/", MANAGE_A),
]


MATRIX += [
    ("meeting-list", "get", lambda w: "/api/v1/meetings/?branch=T1-001", ALL_200),
    ("meeting-detail", "get", lambda w: f"/api/v1/meetings/{w.meeting.pk}/", VIEW_A),
]


def test_api_lists_only_meetings_in_reach(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.secretary_b)
    assert api.get("/api/v1/meetings/").json()["count"] == 0
    api.force_authenticate(world.member_a)
    rows = api.get("/api/v1/meetings/?from=2000-01-01").json()["results"]
    assert [r["id"] for r in rows] == [world.meeting.pk] and rows[0]["branch"] == "T1-001"


def test_api_meetings_carry_their_attendance_with_names(world):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from zhibu.orgs.models import Member
    from zhibu.records.models import Attendance

    worker = Member.objects.get(name="甲党务")
    signed = timezone.make_aware(datetime.datetime(2025, 6, 1, 9, 5))
    Attendance.objects.create(
        meeting=world.meeting, member=world.member_of_a, state="present", signed_at=signed
    )
    Attendance.objects.create(
        meeting=world.meeting, member=worker, state="leave", reason="外出务工", by_proxy=True
    )
    api = APIClient()
    api.force_authenticate(world.admin)
    for url in ("/api/v1/meetings/?branch=T1-001&from=2000-01-01", f"/api/v1/meetings/{world.meeting.pk}/"):
        body = api.get(url).json()
        meeting = body["results"][0] if "results" in body else body
        rows = sorted(meeting["attendance"], key=lambda r: r["member"])
        assert rows == sorted(
            [
                {
                    "member": world.member_of_a.pk,
                    "name": "甲党员",
                    "state": "present",
                    "reason": "",
                    "signed_at": "2025-06-01T09:05:00+08:00",
                    "by_proxy": False,
                },
                {
                    "member": worker.pk,
                    "name": "甲党务",
                    "state": "leave",
                    "reason": "外出务工",
                    "signed_at": None,
                    "by_proxy": True,
                },
            ],
            key=lambda r: r["member"],
        )


MATRIX += [
    ("records:exclusions", "get", lambda w: "/records/branches/T1-001/exclusions/", VIEW_A),
    ("records:exclusions", "post", lambda w: "/records/branches/T1-001/exclusions/", MANAGE_A),
]


def test_exclusions_leave_members_out_of_expected(world, login):
    import datetime

    from zhibu.records.services import expected_members

    secretary = login("secretary_a")
    today = datetime.date.today()
    bad = secretary.post(
        "/records/branches/T1-001/exclusions/",
        {"member": world.member_of_a.pk, "start": today.isoformat(), "end": "2000-01-01", "reason": "出国"},
    )
    assert "截止日期不能早于起始日期" in bad.content.decode()
    secretary.post(
        "/records/branches/T1-001/exclusions/",
        {
            "member": world.member_of_a.pk,
            "start": "2000-01-01",
            "end": "2099-12-31",
            "reason": "出国（境）半年以上",
        },
    )
    assert world.member_of_a not in expected_members(world.meeting)
    assert (
        "出国（境）半年以上"
        in login("supervisor").get("/records/branches/T1-001/exclusions/").content.decode()
    )
