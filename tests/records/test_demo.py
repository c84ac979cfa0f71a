"""On the demo district: chains verify, pages have real content, and the API equals the command line."""

import datetime
import io
import json

from django.core.management import call_command
from django.test import Client

from zhibu.accounts.models import User
from zhibu.orgs.models import Branch
from zhibu.records.chain import verify
from zhibu.records.models import Meeting, Seal
from zhibu.rules import cli


def test_demo_district_records(db, tmp_path):
    call_command("demo-district", "--seed", "7", "--today", "2026-11-26", stdout=io.StringIO())
    branches = Branch.objects.filter(town__district__code="huairou")
    assert Meeting.objects.filter(branch__in=branches).values("branch").distinct().count() == 303
    assert Meeting.objects.filter(status="in_session").exists()
    assert Seal.objects.count() == Meeting.objects.exclude(submitted=None).count()
    assert verify() == []

    secretary = User.objects.get(username="demo-secretary")
    code = secretary.grants.get().branch.code
    out = io.StringIO()
    call_command("ledger", "export", code, "--year", "2025", stdout=out)
    path = tmp_path / "ledger.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert cli.main(["check", str(path), "--from", "2025-01-01", "--to", "2025-12-31"], stdout, stderr) == 0
    client = Client()
    client.force_login(secretary)
    api = client.get(f"/api/v1/branches/{code}/compliance/?from=2025-01-01&to=2025-12-31")
    assert api.status_code == 200 and api.json() == json.loads(stdout.getvalue())

    # Pages with real content for the town supervisor and the secretary.
    supervisor = Client()
    supervisor.force_login(User.objects.get(username="demo-supervisor"))
    town = User.objects.get(username="demo-supervisor").grants.get().town
    page = supervisor.get(f"/rules/towns/{town.code}/?year=2025")
    assert page.status_code == 200 and code in page.content.decode() or "党支部" in page.content.decode()
    xlsx = supervisor.get(f"/rules/towns/{town.code}/export.xlsx?year=2025")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"/rules/branches/{code}/?year=2025").status_code == 200
    assert client.get(f"/records/branches/{code}/?year=2025").status_code == 200
    meeting = Meeting.objects.filter(branch__code=code, date__year=2025).first()
    assert "已存证" in client.get(f"/records/{meeting.pk}/").content.decode()
    assert client.get(f"/records/branches/{code}/handbook/2025.pdf").content.startswith(b"%PDF")
    assert client.get(f"/records/branches/{code}/handbook/2025.xlsx").content[:2] == b"PK"
    live = Meeting.objects.filter(branch__code=code, status="in_session").first()
    assert live is None or client.get(f"/records/{live.pk}/screen/").status_code == 200
    assert (
        datetime.date(2026, 11, 26)
        >= Meeting.objects.order_by("-date").exclude(status="planned").first().date
    )
