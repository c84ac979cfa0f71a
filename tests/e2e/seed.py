"""The data the browser journeys need, built through the areas' services in a throwaway database.

Run by tests/e2e/conftest.py in a subprocess (`python -m tests.e2e.seed OUT.json`) after `zhibu migrate`,
with ZHIBU_VAR_DIR pointing at a temporary folder; prints nothing, writes the ids the tests need as JSON.
"""

import datetime
import json
import sys


def build() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from tests.conftest import PASSWORD, build_cast
    from tests.records.helpers import held_meeting
    from tests.training.conftest import make_bank
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.library import services as library
    from zhibu.library.models import Item
    from zhibu.orgs.models import Branch, Member
    from zhibu.records import services as records
    from zhibu.training import services as training
    from zhibu.training.models import Certificate, Faculty, Resource, TrainingClass

    build_cast()
    users = {u.username: u for u in User.objects.all()}
    a = Branch.objects.get(code="T1-001")
    district = a.town.district
    instructor = User.objects.create_user("instructor", password=PASSWORD, display_name="王教员")
    Grant.objects.create(user=instructor, role=Role.objects.get(code="instructor"), district=district)
    today = timezone.localdate()
    now = timezone.now()
    members = list(Member.objects.filter(branch=a).order_by("id"))

    # Records: a meeting planned for today (journey 1 signs in to it), one held and submitted (journey 3).
    planned = records.meeting_plan(
        branch=a,
        types=["theme_day"],
        date=today,
        by=users["secretary_a"],
        place="村党员活动室",
        topic="学习新修订的条例",
        chair=members[0],
        recorder=members[-1],
    )
    # The board journey signs someone in to its own meeting, so the journeys do not depend on their order.
    board_meeting = records.meeting_plan(
        branch=a,
        types=["party_lecture"],
        date=today,
        by=users["secretary_a"],
        place="村党员活动室",
        topic="党课：做合格党员",
        chair=members[0],
        recorder=members[-1],
        lecturer=members[0],
    )
    submitted = held_meeting(a, users["secretary_a"], day=today - datetime.timedelta(days=3))
    records.meeting_submit(meeting=submitted, by=users["secretary_a"])

    # Library: a document findable by a Chinese word.
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    document = library.item_save(
        item=Item(
            district=district,
            kind="document",
            title="发展党员工作流程图解",
            summary="入党申请、积极分子培养、发展对象考察的步骤",
            body="发展党员要经过递交入党申请书、确定入党积极分子、确定发展对象、接收预备党员和预备党员转正五个阶段。",
            duration=300,
        ),
        file=SimpleUploadedFile("d.pdf", pdf, content_type="application/pdf"),
    )

    library.item_save(
        item=Item(
            district=district,
            kind="document",
            title="三会一课规范流程",
            summary="支部党员大会、支委会、党小组会和党课的召开程序",
            body="按期召开，做好会议记录。",
            duration=300,
        ),
        file=SimpleUploadedFile("e.pdf", pdf, content_type="application/pdf"),
    )

    # Training: a rotation class with a roster, an exam open now (journey 1), a session under way.
    klass = training.class_create(
        district=district,
        name="一号镇农村支部轮训班",
        category=TrainingClass.Category.ROTATION,
        start=today - datetime.timedelta(days=1),
        end=today + datetime.timedelta(days=2),
        audience={"domains": ["rural"], "towns": ["T1"]},
        by=users["centre"],
    )
    training.roster_generate(klass=klass)
    make_bank(district)
    exam = training.exam_create(
        klass=klass,
        title="轮训结业考试",
        opens=now - datetime.timedelta(minutes=5),
        closes=now + datetime.timedelta(hours=6),
        minutes=120,
        quotas=[
            {"topic": "党章", "kind": "single", "count": 2},
            {"topic": "条例", "kind": "judge", "count": 1},
            {"topic": "", "kind": "fill", "count": 1},
        ],
    )
    # Journey 4: a class whose roster the centre generates in the browser, with a drill session under way.
    room = Resource.objects.create(district=district, name="一号演练室", kind="drill_room")
    teacher = Faculty.objects.create(district=district, name="王老师", kind="school")
    drill_class = training.class_create(
        district=district,
        name="支部书记示范培训班",
        category=TrainingClass.Category.ROTATION,
        # From yesterday: the drill below began 20 minutes ago, which just after midnight is yesterday.
        start=today - datetime.timedelta(days=1),
        end=today + datetime.timedelta(days=1),
        audience={"domains": ["rural"], "towns": ["T1"]},
        by=users["centre"],
    )
    drill_session = training.session_create(
        klass=drill_class,
        title="支部党员大会模拟演练",
        kind="drill",
        starts=now - datetime.timedelta(minutes=20),
        ends=now + datetime.timedelta(hours=3),
        resource=room,
        faculty=[teacher],
    )
    # A finished class with a certificate to print.
    old = training.class_create(
        district=district,
        name="上年度党务工作者培训班",
        category=TrainingClass.Category.ROTATION,
        start=today - datetime.timedelta(days=200),
        end=today - datetime.timedelta(days=198),
        audience={"domains": ["rural"], "towns": ["T1"]},
        by=users["centre"],
    )
    training.roster_generate(klass=old)
    enrolment = old.enrolments.get(member__name="甲党员")
    certificate = Certificate.objects.create(
        enrolment=enrolment, number=f"HR{old.start.year}-E2E-000001", issued=old.end
    )
    return {
        "password": PASSWORD,
        "planned_meeting": planned.pk,
        "submitted_meeting": submitted.pk,
        "board_meeting": board_meeting.pk,
        "document": document.pk,
        "class": klass.pk,
        "exam": exam.pk,
        "drill_class": drill_class.pk,
        "drill_session": drill_session.pk,
        "certificate": certificate.pk,
        "year": today.year,
        "member_a": members[1].pk,
    }


def main(out: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    with open(out, "w") as fh:
        json.dump(build(), fh)


if __name__ == "__main__":
    main(sys.argv[1])
