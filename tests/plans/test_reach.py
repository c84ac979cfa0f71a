"""Reach matrix rows for every URL of 因材施教 (see tests/reach.py)."""

import pytest

from tests.reach import ROLES, expect, run_matrix

VIEWERS = expect(200, member_a=404)
IN_A = expect(200, member_a=404, secretary_b=404)
WITH_MEMBER = expect(404, secretary_a=302, member_a=302, worker_a=302, secretary_b=302)

MATRIX = [
    ("plans:index", "get", lambda w: "/plans/", expect(200, member_a=302)),
    (
        "plans:index",
        "get",
        lambda w: "/plans/?town=T2",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200, member_a=302),
    ),
    ("plans:needs", "get", lambda w: "/plans/needs/", VIEWERS),
    (
        "plans:need_class",
        "post",
        lambda w: "/plans/needs/class/",
        expect(403, admin=302, centre=302, member_a=404),
    ),
    ("plans:mine", "get", lambda w: "/plans/me/", WITH_MEMBER),
    ("plans:plan", "get", lambda w: f"/plans/members/{w.member_of_a.pk}/", expect(200, secretary_b=404)),
    (
        "plans:plan",
        "get",
        lambda w: f"/plans/members/{w.member_of_c.pk}/",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    ("plans:effect", "get", lambda w: "/plans/effect/", VIEWERS),
    ("plans:health", "get", lambda w: "/plans/branches/T1-001/", IN_A),
    (
        "plans:health",
        "get",
        lambda w: "/plans/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("plans-listing-list", "get", lambda w: "/api/v1/plans/listings/", expect(200)),
    (
        "plans-listing-detail",
        "get",
        lambda w: f"/api/v1/plans/listings/{w.listing_a.pk}/",
        expect(200, member_a=404, secretary_b=404),
    ),
    (
        "plans-listing-plan",
        "get",
        lambda w: f"/api/v1/plans/listings/plan/{w.member_of_a.pk}/",
        expect(200, secretary_b=404),
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)
