"""The test cast, built once per test database: two towns, three branches and one person per role.

town T1: branch A (secretary_a, member_a, worker_a), branch C
town T2: branch B (secretary_b)
supervisor: town supervisor over T1 (sees A and C, not B)
admin: district admin; auditor: read-only over the district; centre: training-centre staff
"""

import datetime
import os
from types import SimpleNamespace

import pytest
from django.test import Client

PASSWORD = "test-pass-2026"

# The browser journeys drive Chromium with Playwright's sync API, which keeps an event loop running in the
# worker while tests/e2e runs there (tests/e2e/conftest.py closes it when the worker leaves the package);
# the Django code those journeys call directly is synchronous, which Django would otherwise refuse to run
# "from an async context".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    from django.conf import settings

    # Each audited write seals its own event, so a test can read AuditEvent right after it
    # (tests/security/test_audit.py shows the batching of the default).
    settings.ZHIBU_AUDIT_SEAL_SECONDS = 0


def build_cast():
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.orgs.models import Branch, District, Member, MemberRole, Town

    district = District.objects.create(code="d1", name="测试区")
    t1 = Town.objects.create(district=district, code="T1", name="一号镇")
    t2 = Town.objects.create(district=district, code="T2", name="二号街道", kind="street")
    a = Branch.objects.create(
        town=t1,
        code="T1-001",
        name="甲村党支部",
        domain="rural",
        established=datetime.date(1980, 1, 1),
        committee_elected=datetime.date(2021, 7, 1),
    )
    c = Branch.objects.create(town=t1, code="T1-002", name="丙村党支部", domain="rural")
    b = Branch.objects.create(town=t2, code="T2-001", name="乙社区党支部", domain="community")

    def member(branch, name, idn, **kw):
        return Member.objects.create(
            branch=branch,
            name=name,
            birth_date=datetime.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14])),
            id_number=idn,
            phone="13800001234",
            party_joined=datetime.date(2000, 7, 1),
            full_since=datetime.date(2001, 7, 1),
            joined=datetime.date(2000, 7, 1),
            gender="M",
            **kw,
        )

    sec_a = member(a, "甲书记", "110116197001010010")
    mem_a = member(a, "甲党员", "110116198002020020")
    wrk_a = member(a, "甲党务", "11011619780303003X")
    member(c, "丙党员", "110116197604040040")
    sec_b = member(b, "乙书记", "110116197505050059")
    MemberRole.objects.create(member=sec_a, role="secretary", start=datetime.date(2021, 7, 1))
    MemberRole.objects.create(member=sec_b, role="secretary", start=datetime.date(2021, 7, 1))
    roles = {r.code: r for r in Role.objects.all()}

    def user(username, role, member=None, **reach):
        u = User.objects.create_user(username, password=PASSWORD, member=member, display_name=username)
        Grant.objects.create(user=u, role=roles[role], **reach)
        return u

    user("secretary_a", "branch_secretary", sec_a, branch=a)
    user("member_a", "member", mem_a, branch=a)
    user("worker_a", "affairs_worker", wrk_a, branch=a)
    user("supervisor", "town_supervisor", town=t1)
    user("secretary_b", "branch_secretary", sec_b, branch=b)
    user("admin", "district_admin", district=district)
    user("auditor", "auditor", district=district)
    user("centre", "centre_staff", district=district)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_cast()


@pytest.fixture
def cast(db):
    from zhibu.accounts.models import User
    from zhibu.orgs.models import Branch, Member, Town

    ns = SimpleNamespace(
        a=Branch.objects.get(code="T1-001"),
        b=Branch.objects.get(code="T2-001"),
        c=Branch.objects.get(code="T1-002"),
        t1=Town.objects.get(code="T1"),
        t2=Town.objects.get(code="T2"),
    )
    for u in User.objects.all():
        setattr(ns, u.username, u)
    ns.member_of_a = Member.objects.get(name="甲党员")
    ns.member_of_b = Member.objects.get(name="乙书记")
    ns.member_of_c = Member.objects.get(name="丙党员")
    return ns


@pytest.fixture(autouse=True)
def figures_per_request(settings):
    """Summary pages compute their figures on every request in tests (zhibu.core.figures shares them
    for a few minutes in use); a test of that sharing sets ZHIBU_FIGURES_SECONDS itself."""
    settings.ZHIBU_FIGURES_SECONDS = 0
    # An out-of-date copy is refreshed after the response in the test's own thread (and transaction).
    settings.ZHIBU_FIGURES_REFRESH_INLINE = True


@pytest.fixture
def login():
    """A client logged in as the named user of the cast."""

    def make(username: str) -> Client:
        from zhibu.accounts.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make
