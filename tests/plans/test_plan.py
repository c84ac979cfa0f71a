"""A branch with a quorum failure gets the matching drill in its secretary's plan, with the reason shown."""

import datetime

import pytest
from django.utils import timezone

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Member
from zhibu.plans.selectors import plan_for
from zhibu.records import services as records
from zhibu.training.models import DrillScript
from zhibu.training.services import default_scripts

pytestmark = pytest.mark.django_db

REASON = "本支部合规检查发现“党员大会到会人数不足”，支部书记需掌握“如何召开支部党员大会”"


def _quorum_failure(cast):
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    day = timezone.localdate() - datetime.timedelta(days=20)
    thin = held_meeting(cast.a, cast.secretary_a, day=day, present=members[:1])
    records.meeting_submit(meeting=thin, today=day + datetime.timedelta(days=2))


def _drill(plan):
    return next((r for r in plan["recommendations"] if r.title == "模拟演练：如何召开支部党员大会"), None)


def test_quorum_failure_puts_the_general_meeting_drill_in_the_secretary_plan(cast, login):
    default_scripts(cast.a.town.district)
    secretary = Member.objects.get(name="甲书记")
    before = _drill(plan_for(secretary, cast.secretary_a))  # a branch without meetings: frequency findings
    assert before is None or REASON not in before.reasons
    _quorum_failure(cast)
    plan = plan_for(secretary, cast.secretary_a)
    drill = _drill(plan)
    assert drill is not None and REASON in drill.reasons
    assert plan["recommendations"][0].score >= 40  # a finding outranks a mere fit of role and domain
    script = (
        DrillScript.objects.filter(district=cast.a.town.district, meeting="支部党员大会")
        .order_by("id")
        .first()
    )
    assert drill.steps and drill.steps == script.steps  # the procedure to drill, shown with it
    page = login("secretary_a").get(f"/plans/members/{secretary.pk}/").content.decode()
    assert "模拟演练：如何召开支部党员大会" in page and REASON in page


def test_an_ordinary_member_is_not_sent_to_the_secretary_drill(cast):
    default_scripts(cast.a.town.district)
    _quorum_failure(cast)
    plan = plan_for(cast.member_of_a, cast.member_a)
    assert _drill(plan) is None


def test_learning_hours_owed_and_wrong_topics_give_reasons(cast, login):
    from zhibu.library.models import Item, Tag

    item = Item.objects.create(
        district=cast.a.town.district,
        kind="document",
        title="党章学习辅导",
        summary="逐章讲解",
        file="x.pdf",
        duration=600,
    )
    item.tags.set(Tag.objects.filter(code__in=["member", "theory"]))
    plan = plan_for(cast.member_of_a, cast.member_a)
    rec = next(r for r in plan["recommendations"] if r.key == f"item:{item.pk}")
    assert any(r.startswith("本年度学时尚差") for r in rec.reasons)
    page = login("member_a").get("/plans/me/", follow=True).content.decode()
    assert "党章学习辅导" in page and "本年度学时尚差" in page


def test_the_plan_is_in_the_api(cast):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(cast.member_a)
    data = api.get(f"/api/v1/plans/listings/plan/{cast.member_of_a.pk}/").json()
    assert data["layers"] == ["党员"] and "recommendations" in data
