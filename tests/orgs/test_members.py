"""Members: personal data encrypted at rest and masked, transfers keeping history, clear form errors."""

import datetime

from django.db import connection
from rest_framework.test import APIClient

from zhibu.core.models import AuditEvent
from zhibu.orgs.models import Member, Transfer


def test_id_numbers_and_phones_are_encrypted_at_rest(cast):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM orgs_member WHERE id = %s", [cast.member_of_a.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert "110116" not in raw_id and "1380000" not in raw_phone
    assert Member.objects.get(pk=cast.member_of_a.pk).id_number == "110116198002020020"


def test_personal_data_is_masked_unless_allowed(cast, login):
    page = login("supervisor").get(f"/orgs/members/{cast.member_of_a.pk}/").content.decode()
    assert "110" + "*" * 11 + "0020" in page and "110116198002020020" not in page
    assert "查看完整信息" not in page
    api = APIClient()
    api.force_authenticate(cast.supervisor)
    assert api.get(f"/api/v1/members/{cast.member_of_a.pk}/").json()["id_number"] == "110" + "*" * 11 + "0020"
    api.force_authenticate(cast.secretary_a)
    assert api.get(f"/api/v1/members/{cast.member_of_a.pk}/").json()["id_number"] == "110116198002020020"


def test_revealing_personal_data_is_audited(cast, login):
    response = login("secretary_a").post(f"/orgs/members/{cast.member_of_a.pk}/reveal/")
    assert "110116198002020020" in response.content.decode()
    event = AuditEvent.objects.get(action="member.reveal")
    assert event.username == "secretary_a" and event.target == f"Member:{cast.member_of_a.pk}"


def test_a_transfer_keeps_both_branches_history(cast, login):
    client = login("admin")
    response = client.post(
        f"/orgs/members/{cast.member_of_a.pk}/transfer/",
        {"to_branch": cast.b.pk, "date": "2026-03-01", "note": "工作调动"},
    )
    assert response.status_code == 302
    old = Member.objects.get(pk=cast.member_of_a.pk)
    assert old.left == datetime.date(2026, 3, 1) and old.branch == cast.a
    new = Member.objects.get(previous=old)
    assert new.branch == cast.b and new.joined == datetime.date(2026, 3, 1) and new.id_number == old.id_number
    assert Transfer.objects.get().member_to == new
    cast.member_a.refresh_from_db()
    assert cast.member_a.member == new  # the account follows the person
    page = client.get(f"/orgs/members/{new.pk}/").content.decode()
    assert "甲村党支部" in page  # the history shows where they came from


def test_a_transfer_cannot_go_back_in_time(cast, login):
    response = login("admin").post(
        f"/orgs/members/{cast.member_of_a.pk}/transfer/", {"to_branch": cast.b.pk, "date": "1990-01-01"}
    )
    assert response.status_code == 200
    assert "转接日期不能早于转入本支部日期" in response.content.decode()
    assert Member.objects.get(pk=cast.member_of_a.pk).left is None


def test_a_bad_member_form_says_what_and_where(cast, login):
    response = login("secretary_a").post(
        f"/orgs/members/{cast.member_of_a.pk}/edit/",
        {
            "name": "",
            "id_number": "123",
            "joined": "2000-07-01",
            "party_joined": "2000-07-01",
            "full_since": "1999-01-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请修改下面标红的项目" in page
    assert "身份证号不是有效的18位号码" in page and "转正日期不能早于入党日期" in page
    assert Member.objects.get(pk=cast.member_of_a.pk).name == "甲党员"


def test_a_secretary_adds_a_member(cast, login):
    response = login("secretary_a").post(
        "/orgs/branches/T1-001/members/new/",
        {
            "name": "新党员",
            "gender": "F",
            "id_number": "110116199004040046",
            "joined": "2026-07-01",
            "party_joined": "2026-07-01",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(name="新党员")
    assert member.branch == cast.a and member.full_since is None and member.birth_date is None


def test_an_election_replaces_the_committee(cast, login):
    from zhibu.orgs.models import Election, MemberRole

    client = login("secretary_a")
    sec = Member.objects.get(name="甲书记")
    response = client.post(
        "/orgs/branches/T1-001/elections/new/",
        {
            "date": "2026-04-10",
            "secretary": cast.member_of_a.pk,
            "members": [sec.pk],
        },
    )
    assert response.status_code == 302
    cast.a.refresh_from_db()
    assert cast.a.committee_elected == datetime.date(2026, 4, 10)
    assert Election.objects.filter(branch=cast.a, date="2026-04-10").exists()
    old = MemberRole.objects.get(member=sec, role="secretary")
    assert old.end == datetime.date(2026, 4, 9)
    assert MemberRole.objects.get(member=cast.member_of_a, role="secretary", end__isnull=True)


def test_one_person_cannot_hold_two_offices(cast, login):
    response = login("secretary_a").post(
        "/orgs/branches/T1-001/elections/new/",
        {
            "date": "2026-04-10",
            "secretary": cast.member_of_a.pk,
            "members": [cast.member_of_a.pk],
        },
    )
    assert "同一人不能在支委会中担任两个职务" in response.content.decode()
