"""Faults: the database going away gives a clear 503 and saves nothing half-way."""

from unittest import mock

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from zhibu.orgs.models import Member


def test_a_lost_database_gives_a_clear_503(cast, login):
    client = login("secretary_a")
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("server closed")
    ):
        response = client.get("/orgs/")
    assert response.status_code == 503
    assert "数据库暂时无法连接" in response.content.decode() and response["Retry-After"] == "30"
    assert client.get("/orgs/").status_code == 200  # and back once it returns


def test_a_write_that_fails_half_way_saves_nothing(cast, login):
    client = login("admin")
    before = Member.objects.count()
    with mock.patch("zhibu.orgs.services.Transfer.objects.create", side_effect=OperationalError("gone")):
        response = client.post(
            f"/orgs/members/{cast.member_of_a.pk}/transfer/", {"to_branch": cast.b.pk, "date": "2026-03-01"}
        )
    assert response.status_code == 503
    assert Member.objects.count() == before
    assert Member.objects.get(pk=cast.member_of_a.pk).left is None
