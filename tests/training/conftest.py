"""A class of town T1's rural branches, built on the test cast: roster, rooms, faculty, a session under way."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone


def make_instructor(username, district):
    from tests.conftest import PASSWORD
    from zhibu.accounts.models import Grant, Role, User

    user = User.objects.create_user(username, password=PASSWORD, display_name=username)
    Grant.objects.create(user=user, role=Role.objects.get(code="instructor"), district=district)
    return user


def make_bank(district, per_kind=6):
    from zhibu.training.models import Question

    rows = []
    for i in range(per_kind):
        rows.append(
            Question(
                district=district,
                topic="党章",
                kind="single",
                stem=f"单选{i}",
                options=["甲", "乙", "丙"],
                answer=1,
            )
        )
        rows.append(
            Question(
                district=district,
                topic="党章",
                kind="multiple",
                stem=f"多选{i}",
                options=["甲", "乙", "丙"],
                answer=[0, 2],
            )
        )
        rows.append(Question(district=district, topic="条例", kind="judge", stem=f"判断{i}", answer=True))
        rows.append(
            Question(district=district, topic="条例", kind="fill", stem=f"填空{i}", answer=["三会一课"])
        )
    Question.objects.bulk_create(rows)


@pytest.fixture
def course(cast):
    from zhibu.training import services
    from zhibu.training.models import Faculty, Resource, TrainingClass

    district = cast.a.town.district
    today = timezone.localdate()
    klass = services.class_create(
        district=district,
        name="一号镇农村支部轮训班",
        category=TrainingClass.Category.ROTATION,
        start=today - datetime.timedelta(days=1),
        end=today + datetime.timedelta(days=2),
        audience={"domains": ["rural"], "towns": ["T1"]},
        by=cast.centre,
    )
    services.roster_generate(klass=klass)
    rooms = [
        Resource.objects.create(district=district, name=f"演练室{n}", kind="drill_room") for n in "一二三四"
    ]
    hall = Resource.objects.create(district=district, name="展厅", kind="hall", capacity=80)
    teacher = Faculty.objects.create(district=district, name="王老师", kind="school")
    now = timezone.now()
    session = services.session_create(
        klass=klass,
        title="支部党员大会模拟演练",
        kind="drill",
        starts=now - datetime.timedelta(minutes=30),
        ends=now + datetime.timedelta(minutes=90),
        resource=rooms[0],
        faculty=[teacher],
    )
    return SimpleNamespace(
        klass=klass, district=district, rooms=rooms, hall=hall, teacher=teacher, session=session, now=now
    )


def enrolment_of(klass, member_name):
    return klass.enrolments.get(member__name=member_name)
