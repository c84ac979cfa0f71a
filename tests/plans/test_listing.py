"""After a committee election the new committee is listed for the 新一届两委 class automatically."""

import datetime

import pytest

from zhibu.orgs.models import Member
from zhibu.orgs.services import election_record
from zhibu.plans.models import CommitteeListing
from zhibu.training.models import Enrolment
from zhibu.training.services import class_create

pytestmark = pytest.mark.django_db


def _elect(cast, day):
    sec = Member.objects.get(name="甲书记")
    worker = Member.objects.get(name="甲党务")
    return (
        election_record(
            branch=cast.a,
            date=day,
            committee=[(sec, "secretary", ""), (worker, "committee_member", "组织委员")],
        ),
        sec,
        worker,
    )


def test_newly_elected_members_are_listed_and_shown_in_the_planning_view(cast, login):
    election, sec, worker = _elect(cast, datetime.date(2026, 7, 1))
    listings = {x.member_id: x for x in CommitteeListing.objects.filter(election=election)}
    assert set(listings) == {sec.pk, worker.pk}
    assert listings[worker.pk].newcomer and not listings[sec.pk].newcomer  # the secretary served before
    assert listings[worker.pk].enrolment is None  # no 两委 class planned yet: waiting
    page = login("centre").get("/plans/needs/").content.decode()
    assert "甲党务" in page and "待编班" in page


def test_they_are_placed_in_a_planned_two_committees_class(cast):
    klass = class_create(
        district=cast.a.town.district,
        name="2026年新一届村“两委”培训班",
        category="new_committee",
        start=datetime.date(2026, 8, 1),
        end=datetime.date(2026, 8, 3),
    )
    election, sec, worker = _elect(cast, datetime.date(2026, 7, 1))
    listing = CommitteeListing.objects.get(election=election, member=worker)
    assert listing.enrolment.klass == klass
    assert Enrolment.objects.filter(klass=klass, member__in=[sec, worker]).count() == 2


def test_the_centre_turns_the_waiting_list_into_a_class(cast, login):
    _elect(cast, datetime.date(2026, 7, 1))
    response = login("centre").post(
        "/plans/needs/class/",
        {
            "group": "new_committee",
            "name": "新一届两委第一期",
            "start": "2026-09-01",
            "end": "2026-09-03",
            "capacity": 50,
        },
    )
    assert response.status_code == 302
    assert CommitteeListing.objects.filter(enrolment__klass__name="新一届两委第一期").count() == 2
    assert login("supervisor").post("/plans/needs/class/", {"group": "new_committee"}).status_code == 403


def test_roles_outside_an_election_are_not_listed_and_string_dates_are_fine(cast):
    from zhibu.orgs.models import Election, MemberRole

    worker = Member.objects.get(name="甲党务")
    MemberRole.objects.create(member=worker, role="committee_member", start=datetime.date(2026, 3, 3))
    assert not CommitteeListing.objects.filter(member=worker).exists()  # no election that day
    election = Election.objects.create(branch=cast.a, date="2026-03-03")  # recorded afterwards
    assert CommitteeListing.objects.filter(member=worker, election=election).exists()


def test_every_open_a_class_form_has_its_own_field_ids(cast, login):
    import re

    page = login("centre").get("/plans/needs/").content.decode()
    ids = re.findall(r'\bid="(need-[^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    for label_for in re.findall(r'<label for="(need-[^"]+)"', page):
        assert label_for in ids
