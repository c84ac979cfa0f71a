"""Schemathesis over /api/v1/: every operation of the OpenAPI schema, fuzzed as real people of the cast.

The schema is the one the app itself serves (in-process WSGI, no server). Each operation is a test of its
own, so a failure names the endpoint. Whatever a person sends, the answer is never a server error, its
status code is one the schema documents, and its content type and body match what the schema says.
"""

import datetime
import json

import pytest
import schemathesis
import werkzeug.test
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import RequestFactory, override_settings
from drf_spectacular.views import SpectacularAPIView
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def served_schema() -> dict:
    """The schema exactly as /api/v1/schema/ serves it, rendered by its view in-process.

    Through the view rather than the whole middleware stack: collection runs before the test database
    exists, and the middleware would open a connection to the real one.
    """
    view = SpectacularAPIView.as_view()
    response = view(RequestFactory().get("/api/v1/schema/", {"format": "json"}))
    assert response.status_code == 200
    return json.loads(response.render().content)


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = get_wsgi_application()  # requests go through the whole app, middleware included

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def seed():
    """A few rows in every area of the API, in the cast's branch A, so the responses have bodies to check."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhibu.accounts.models import User
    from zhibu.library import services as library
    from zhibu.library.models import Item
    from zhibu.notifications.services import notify
    from zhibu.orgs.models import Branch, Election, Group, Member
    from zhibu.plans.models import CommitteeListing
    from zhibu.records import services as records
    from zhibu.records.models import Attendance, Resolution
    from zhibu.supervision import services as supervision
    from zhibu.targets import services as targets
    from zhibu.training import services as training
    from zhibu.training.models import TrainingClass

    users = {u.username: u for u in User.objects.all()}
    a, b = Branch.objects.get(code="T1-001"), Branch.objects.get(code="T2-001")
    district = a.town.district
    today = datetime.date.today()
    members = list(Member.objects.filter(branch=a).order_by("id"))

    group = Group.objects.create(branch=a, name="第一党小组")
    Member.objects.filter(pk=members[1].pk).update(group=group, education="bachelor", ethnicity="汉族")
    election = Election.objects.create(branch=a, date=today - datetime.timedelta(days=30), note="换届")
    CommitteeListing.objects.create(member=members[2], election=election, role="committee_member")

    # A meeting with its attendance and a resolution: rows made directly, not through the sign-in.
    meeting = records.meeting_plan(
        branch=a,
        types=["general_meeting"],
        date=today - datetime.timedelta(days=3),
        by=users["secretary_a"],
        place="党员活动室",
        topic="学习贯彻全会精神",
        chair=members[0],
        recorder=members[-1],
    )
    Attendance.objects.create(meeting=meeting, member=members[0], state="present")
    Attendance.objects.create(meeting=meeting, member=members[1], state="absent", reason="外出务工")
    Resolution.objects.create(meeting=meeting, title="接收预备党员", yes=3, declared="passed")
    records.meeting_update(meeting=meeting, minutes="会议传达学习了全会精神，党员逐一发言。")

    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    library.item_save(
        item=Item(
            district=district,
            kind="document",
            title="三会一课规范流程",
            summary="支部党员大会、支委会、党小组会和党课的召开程序",
            body="按期召开，做好会议记录。",
            duration=300,
        ),
        file=SimpleUploadedFile("流程.pdf", pdf, content_type="application/pdf"),
    )

    klass = training.class_create(
        district=district,
        name="一号镇农村支部轮训班",
        category=TrainingClass.Category.ROTATION,
        start=today,
        end=today + datetime.timedelta(days=2),
        audience={"domains": ["rural"], "towns": ["T1"]},
        by=users["centre"],
    )
    training.roster_generate(klass=klass)

    supervision.finding_create(
        branch=a,
        category="record",
        severity="minor",
        text="记录不全",
        fix="补齐会议记录",
        deadline=today + datetime.timedelta(days=10),
        by=users["supervisor"],
    )
    supervision.dispatch_create(
        district=district,
        branches=[a, b],
        title="报送本月主题党日计划",
        body="请于期限前报送。",
        priority="urgent",
        deadline=today + datetime.timedelta(days=3),
        by=users["admin"],
    )

    task = targets.task_publish(district=district, year=today.year, title="环境整治", by=users["admin"])
    target_a, _ = targets.target_assign(
        task=task,
        branches=[a, b],
        title="完成农村人居环境整治",
        unit="户",
        planned="40",
        due=today + datetime.timedelta(days=60),
        milestones=[("完成入户摸排", today + datetime.timedelta(days=30))],
        by=users["admin"],
    )
    targets.report_submit(target=target_a, text="已完成 10 户", figure="10", by=users["secretary_a"])

    notify([users["admin"], users["secretary_a"]], title="请报送主题党日计划", url="/")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed() once for this module, in a transaction rolled back after its last test.

    Each test then runs in a savepoint inside it (pytest-django's db fixture), so neither the seeded rows
    nor what the fuzzer writes outlive this module.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        seed()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def same_connection():
    """Keep the test's database connection (and its transaction) across requests, as Django's test client does.

    A real WSGI request closes the connection when it finishes; inside the test's transaction that would end
    it, and with it the rollback that keeps the fuzzer's writes away from the other tests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def real_keys():
    """(username, path parameter's list) → the key of the first object that person sees there, once per module."""
    return {}


def real_path_parameters(case, username, token, cache) -> dict:
    """The path parameters of an object the person really sees, so the fuzzer reaches past "not found".

    Every parameter names an object of the list before it in the path (/api/v1/branches/{code}/compliance/:
    a branch); a member's learning plan takes a member.
    """
    path, parameters = case.operation.path, {}
    for name in case.path_parameters or {}:
        listing = "/api/v1/members/" if name == "member_id" else path[: path.index("{" + name + "}")]
        if (username, listing) not in cache:
            # Through the app itself: Django's test client would reconnect what same_connection took away.
            response = werkzeug.test.Client(schema.app).get(
                listing, headers={"Authorization": f"Token {token}"}
            )
            results = json.loads(response.get_data())["results"]
            cache[username, listing] = results[0]["code" if name == "code" else "id"] if results else None
        if cache[username, listing] is None:
            return {}
        parameters[name] = cache[username, listing]
    return parameters


@pytest.mark.parametrize("username", ["admin", "secretary_a"])
@schema.parametrize()
@schema.given(real_object=st.booleans())
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_schema_says(
    case, real_object, username, seeded, cast, same_connection, real_keys
):
    token, _ = Token.objects.get_or_create(user=getattr(cast, username))
    if real_object and case.path_parameters:
        # Half the time, an object that exists and is in the person's reach; the other half, whatever comes.
        case.path_parameters = {
            **case.path_parameters,
            **real_path_parameters(case, username, token.key, real_keys),
        }
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)
