"""Reach matrix rows for the pages and API of 一规."""

import pytest

from tests.reach import ROLES, expect, run_matrix

RULES_VIEW = expect(200, member_a=404)
BRANCH_A = expect(200, member_a=403, secretary_b=404)

MATRIX = [
    ("rules:index", "get", lambda w: "/rules/", RULES_VIEW),
    ("rules:config", "get", lambda w: "/rules/config/", RULES_VIEW),
    ("rules:config", "post", lambda w: "/rules/config/", expect(403, admin=200, member_a=404)),
    ("rules:branch", "get", lambda w: "/rules/branches/T1-001/", BRANCH_A),
    (
        "rules:branch",
        "get",
        lambda w: "/rules/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("rules:town", "get", lambda w: "/rules/towns/T1/", BRANCH_A),
    ("rules:town_export", "get", lambda w: "/rules/towns/T1/export.xlsx", BRANCH_A),
    (
        "branch-compliance-list",
        "get",
        lambda w: "/api/v1/branches/T1-001/compliance/?from=2025-01-01&to=2025-12-31",
        BRANCH_A,
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_reach(cast, login, role):
    failures = run_matrix(MATRIX, cast, login(role), role)
    assert not failures, "\n".join(failures)
