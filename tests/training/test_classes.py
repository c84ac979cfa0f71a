"""A class from its audience rule to the mandated roster; invitations, confirmations, leave."""

import datetime
import re

from zhibu.training import services
from zhibu.training.models import Enrolment, TrainingClass

from .conftest import enrolment_of


def test_audience_rule_names_the_secretaries_of_rural_branches_in_a_town(cast):
    district = cast.a.town.district
    rule = {"roles": ["secretary"], "domains": ["rural"], "towns": ["T1"]}
    assert [m.name for m in services.audience_members(district, rule)] == ["甲书记"]
    everyone_rural = {"domains": ["rural"], "towns": ["T1"]}
    assert {m.name for m in services.audience_members(district, everyone_rural)} == {
        "甲书记",
        "甲党员",
        "甲党务",
        "丙党员",
    }
    all_secretaries = {m.name for m in services.audience_members(district, {"roles": ["secretary"]})}
    assert all_secretaries == {"甲书记", "乙书记"}
    assert services.audience_text(rule) == "一号镇农村支部的书记"


def test_class_from_rule_to_roster_with_invitations(cast, login):
    from zhibu.notifications.models import Notification

    centre = login("centre")
    today = datetime.date.today()
    response = centre.post(
        "/training/classes/new/",
        {
            "name": "书记专题班",
            "category": "secretary",
            "start": today.isoformat(),
            "end": (today + datetime.timedelta(days=3)).isoformat(),
            "min_attendance": 80,
            "exam_pass": 60,
            "drill_threshold": 60,
            "roles": ["secretary"],
            "domains": ["rural"],
            "towns": ["T1"],
        },
    )
    klass = TrainingClass.objects.get(name="书记专题班")
    assert response.status_code == 302 and response["Location"] == f"/training/classes/{klass.pk}/"
    assert klass.audience == {"roles": ["secretary"], "domains": ["rural"], "towns": ["T1"]}
    centre.post(f"/training/classes/{klass.pk}/roster/")
    centre.post(f"/training/classes/{klass.pk}/roster/")  # again: nobody twice
    assert list(klass.enrolments.values_list("member__name", flat=True)) == ["甲书记"]
    note = Notification.objects.get(recipient=cast.secretary_a, title__contains="书记专题班")
    assert note.url == f"/training/enrolments/{klass.enrolments.get().pk}/"
    page = centre.get(f"/training/classes/{klass.pk}/")
    assert "一号镇农村支部的书记" in page.content.decode() and "甲书记" in page.content.decode()


def test_bad_dates_are_refused_and_nothing_saved(cast, login):
    today = datetime.date.today()
    response = login("centre").post(
        "/training/classes/new/",
        {
            "name": "错班",
            "category": "member",
            "start": today.isoformat(),
            "end": (today - datetime.timedelta(days=1)).isoformat(),
            "min_attendance": 80,
            "exam_pass": 60,
            "drill_threshold": 60,
        },
    )
    assert response.status_code == 200 and "结业日期不能早于开班日期" in response.content.decode()
    assert not TrainingClass.objects.filter(name="错班").exists()


def test_confirmation_and_leave_with_approval(cast, course, login):
    e = enrolment_of(course.klass, "甲党员")
    member = login("member_a")
    member.post(f"/training/enrolments/{e.pk}/confirm/")
    e.refresh_from_db()
    assert e.status == Enrolment.Status.CONFIRMED
    response = member.post(f"/training/enrolments/{e.pk}/leave/", {"reason": ""})
    e.refresh_from_db()
    assert e.status == Enrolment.Status.CONFIRMED  # an empty reason is refused
    member.post(f"/training/enrolments/{e.pk}/leave/", {"reason": "住院治疗"})
    e.refresh_from_db()
    assert e.status == Enrolment.Status.LEAVE and e.leave_reason == "住院治疗"
    assert member.post(f"/training/enrolments/{e.pk}/leave/decide/", {"approve": "1"}).status_code == 403
    response = login("centre").post(f"/training/enrolments/{e.pk}/leave/decide/", {"approve": "1"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == Enrolment.Status.EXCUSED and e.leave_decided_by == cast.centre
    # Another trainee cannot act for someone else.
    other = enrolment_of(course.klass, "甲党务")
    assert member.post(f"/training/enrolments/{other.pk}/confirm/").status_code == 404
    assert login("secretary_a").post(f"/training/enrolments/{other.pk}/confirm/").status_code == 403


def test_who_sees_which_class(cast, course, login):
    url = f"/training/classes/{course.klass.pk}/"
    assert login("member_a").get(url).status_code == 200  # on the roster
    assert login("secretary_b").get(url).status_code == 404  # nobody of branch B on it
    assert login("supervisor").get(url).status_code == 200
    page = login("member_a").get(url).content.decode()
    assert "甲党员" in page and "丙党员" not in page  # a trainee sees only their own roster row
    supervisor_page = login("supervisor").get(url).content.decode()
    assert "丙党员" in supervisor_page
    index = login("secretary_b").get("/training/").content.decode()
    assert course.klass.name not in index


def test_the_class_list_shows_the_people_of_each_class_the_user_may_see(cast, course, login):
    Enrolment.objects.create(klass=course.klass, member=cast.member_of_b)  # of town T2
    empty = TrainingClass.objects.create(
        district=course.klass.district,
        name="尚无学员的班",
        category=TrainingClass.Category.ROTATION,
        start=course.klass.start,
        end=course.klass.end,
    )
    everyone = Enrolment.objects.filter(klass=course.klass)
    town = everyone.filter(member__branch__town=cast.a.town)
    assert everyone.count() > town.count() > 1
    # The centre sees the whole roster; the supervisor of town T1 sees, here and on the class page, T1's.
    for user, size in (("centre", everyone.count()), ("supervisor", town.count())):
        html = login(user).get("/training/").content.decode()
        for klass, n in ((course.klass, size), (empty, 0)):
            match = re.search(rf">{klass.name}</a>.*?</tr>", html, re.S)
            if match is None:  # a class with nobody of the user's reach is not theirs to see
                assert user == "supervisor" and klass == empty
                continue
            assert re.findall(r"<td[^>]*>(.*?)</td>", match.group(0), re.S)[2] == str(n)
