"""Reach matrix rows for every supervision URL (see tests/reach.py)."""

import pytest

from tests.reach import ROLES, expect, run_matrix

VIEWERS = {"supervisor": 200, "admin": 200, "auditor": 200, "centre": 200}
MANAGERS_A = {"supervisor": 200, "admin": 200}

MATRIX = [
    (
        "supervision:index",
        "get",
        lambda c: "/supervision/",
        expect(404, secretary_a=200, worker_a=200, secretary_b=200, **VIEWERS),
    ),
    ("supervision:board", "get", lambda c: "/supervision/board/", expect(404, **VIEWERS)),
    ("supervision:wall", "get", lambda c: "/supervision/wall/", expect(404, **VIEWERS)),
    (
        "supervision:wall",
        "get",
        lambda c: "/supervision/wall/?town=T2",
        expect(404, admin=200, auditor=200, centre=200),
    ),
    ("supervision:cameras", "get", lambda c: "/supervision/branches/T1-001/cameras/", expect(404, **VIEWERS)),
    (
        "supervision:cameras",
        "post",
        lambda c: "/supervision/branches/T2-001/cameras/",
        expect(404, admin=200, auditor=403, centre=403),
    ),
    (
        "supervision:camera_delete",
        "post",
        lambda c: f"/supervision/cameras/{c.camera_a.pk}/delete/",
        expect(404, auditor=403, centre=403, supervisor=302, admin=302),
    ),
    (
        "supervision:board",
        "get",
        lambda c: "/supervision/board/?town=T2",
        expect(404, admin=200, auditor=200, centre=200),
    ),
    ("supervision:board_data", "get", lambda c: "/supervision/board/data/", expect(404, **VIEWERS)),
    ("supervision:board_data", "get", lambda c: "/supervision/board/data/?town=T1", expect(404, **VIEWERS)),
    (
        "supervision:board_events",
        "get",
        lambda c: "/supervision/board/events/?after=0",
        expect(404, **VIEWERS),
    ),
    (
        "supervision:branch",
        "get",
        lambda c: "/supervision/branches/T1-001/",
        expect(404, secretary_a=200, worker_a=200, **VIEWERS),
    ),
    (
        "supervision:branch",
        "get",
        lambda c: "/supervision/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    (
        "supervision:finding_new",
        "get",
        lambda c: "/supervision/branches/T1-001/findings/new/",
        expect(404, auditor=403, centre=403, **MANAGERS_A),
    ),
    (
        "supervision:finding_new",
        "get",
        lambda c: "/supervision/branches/T2-001/findings/new/",
        expect(404, auditor=403, centre=403, admin=200),
    ),
    (
        "supervision:finding",
        "get",
        lambda c: f"/supervision/findings/{c.finding_a.pk}/",
        expect(404, secretary_a=200, worker_a=200, **VIEWERS),
    ),
    (
        "supervision:finding",
        "get",
        lambda c: f"/supervision/findings/{c.finding_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    (
        "supervision:finding_rectify",
        "post",
        lambda c: f"/supervision/findings/{c.finding_b.pk}/rectify/",
        expect(404, secretary_b=302, admin=403, auditor=403, centre=403),
    ),
    (
        "supervision:finding_decide",
        "post",
        lambda c: f"/supervision/findings/{c.finding_a.pk}/decide/",
        expect(404, secretary_a=403, worker_a=403, auditor=403, centre=403, supervisor=302, admin=302),
    ),
    (
        "supervision:evidence",
        "get",
        lambda c: f"/supervision/evidence/{c.evidence_a.pk}/",
        expect(404, secretary_a=200, worker_a=200, **VIEWERS),
    ),
    ("supervision:dispatches", "get", lambda c: "/supervision/dispatches/", expect(404, **VIEWERS)),
    (
        "supervision:dispatch_new",
        "get",
        lambda c: "/supervision/dispatches/new/",
        expect(404, auditor=403, centre=403, **MANAGERS_A),
    ),
    (
        "supervision:dispatch",
        "get",
        lambda c: f"/supervision/dispatches/{c.dispatch.pk}/",
        expect(404, secretary_a=200, worker_a=200, secretary_b=200, **VIEWERS),
    ),
    (
        "supervision:dispatch",
        "get",
        lambda c: f"/supervision/dispatches/{c.dispatch_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    (
        "supervision:target_ack",
        "post",
        lambda c: f"/supervision/targets/{c.target_b.pk}/ack/",
        expect(404, secretary_b=302, admin=403, auditor=403, centre=403),
    ),
    (
        "supervision:target_done",
        "post",
        lambda c: f"/supervision/targets/{c.target_b.pk}/done/",
        expect(404, secretary_b=302, admin=403, auditor=403, centre=403),
    ),
    ("supervision:evaluations", "get", lambda c: "/supervision/evaluations/", expect(404, **VIEWERS)),
    (
        "supervision:evaluations",
        "post",
        lambda c: "/supervision/evaluations/",
        expect(404, auditor=403, centre=403, supervisor=302, admin=302),
    ),
    (
        "supervision:evaluation",
        "get",
        lambda c: f"/supervision/evaluations/{c.evaluation_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("supervision:report", "get", lambda c: "/supervision/report/2025.xlsx", expect(404, **VIEWERS)),
    (
        "supervision:report",
        "get",
        lambda c: "/supervision/report/2025.pdf?town=T2",
        expect(404, admin=200, auditor=200, centre=200),
    ),
    ("supervision:proposals", "get", lambda c: "/supervision/proposals/", expect(404, **VIEWERS)),
    (
        "supervision:proposal",
        "get",
        lambda c: f"/supervision/proposals/{c.proposal_a.pk}/",
        expect(404, **VIEWERS),
    ),
    (
        "supervision:proposal",
        "post",
        lambda c: f"/supervision/proposals/{c.proposal_a.pk}/",
        expect(404, auditor=403, centre=403, supervisor=200, admin=200),
    ),
    ("supervision-finding-list", "get", lambda c: "/api/v1/supervision/findings/", expect(200)),
    (
        "supervision-finding-detail",
        "get",
        lambda c: f"/api/v1/supervision/findings/{c.finding_b.pk}/",
        expect(404, admin=200, auditor=200, centre=200),
    ),
    ("supervision-dispatch-list", "get", lambda c: "/api/v1/supervision/dispatches/", expect(200)),
    (
        "supervision-dispatch-detail",
        "get",
        lambda c: f"/api/v1/supervision/dispatches/{c.dispatch.pk}/",
        expect(404, **VIEWERS),
    ),
]


@pytest.fixture
def world(sup, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhibu.supervision import services

    settings.MEDIA_ROOT = tmp_path
    r = services.rectification_submit(
        finding=sup.finding_a,
        text="已补齐",
        by=sup.secretary_a,
        evidence=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")],
    )
    sup.evidence_a = r.evidence.get()
    from zhibu.supervision.models import Evaluation, Proposal

    sup.evaluation_b = Evaluation.objects.create(
        branch=sup.b, year=2025, score=80, grade="良好", result={"lines": []}
    )
    from zhibu.supervision.models import Camera

    sup.camera_a = Camera.objects.create(branch=sup.a, room="活动室", stream_url="/live/a/index.m3u8")
    sup.proposal_a = Proposal.objects.create(kind="case", branch=sup.a, year=2025, reason="测试", draft={})
    return sup


@pytest.mark.parametrize("role", ROLES)
def test_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)
