"""Ledger import (all or nothing, idempotent) and export; the API's report equals the command line's."""

import copy
import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Branch, Group, Member, MemberRole
from zhibu.records import services
from zhibu.records.models import Attendance, Exclusion, Meeting, Resolution
from zhibu.rules import adapter, cli
from zhibu.rules.ledger import parse_ledger
from zhibu.rules.ledger_io import import_ledger
from zhibu.rules.models import LedgerKey

EXAMPLES = Path("/work/shared/spec/examples")
if not EXAMPLES.exists():
    EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "spec" / "examples"


def _example(name: str) -> dict:
    doc = json.loads((EXAMPLES / f"{name}.ledger.json").read_text(encoding="utf-8"))
    doc["branch"]["parent"] = "一号镇"  # the test cast's town
    return doc


def _counts():
    return [
        M.objects.count()
        for M in (Branch, Group, Member, MemberRole, Exclusion, Meeting, Attendance, Resolution)
    ]


pytestmark = pytest.mark.skipif(not EXAMPLES.exists(), reason="spec examples not found")


def test_import_is_idempotent_and_reproduces_the_expected_findings(cast, tmp_path, monkeypatch):
    doc = _example("01-model-branch")
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("ledger", "import", str(path), stdout=out)
    assert "导入完成" in out.getvalue()
    before = _counts()
    out = io.StringIO()
    call_command("ledger", "import", str(path), stdout=out)
    assert "新增 0 项，更新 0 项" in out.getvalue()
    assert _counts() == before

    # The ledger's own ids map to rows; learning hours come from a registered source.
    branch = Branch.objects.get(code=doc["branch"]["code"])
    member_of = {k.key: k.object_id for k in LedgerKey.objects.filter(branch=branch, kind="member")}
    group_of = {k.key: k.object_id for k in LedgerKey.objects.filter(branch=branch, kind="group")}
    record_of = {m.external_id: m.pk for m in Meeting.objects.filter(branch=branch)}
    hours = {(member_of[x["member"]], x["year"]): x["hours"] for x in doc["learning"]}

    def source(member_ids, year):
        return {pk: hours[(pk, year)] for pk in member_ids if (pk, year) in hours}

    monkeypatch.setattr(adapter, "LEARNING_SOURCES", [source])
    window = json.loads((EXAMPLES / "01-model-branch.window.json").read_text())
    report = adapter.branch_report(
        branch,
        datetime.date.fromisoformat(window["from"]),
        datetime.date.fromisoformat(window["to"]),
        datetime.date.fromisoformat(window["as_of"]),
    )

    def ours(value):
        if value is None:
            return None
        base, _, index = value.partition("#")
        for table, letter in ((member_of, "m"), (group_of, "g"), (record_of, "r")):
            if base in table:
                return f"{letter}{table[base]}" + (f"#{index}" if index else "")
        return value

    expected = json.loads((EXAMPLES / "01-model-branch.expected.json").read_text())["findings"]
    want = sorted(
        (
            f["rule"],
            f["severity"],
            f["period"],
            ours(f["subject"]) or "",
            tuple(ours(r) for r in f["records"]),
        )
        for f in expected
    )
    got = sorted(
        (f["rule"], f["severity"], f["period"], f["subject"] or "", tuple(f["records"]))
        for f in report["findings"]
    )
    assert got == want


def test_the_ledger_checked_is_the_one_its_exported_document_reads_as(cast, monkeypatch):
    """The nightly check builds each branch's ledger straight from the rows; reading the exported
    document back (what the command line checks) gives the very same ledger, field for field."""
    example = _example("04-generated-103")  # groups, exclusions, resolutions, absences
    import_ledger(example)
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    thin = held_meeting(cast.a, cast.secretary_a, day=datetime.date(2025, 5, 9), present=members[:1])
    services.attendance_set(meeting=thin, member=members[1], state="leave", reason="外出")
    monkeypatch.setattr(adapter, "LEARNING_SOURCES", [lambda ids, year: {pk: 12.5 for pk in ids}])
    branches = Branch.objects.select_related("town")
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    built = adapter.ledgers(branches, start, end)
    documents = adapter.build_ledgers(branches, start, end)
    assert set(built) == set(documents) == set(branches.values_list("pk", flat=True))
    for pk, ledger in built.items():
        assert parse_ledger(documents[pk]) == ledger
    model = built[Branch.objects.get(code=example["branch"]["code"]).pk]
    assert model.groups and model.exclusions and model.learning
    assert any(m.roles for m in model.members)
    assert any(m.resolutions for m in model.meetings) and any(m.attachments for m in model.meetings)
    assert any(m.absent for m in model.meetings) and any(m.group for m in model.meetings)
    assert any(m.absent for m in built[cast.a.pk].meetings)
    # One record being filled in, as if submitted today: only it, with that day.
    draft = adapter.ledgers(
        [thin.branch], thin.date, thin.date, meeting_ids=[thin.pk], draft_submitted={thin.pk: end}
    )[cast.a.pk]
    assert [(m.id, m.submitted) for m in draft.meetings] == [(f"r{thin.pk}", end)]
    assert draft.learning == ()


