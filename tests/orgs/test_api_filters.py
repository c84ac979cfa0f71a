"""The API's list filters are in its OpenAPI schema (so clients and the fuzz tests know them) and filter."""

import datetime
import json

from rest_framework.test import APIClient

from tests.records.helpers import held_meeting


def params(schema: dict, path: str) -> set[str]:
    return {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}


def test_list_filters_are_documented_and_work(cast):
    client = APIClient()
    client.force_authenticate(cast.admin)
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    assert {"town", "domain"} <= params(schema, "/api/v1/branches/")
    assert {"branch", "q", "all"} <= params(schema, "/api/v1/members/")
    assert "klass" in params(schema, "/api/v1/training/enrolments/")

    branch = cast.a
    members = client.get("/api/v1/members/", {"branch": branch.code}).json()
    rows = members["results"] if isinstance(members, dict) else members
    assert rows and {m["branch"] for m in rows} == {branch.code}
    branches = client.get("/api/v1/branches/", {"town": branch.town.code}).json()
    rows = branches["results"] if isinstance(branches, dict) else branches
    assert rows and {b["town"] for b in rows} == {branch.town.code}


def test_meetings_are_listed_by_town_branch_status_and_dates(cast):
    march = held_meeting(cast.a, cast.secretary_a, day=datetime.date(2025, 3, 5))
    may = held_meeting(cast.c, cast.admin, day=datetime.date(2025, 5, 6))
    other_town = held_meeting(cast.b, cast.secretary_b, day=datetime.date(2025, 3, 7))
    client = APIClient()
    client.force_authenticate(cast.admin)
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    assert {"town", "branch", "status", "from", "to"} <= params(schema, "/api/v1/meetings/")

    def ids(**query):
        return {m["id"] for m in client.get("/api/v1/meetings/", query).json()["results"]}

    assert ids(town=cast.a.town.code) == {march.pk, may.pk}
    assert ids(town=cast.b.town.code) == {other_town.pk}
    assert ids(town=cast.a.town.code, **{"from": "2025-04-01"}) == {may.pk}
    assert ids(branch=cast.a.code, to="2025-03-31") == {march.pk}


def test_branch_member_counts_are_the_same_in_the_list_and_on_each_branch(cast):
    """The list counts its page's members (not the whole reach's before the page is cut): current members
    only, as the branch's own answer says."""
    from zhibu.orgs.models import Member

    gone = Member.objects.filter(branch=cast.a).exclude(name="甲书记").first()
    gone.left = datetime.date(2024, 1, 1)
    gone.save()
    client = APIClient()
    client.force_authenticate(cast.admin)
    listed = {b["code"]: b["member_count"] for b in client.get("/api/v1/branches/").json()["results"]}
    assert set(listed) >= {cast.a.code, cast.b.code, cast.c.code}
    for code, count in listed.items():
        assert client.get(f"/api/v1/branches/{code}/").json()["member_count"] == count
        assert count == Member.objects.filter(branch__code=code, left__isnull=True).count()
    assert listed[cast.a.code] == Member.objects.filter(branch=cast.a).count() - 1
