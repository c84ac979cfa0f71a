"""The reach matrix: every URL and API endpoint × every role → the expected status.

Out of reach answers exactly like "not found" (404); in reach but without the capability is 403.
`test_every_url_is_in_the_matrix` fails when a new URL lands without its rows here.
"""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tests
from tests.reach import ALL_200, ROLES, call, expect

MANAGE_A = expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404)
# (url name, method, path builder, expected per role)
MATRIX = [
    ("home", "get", lambda c: "/", ALL_200),
    ("orgs:tree", "get", lambda c: "/orgs/", ALL_200),
    ("orgs:town", "get", lambda c: "/orgs/towns/T1/", expect(200, secretary_b=404)),
    (
        "orgs:town",
        "get",
        lambda c: "/orgs/towns/T2/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("orgs:branch", "get", lambda c: "/orgs/branches/T1-001/", expect(200, secretary_b=404)),
    (
        "orgs:branch",
        "get",
        lambda c: "/orgs/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    (
        "orgs:branch",
        "get",
        lambda c: "/orgs/branches/T1-002/",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    ("orgs:members", "get", lambda c: "/orgs/members/", expect(200, member_a=404)),
    ("orgs:member", "get", lambda c: f"/orgs/members/{c.member_of_a.pk}/", expect(200, secretary_b=404)),
    (
        "orgs:member",
        "get",
        lambda c: f"/orgs/members/{c.member_of_c.pk}/",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    (
        "orgs:member_edit",
        "get",
        lambda c: f"/orgs/members/{c.member_of_a.pk}/edit/",
        expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404),
    ),
    (
        "orgs:member_reveal",
        "post",
        lambda c: f"/orgs/members/{c.member_of_a.pk}/reveal/",
        expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404),
    ),
    (
        "orgs:member_transfer",
        "get",
        lambda c: f"/orgs/members/{c.member_of_a.pk}/transfer/",
        expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404),
    ),
    (
        "orgs:member_new",
        "get",
        lambda c: "/orgs/branches/T1-001/members/new/",
        expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404),
    ),
    ("orgs:group_new", "get", lambda c: "/orgs/branches/T1-001/groups/new/", MANAGE_A),
    ("orgs:election_new", "get", lambda c: "/orgs/branches/T1-001/elections/new/", MANAGE_A),
    (
        "orgs:import",
        "get",
        lambda c: "/orgs/import/?branch=T1-001",
        expect(403, secretary_a=200, worker_a=200, admin=200, secretary_b=404),
    ),
    (
        "orgs:import",
        "get",
        lambda c: "/orgs/import/",
        expect(404, secretary_a=200, worker_a=200, admin=200, secretary_b=200),
    ),
    ("orgs:import_job", "get", lambda c: f"/orgs/import/{c.job_of_admin.pk}/", expect(404, admin=200)),
    (
        "orgs:import_errors",
        "get",
        lambda c: f"/orgs/import/{c.job_of_admin.pk}/errors.xlsx",
        expect(404, admin=200),
    ),
    (
        "orgs:export",
        "get",
        lambda c: "/orgs/export.xlsx?branch=T1-001",
        expect(403, secretary_a=200, worker_a=200, supervisor=200, admin=200, secretary_b=404),
    ),
    (
        "orgs:export",
        "get",
        lambda c: "/orgs/export.xlsx",
        expect(403, secretary_a=200, worker_a=200, supervisor=200, admin=200, secretary_b=200),
    ),
    # A background export is its owner's alone; its file, once made, too (else back to its page).
    ("export", "get", lambda c: f"/exports/{c.export_of_admin.pk}/", expect(404, admin=200)),
    ("export_file", "get", lambda c: f"/exports/{c.export_of_admin.pk}/file", expect(404, admin=200)),
    ("notifications:inbox", "get", lambda c: "/inbox/", ALL_200),
    ("notifications:open", "get", lambda c: f"/inbox/{c.note_of_admin.pk}/", expect(404, admin=302)),
    ("notifications:read_all", "post", lambda c: "/inbox/read-all/", expect(302)),
    ("accounts:profile", "get", lambda c: "/accounts/me/", ALL_200),
    ("accounts:token_reset", "post", lambda c: "/accounts/me/token/", expect(302)),
    ("accounts:password", "get", lambda c: "/accounts/password/", ALL_200),
    # The API.
    ("api-root", "get", lambda c: "/api/v1/", ALL_200),
    ("district-list", "get", lambda c: "/api/v1/districts/", ALL_200),
    ("district-detail", "get", lambda c: f"/api/v1/districts/{c.a.town.district_id}/", ALL_200),
    ("town-list", "get", lambda c: "/api/v1/towns/", ALL_200),
    (
        "town-detail",
        "get",
        lambda c: "/api/v1/towns/T2/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("branch-list", "get", lambda c: "/api/v1/branches/", ALL_200),
    (
        "branch-detail",
        "get",
        lambda c: "/api/v1/branches/T2-001/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("branch-detail", "patch", lambda c: "/api/v1/branches/T1-001/", expect(403, admin=200, secretary_b=404)),
    ("group-list", "get", lambda c: "/api/v1/groups/", ALL_200),
    (
        "group-detail",
        "get",
        lambda c: f"/api/v1/groups/{c.group_of_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("election-list", "get", lambda c: "/api/v1/elections/", ALL_200),
    (
        "election-detail",
        "get",
        lambda c: f"/api/v1/elections/{c.election_of_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("member-list", "get", lambda c: "/api/v1/members/", ALL_200),
    ("member-detail", "get", lambda c: f"/api/v1/members/{c.member_of_a.pk}/", expect(200, secretary_b=404)),
    (
        "member-detail",
        "get",
        lambda c: f"/api/v1/members/{c.member_of_b.pk}/",
        expect(404, secretary_b=200, admin=200, auditor=200, centre=200),
    ),
    ("notification-list", "get", lambda c: "/api/v1/notifications/", ALL_200),
    (
        "notification-detail",
        "get",
        lambda c: f"/api/v1/notifications/{c.note_of_admin.pk}/",
        expect(404, admin=200),
    ),
    (
        "notification-read",
        "post",
        lambda c: f"/api/v1/notifications/{c.note_of_admin.pk}/read/",
        expect(404, admin=200),
    ),
]
PUBLIC = {"login", "logout", "set_language", "health", "api-schema", "api-docs", "api-redoc"}
PUBLIC |= {"javascript-catalog"}  # the page scripts' texts, as public as the language switch
PUBLIC |= {"training:verify"}  # the certificate check a QR code opens


@pytest.fixture
def world(cast):
    from django.core.files.base import ContentFile

    from zhibu.core.models import Job
    from zhibu.notifications.models import Notification
    from zhibu.orgs.models import Election, Group

    cast.job_of_admin = Job.objects.create(
        kind="roster", owner=cast.admin, status="done", result={"rows": [], "counts": {}}
    )
    cast.export_of_admin = Job.objects.create(
        kind="export",
        owner=cast.admin,
        status="done",
        result={"rows": 1, "filename": "roster-all.xlsx"},
        file=ContentFile(b"PK\x03\x04", name="e.xlsx"),
    )
    cast.note_of_admin = Notification.objects.create(recipient=cast.admin, title="测试消息", url="/")
    cast.group_of_b = Group.objects.create(branch=cast.b, name="第一党小组")
    cast.election_of_b = Election.objects.create(branch=cast.b, date="2021-07-01")
    return cast


@pytest.mark.parametrize("role", ROLES)
def test_reach_matrix(world, login, role):
    client = login(role)
    failures = []
    for name, method, build, expected in MATRIX:
        path = build(world)
        status = call(client, method, path).status_code
        if status != expected[role]:
            failures.append(f"{method.upper()} {path} ({name}): {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_or_refused(world, client):
    for name, method, build, _ in MATRIX:
        response = call(client, method, build(world))
        if name.startswith(
            ("api-", "district", "town-", "branch-", "group", "election", "member-", "notification-")
        ):
            assert response.status_code in (401, 403), name
        else:
            assert response.status_code == 302 and "/login/" in response["Location"], name


def _names(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def _all_rows():
    """This file's rows and every area's (a MATRIX in any tests/<area>/test_reach*.py)."""
    rows = list(MATRIX)
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if info.name.rsplit(".", 1)[-1].startswith("test_reach") and info.name != __name__:
            rows += getattr(importlib.import_module(info.name), "MATRIX", [])
    return rows


def test_every_url_is_in_the_matrix():
    covered = {name for name, *_ in _all_rows()}
    missing = sorted(set(_names(get_resolver())) - covered - PUBLIC)
    assert not missing, f"URLs without reach-matrix rows: {missing}"