def test_import_is_all_or_nothing(cast, tmp_path):
    doc = _example("01-model-branch")
    bad = copy.deepcopy(doc)
    bad["meetings"][-1]["present"].append("m-nobody")
    before = _counts()
    with pytest.raises(Exception, match="m-nobody"):
        import_ledger(bad)
    assert _counts() == before
    malformed = copy.deepcopy(doc)
    malformed["meetings"][3]["date"] = "2024-13-01"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(malformed, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match=r"meetings\[3\]\.date") as caught:
        call_command("ledger", "import", str(path))
    assert caught.value.returncode == 2
    assert _counts() == before


def test_exported_ledger_on_the_command_line_equals_the_api(cast, tmp_path):
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    good = held_meeting(
        cast.a, cast.secretary_a, types=("general_meeting", "theme_day"), day=datetime.date(2025, 3, 5)
    )
    services.meeting_submit(meeting=good, today=datetime.date(2025, 3, 20))  # late
    thin = held_meeting(
        cast.a, cast.secretary_a, day=datetime.date(2025, 5, 9), present=members[:1]
    )  # no quorum
    services.resolution_add(meeting=thin, title="选举", yes=1, no=0, abstain=0, declared="passed")
    services.attendance_set(meeting=thin, member=members[1], state="leave", reason="")
    services.meeting_submit(meeting=thin, today=datetime.date(2025, 5, 10))
    Exclusion.objects.create(
        member=members[2], start=datetime.date(2025, 6, 1), end=datetime.date(2025, 12, 31), reason="外出务工"
    )
    out = io.StringIO()
    call_command("ledger", "export", "T1-001", "--year", "2025", stdout=out)
    path = tmp_path / "a.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    status = cli.main(
        ["check", str(path), "--from", "2025-01-01", "--to", "2025-12-31", "--as-of", "2025-12-31"],
        stdout,
        stderr,
    )
    assert status == 0, stderr.getvalue()
    from_cli = json.loads(stdout.getvalue())
    api = APIClient()
    api.force_authenticate(cast.supervisor)
    response = api.get("/api/v1/branches/T1-001/compliance/?from=2025-01-01&to=2025-12-31&as_of=2025-12-31")
    assert response.status_code == 200
    assert response.json() == from_cli
    rules = {f["rule"] for f in from_cli["findings"]}
    assert {"general_meeting.quorum", "record.late", "general_meeting.resolution"} <= rules

    # Re-importing the platform's own export changes nothing.
    before = _counts()
    assert import_ledger(json.loads(out.getvalue())) == {"created": 0, "changed": 0}
    assert _counts() == before


def test_api_refuses_a_bad_window(cast):
    api = APIClient()
    api.force_authenticate(cast.admin)
    response = api.get("/api/v1/branches/T1-001/compliance/?from=2025-02-30")
    assert response.status_code == 400 and "from" in response.json()["detail"]
    # Found by fuzzing: a window ending in 9999 overflowed the calendar (a 500), one of centuries took minutes.
    for query, words in (
        ("from=2025-01-01&to=9999-12-31", "参数 to 的年份应在 1900–2100 之间"),
        ("from=1900-01-01&to=2025-12-31", "不能超过 10 年"),
    ):
        response = api.get(f"/api/v1/branches/T1-001/compliance/?{query}")
        assert response.status_code == 400 and words in response.json()["detail"]
