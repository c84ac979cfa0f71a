"""Reach matrix rows for every URL of 干 (see tests/reach.py)."""

import pytest

from tests.reach import ROLES, expect, run_matrix

VIEWERS = expect(200, member_a=404)
IN_A = expect(200, member_a=404, secretary_b=404)
REVIEW_POST = expect(403, supervisor=302, admin=302, member_a=404, secretary_b=404)

MATRIX = [
    ("targets:index", "get", lambda w: "/targets/", VIEWERS),
    (
        "targets:index",
        "get",
        lambda w: "/targets/?town=T2",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("targets:task_new", "get", lambda w: "/targets/tasks/new/", expect(403, admin=200, member_a=404)),
    ("targets:task", "get", lambda w: f"/targets/tasks/{w.task.pk}/", VIEWERS),
    (
        "targets:assign",
        "get",
        lambda w: f"/targets/tasks/{w.task.pk}/assign/",
        expect(403, supervisor=200, admin=200, member_a=404),
    ),
    ("targets:branch", "get", lambda w: "/targets/branches/T1-001/", IN_A),
    ("targets:target", "get", lambda w: f"/targets/{w.target_a.pk}/", IN_A),
    (
        "targets:target",
        "get",
        lambda w: f"/targets/{w.target_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    (
        "targets:report_new",
        "post",
        lambda w: f"/targets/{w.target_a.pk}/report/",
        expect(403, secretary_a=400, worker_a=400, member_a=404, secretary_b=404),
    ),
    ("targets:report_review", "post", lambda w: f"/targets/reports/{w.report_a.pk}/review/", REVIEW_POST),
    ("targets:report_nominate", "post", lambda w: f"/targets/reports/{w.report_a.pk}/nominate/", REVIEW_POST),
    ("targets:evidence", "get", lambda w: f"/targets/evidence/{w.evidence_a.pk}/", IN_A),
    ("targets-task-list", "get", lambda w: "/api/v1/targets/tasks/", expect(200)),
    ("targets-task-detail", "get", lambda w: f"/api/v1/targets/tasks/{w.task.pk}/", VIEWERS),
    ("targets-target-list", "get", lambda w: "/api/v1/targets/targets/", expect(200)),
    ("targets-target-detail", "get", lambda w: f"/api/v1/targets/targets/{w.target_a.pk}/", IN_A),
    ("targets-report-list", "get", lambda w: "/api/v1/targets/reports/", expect(200)),
    ("targets-report-detail", "get", lambda w: f"/api/v1/targets/reports/{w.report_a.pk}/", IN_A),
]


@pytest.mark.parametrize("role", ROLES)
def test_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)
