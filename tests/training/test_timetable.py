"""The timetable: rooms and teachers booked without overlap; a double booking is refused and nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhibu.training import services
from zhibu.training.models import Faculty, Session


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_a_timetable_without_conflicts(course):
    day = course.klass.end
    k = course.klass
    services.session_create(
        klass=k, title="展厅参观", kind="see", starts=_at(day, 9), ends=_at(day, 10), resource=course.hall
    )
    services.session_create(
        klass=k, title="党课", kind="learn", starts=_at(day, 10), ends=_at(day, 11), resource=course.hall
    )  # back to back is fine
    services.session_create(
        klass=k, title="演练A", kind="drill", starts=_at(day, 9), ends=_at(day, 11), resource=course.rooms[1]
    )
    services.session_create(
        klass=k, title="演练B", kind="drill", starts=_at(day, 9), ends=_at(day, 11), resource=course.rooms[2]
    )
    assert k.sessions.count() == 5


def test_a_double_booked_room_is_refused_naming_the_other_booking(course):
    day = course.klass.end
    services.session_create(
        klass=course.klass,
        title="党员大会演练",
        kind="drill",
        starts=_at(day, 14),
        ends=_at(day, 16),
        resource=course.rooms[1],
    )
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            klass=course.klass,
            title="支委会演练",
            kind="drill",
            starts=_at(day, 15),
            ends=_at(day, 17),
            resource=course.rooms[1],
        )
    message = exc.value.message_dict["resource"][0]
    assert "演练室二" in message and "一号镇农村支部轮训班·党员大会演练" in message and "14:00" in message
    assert not Session.objects.filter(title="支委会演练").exists()


def test_a_teacher_cannot_be_in_two_places(course):
    day = course.klass.end
    other = Faculty.objects.create(district=course.district, name="李书记", kind="guide")
    services.session_create(
        klass=course.klass,
        title="案例教学",
        kind="case",
        starts=_at(day, 9),
        ends=_at(day, 11),
        faculty=[course.teacher],
    )
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            klass=course.klass,
            title="访谈",
            kind="interview",
            starts=_at(day, 10),
            ends=_at(day, 12),
            faculty=[other, course.teacher],
        )
    assert "王老师在该时段已安排" in exc.value.message_dict["faculty"][0]
    assert not Session.objects.filter(title="访谈").exists()


def test_double_booking_through_the_page(course, login):
    day = course.klass.end
    centre = login("centre")
    data = {
        "title": "沉浸式教学",
        "kind": "immersive",
        "starts": f"{day}T09:00",
        "ends": f"{day}T11:00",
        "resource": course.rooms[3].pk,
        "faculty": [course.teacher.pk],
    }
    assert centre.post(f"/training/classes/{course.klass.pk}/sessions/new/", data).status_code == 302
    data["title"] = "重复预约"
    data["faculty"] = []
    response = centre.post(f"/training/classes/{course.klass.pk}/sessions/new/", data)
    assert response.status_code == 200
    assert "演练室四在该时段已被" in response.content.decode()
    assert not Session.objects.filter(title="重复预约").exists()
    bad = dict(data, title="倒挂", starts=f"{day}T11:00", ends=f"{day}T10:00", resource="")
    assert (
        "结束时间必须晚于开始时间"
        in centre.post(f"/training/classes/{course.klass.pk}/sessions/new/", bad).content.decode()
    )
    page = centre.get(f"/training/timetable/?week={day}").content.decode()
    assert "沉浸式教学" in page and "王老师" in page


def test_the_centre_adds_rooms_teachers_plans_and_drill_scripts(course, login):
    from zhibu.training.models import DrillScript, LessonPlan, Resource

    centre = login("centre")
    r = centre.post(
        "/training/catalogue/",
        {
            "form": "resource",
            "resource-name": "演练室五",
            "resource-kind": "drill_room",
            "resource-capacity": 30,
        },
    )
    assert r.status_code == 302 and Resource.objects.filter(name="演练室五").exists()
    again = centre.post(
        "/training/catalogue/",
        {
            "form": "resource",
            "resource-name": "演练室五",
            "resource-kind": "drill_room",
            "resource-capacity": 30,
        },
    )
    assert "场地“演练室五”已存在" in again.content.decode()
    centre.post(
        "/training/catalogue/", {"form": "faculty", "faculty-name": "赵老师", "faculty-kind": "actor"}
    )
    centre.post(
        "/training/catalogue/", {"form": "plan", "plan-title": "换届选举程序", "plan-outline": "讲授"}
    )
    centre.post(
        "/training/catalogue/",
        {"form": "script", "script-title": "支委会范本", "script-meeting": "支委会"},
    )
    script = DrillScript.objects.get(title="支委会范本")
    assert (
        script.steps[0].startswith("清点到会委员人数")
        and LessonPlan.objects.filter(title="换届选举程序").exists()
    )
    page = login("supervisor").get("/training/catalogue/").content.decode()
    assert "赵老师" in page and "支委会范本" in page and "添加" not in page
    assert (
        login("supervisor")
        .post("/training/catalogue/", {"form": "faculty", "faculty-name": "x", "faculty-kind": "actor"})
        .status_code
        == 403
    )
