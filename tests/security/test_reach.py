"""Reach rows for the account, security and audit pages: only the three administrators use them.

None of the business roles of the cast holds accounts.manage, security.manage or audit.view, so every
one of them gets "not found"; the administrators' own use is covered in test_identity and test_audit.
"""

import pytest

from tests.reach import ALL_200, ROLES, expect, run_matrix

NONE = expect(404)
MATRIX = [
    ("accounts:otp_setup", "get", lambda c: "/accounts/otp/setup/", ALL_200),
    ("accounts:otp_verify", "get", lambda c: "/accounts/otp/verify/", ALL_200),
    ("accounts:users", "get", lambda c: "/accounts/users/", NONE),
    ("accounts:user_new", "get", lambda c: "/accounts/users/new/", NONE),
    ("accounts:user", "get", lambda c: f"/accounts/users/{c.secretary_b.pk}/", NONE),
    ("accounts:user_active", "post", lambda c: f"/accounts/users/{c.secretary_b.pk}/active/", NONE),
    (
        "accounts:grant_remove",
        "post",
        lambda c: f"/accounts/grants/{c.secretary_b.grants.get().pk}/remove/",
        NONE,
    ),
    ("accounts:roles", "get", lambda c: "/accounts/roles/", NONE),
    ("accounts:role", "get", lambda c: f"/accounts/roles/{c.secretary_b.grants.get().role_id}/", NONE),
    ("accounts:unlock", "post", lambda c: "/accounts/unlock/", NONE),
    ("audit", "get", lambda c: "/audit/", NONE),
]


@pytest.mark.parametrize("role", ROLES)
def test_reach(cast, login, role):
    assert not run_matrix(MATRIX, cast, login(role), role)


def test_the_administrators_reach_their_pages(cast):
    from django.test import Client

    from zhibu.accounts import services
    from zhibu.accounts.models import Role, User

    district = cast.a.town.district
    for code, path in (
        ("sys_admin", "/accounts/users/"),
        ("security_admin", "/accounts/roles/"),
        ("audit_admin", "/audit/"),
    ):
        user = User.objects.create_user(code)
        services.grant_add(user=user, role=Role.objects.get(code=code), district=district)
        client = Client()
        client.force_login(user)
        assert client.get(path).status_code == 200
        others = {"/accounts/users/", "/accounts/roles/", "/audit/"} - {path}
        assert all(client.get(p).status_code == 404 for p in others)
