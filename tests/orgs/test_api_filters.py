"""The API's list filters are in its OpenAPI schema (so clients and the fuzz tests know them) and filter."""

import json

from rest_framework.test import APIClient


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
