"""Training needs by layer and domain: who has not been trained in N years, turned into a class."""

import datetime

import pytest

from zhibu.orgs.models import Member
from zhibu.plans.selectors import needs
from zhibu.training.models import Enrolment, TrainingClass

pytestmark = pytest.mark.django_db


def _group(user, key, **kw):
    return next((g for g in needs(user, **kw) if g["key"] == key), None)


def test_never_trained_secretaries_are_a_need_group_until_trained(cast):
    sec = Member.objects.get(name="甲书记")
    g = _group(cast.centre, "secretary:rural", today=datetime.date(2026, 11, 1))
    assert sec.pk in g["member_ids"] and g["never"] >= 1
    old = TrainingClass.objects.create(
        district=cast.a.town.district,
        name="2021书记班",
        category="secretary",
        start=datetime.date(2021, 3, 1),
        end=datetime.date(2021, 3, 5),
        status="closed",
    )
    Enrolment.objects.create(klass=old, member=sec, result="passed", attendance=100)
    g = _group(cast.centre, "secretary:rural", today=datetime.date(2026, 11, 1), years=3)
    assert sec.pk in g["member_ids"] and g["stale"] >= 1  # trained, but more than 3 years ago
    assert _group(cast.centre, "secretary:rural", today=datetime.date(2026, 11, 1), years=6) is None


def test_needs_follow_reach(cast):
    keys = {g["key"] for g in needs(cast.secretary_b)}
    assert keys == {"secretary:community"}
    assert "member:rural" in {g["key"] for g in needs(cast.supervisor)}


def test_a_need_group_becomes_a_class_with_its_members_on_the_roster(cast, login):
    response = login("centre").post(
        "/plans/needs/class/?years=3",
        {
            "group": "member:rural",
            "name": "农村党员轮训",
            "start": "2026-12-01",
            "end": "2026-12-03",
            "capacity": 100,
        },
    )
    assert response.status_code == 302
    klass = TrainingClass.objects.get(name="农村党员轮训")
    assert klass.category == "rotation" and klass.audience == {"domains": ["rural"]}
    assert set(klass.enrolments.values_list("member__name", flat=True)) == {"甲党员", "甲党务", "丙党员"}


def test_bad_class_dates_are_named(cast, login):
    client = login("centre")
    response = client.post(
        "/plans/needs/class/",
        {"group": "member:rural", "name": "x", "start": "明天", "end": "2026-12-03"},
        follow=True,
    )
    assert "日期格式不对" in response.content.decode()
    assert not TrainingClass.objects.filter(name="x").exists()


def test_a_capacity_takes_the_never_trained_first(cast):
    from zhibu.plans.services import need_to_class

    member = Member.objects.get(name="甲党员")
    old = TrainingClass.objects.create(
        district=cast.a.town.district,
        name="2019轮训",
        category="rotation",
        start=datetime.date(2019, 3, 1),
        end=datetime.date(2019, 3, 5),
        status="closed",
    )
    Enrolment.objects.create(klass=old, member=member, result="passed", attendance=100)
    group = _group(cast.centre, "member:rural")
    assert group["member_ids"][-1] == member.pk  # trained long ago: after the never-trained
    klass, placed = need_to_class(
        district=cast.a.town.district,
        group=group,
        name="小班",
        start=datetime.date(2026, 12, 1),
        end=datetime.date(2026, 12, 2),
        capacity=2,
    )
    assert placed == 2 and not klass.enrolments.filter(member=member).exists()


def test_the_pages_copy_counts_without_listing_everyone(cast, login):
    """The shared copy the page shows holds the counts only; turning a group into a class lists them."""
    listed = needs(cast.centre)
    counted = needs(cast.centre, ids=False)
    assert [(g["key"], g["never"], g["stale"], g["count"]) for g in counted] == [
        (g["key"], g["never"], g["stale"], len(g["member_ids"])) for g in listed
    ]
    assert all("member_ids" not in g for g in counted)
    page = login("centre").get("/plans/needs/")
    assert [g["count"] for g in page.context["groups"]] == [g["count"] for g in counted]
