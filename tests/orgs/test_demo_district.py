"""The demo district as the article describes it, seen through the API with tokens."""

import io
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from zhibu.orgs.demo import TOWNS
from zhibu.orgs.models import Branch, Member, Town


@pytest.fixture
def demo(db):
    call_command("demo-district", "--seed", "7", "--today", "2026-11-26", stdout=io.StringIO())


def token_client(username: str) -> APIClient:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("token", "create", username, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + out.getvalue().strip())
    return client


def test_the_district_has_its_16_real_towns_and_303_branches(demo):
    assert list(Town.objects.filter(district__code="huairou").values_list("name", flat=True)) != []
    assert {t.name for t in Town.objects.filter(district__code="huairou")} == {t[1] for t in TOWNS}
    branches = Branch.objects.filter(town__district__code="huairou")
    assert branches.count() == 303
    sizes = [b.members.count() for b in branches.filter(domain="rural")]
    assert min(sizes) >= 3 and max(sizes) <= 80
    assert sum(15 <= s <= 80 for s in sizes) / len(sizes) > 0.85


def test_an_admins_token_sees_303_branches_in_16_towns_and_a_secretarys_one(demo):
    admin = token_client("demo-admin")
    root = admin.get("/api/v1/").json()
    assert {"districts", "towns", "branches", "groups", "members", "elections"} <= set(root)
    branches = admin.get("/api/v1/branches/").json()
    assert branches["count"] == 303
    towns = admin.get("/api/v1/towns/").json()
    assert towns["count"] == 16
    secretary = token_client("demo-secretary").get("/api/v1/branches/").json()
    assert secretary["count"] == 1


def test_the_demo_is_deterministic_and_builds_once(demo):
    first = list(Member.objects.order_by("id").values_list("name", "birth_date")[:50])
    call_command("demo-district", "--seed", "7", stdout=io.StringIO())  # again: skips
    assert Branch.objects.filter(town__district__code="huairou").count() == 303
    assert list(Member.objects.order_by("id").values_list("name", "birth_date")[:50]) == first


def test_api_schema_and_docs_are_served_locally(db, client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/branches/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"https://" not in docs.content


def test_a_wrong_date_or_an_unmigrated_database_is_a_clear_message(db, monkeypatch):
    from django.core.management.base import CommandError
    from django.db.migrations.executor import MigrationExecutor

    with pytest.raises(CommandError, match="--today 的日期“2026-13-01”无效：请写成 YYYY-MM-DD"):
        call_command("demo-district", "--today", "2026-13-01", stdout=io.StringIO())
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("records", "0009")])
    with pytest.raises(CommandError, match="请先运行 zhibu migrate"):
        call_command("demo-district", stdout=io.StringIO())
