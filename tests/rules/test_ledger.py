"""Parsing, validating and writing back the branch ledger (spec section 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from zhibu.rules.ledger import LedgerError, ledger_to_dict, load_ledger, parse_ledger

from .builders import EXAMPLES, copy_doc, meeting, model_branch, record


def test_the_model_branch_parses_into_frozen_dataclasses():
    ledger = parse_ledger(model_branch())
    assert ledger.branch.code == "T-001"
    assert ledger.branch.domain == "rural"
    assert ledger.members[0].roles[0].role == "secretary"
    assert ledger.members[0].roles[0].from_ == date(2021, 7, 1)
    assert ledger.meetings[0].types == ("theme_day", "general_meeting", "party_lecture")
    with pytest.raises(AttributeError):
        ledger.branch.code = "X"  # type: ignore[misc]


def test_the_canonical_dict_reads_back_equal():
    doc = model_branch()
    record(doc, "t1")["absent"] = [{"member": "m9", "reason": "因病"}]
    record(doc, "t1")["resolutions"] = [
        {"title": "决议", "yes": 5, "no": 1, "abstain": 0, "declared": "passed"}
    ]
    doc["exclusions"] = [
        {"member": "m7", "from": "2024-01-01", "to": "2024-12-31", "reason": "出国（境）半年以上"}
    ]
    ledger = parse_ledger(doc)
    written = ledger_to_dict(ledger)
    assert parse_ledger(written) == ledger
    assert ledger_to_dict(parse_ledger(written)) == written
    assert json.loads(json.dumps(written)) == written


def test_the_canonical_dict_of_the_model_branch_is_the_model_branch():
    doc = model_branch()
    assert ledger_to_dict(parse_ledger(doc)) == doc


def test_unknown_keys_are_ignored():
    doc = model_branch()
    doc["comment"] = "导出自旧系统"
    doc["branch"]["secretary_phone"] = "123"
    record(doc, "t1")["weather"] = "晴"
    assert parse_ledger(doc) == parse_ledger(model_branch())


def test_attendance_naming_unknown_people_is_not_malformed():
    doc = model_branch()
    record(doc, "t1")["present"] += ["nobody", 42]
    record(doc, "t1")["absent"] = [{"member": "ghost"}]
    ledger = parse_ledger(doc)
    assert ledger.meetings[0].present[-2:] == ("nobody", "42")


def test_optional_things_may_be_missing_or_null():
    doc = {"format": "zhibu.branch-ledger/1", "branch": {"code": "B1"}}
    ledger = parse_ledger(doc)
    assert ledger.members == () and ledger.meetings == ()
    assert ledger.branch.established is None and ledger.branch.domain is None
    doc = model_branch()
    record(doc, "t1").update(present=None, absent=None, resolutions=None, attachments=None, submitted=None)
    doc["members"][0].update(full_since=None, left=None, group=None, roles=None)
    parse_ledger(doc)


def test_whole_numbers_may_be_written_with_a_decimal_point():
    doc = model_branch()
    record(doc, "t1")["resolutions"] = [
        {"title": "x", "yes": 5.0, "no": 0, "abstain": 0, "declared": "failed"}
    ]
    doc["learning"][0].update(year=2024.0, hours=31.5)
    ledger = parse_ledger(doc)
    assert ledger.meetings[0].resolutions[0].yes == 5
    assert ledger.learning[0].year == 2024


# (the path the error must name, a change that breaks the model branch)
MALFORMED = [
    ("format", lambda d: d.update(format="zhibu.branch-ledger/2")),
    ("format", lambda d: d.pop("format")),
    ("branch", lambda d: d.update(branch=None)),
    ("branch.code", lambda d: d["branch"].pop("code")),
    ("branch.code", lambda d: d["branch"].update(code="")),
    ("branch.domain", lambda d: d["branch"].update(domain="village")),
    ("branch.established", lambda d: d["branch"].update(established="1980")),
    ("branch.committee_elected", lambda d: d["branch"].update(committee_elected="2022-02-30")),
    ("groups[1].id", lambda d: d.update(groups=[{"id": "g1"}, {"id": "g1"}])),
    ("groups[0].id", lambda d: d.update(groups=[{"name": "第一党小组"}])),
    ("members[1].id", lambda d: d["members"][1].pop("id")),
    ("members[3].id", lambda d: d["members"][3].update(id="m1")),
    ("members[2].id", lambda d: d["members"][2].update(id=3)),
    ("members[0].joined", lambda d: d["members"][0].pop("joined")),
    ("members[0].joined", lambda d: d["members"][0].update(joined=None)),
    ("members[4].full_since", lambda d: d["members"][4].update(full_since="2001/07/01")),
    ("members[4].left", lambda d: d["members"][4].update(left="20240101")),
    ("members[4].group", lambda d: d["members"][4].update(group="g9")),
    ("members[0].roles[0].role", lambda d: d["members"][0]["roles"][0].update(role="chairman")),
    ("members[0].roles[0].from", lambda d: d["members"][0]["roles"][0].pop("from")),
    ("members[0].roles[0].to", lambda d: d["members"][0]["roles"][0].update(to="soon")),
    ("members[0].roles", lambda d: d["members"][0].update(roles="secretary")),
    (
        "exclusions[0].member",
        lambda d: d.update(exclusions=[{"member": "m99", "from": "2024-01-01", "to": "2024-02-01"}]),
    ),
    ("exclusions[0].from", lambda d: d.update(exclusions=[{"member": "m1", "to": "2024-02-01"}])),
    ("exclusions[0].to", lambda d: d.update(exclusions=[{"member": "m1", "from": "2024-01-01", "to": None}])),
    ("meetings[1].id", lambda d: d["meetings"][1].update(id="t1")),
    ("meetings[2].id", lambda d: d["meetings"][2].update(id="")),
    ("meetings[3].date", lambda d: d["meetings"][3].update(date="2024-13-01")),
    ("meetings[3].date", lambda d: d["meetings"][3].pop("date")),
    ("meetings[3].submitted", lambda d: d["meetings"][3].update(submitted=20240102)),
    ("meetings[0].types", lambda d: d["meetings"][0].update(types=[])),
    ("meetings[0].types", lambda d: d["meetings"][0].update(types="theme_day")),
    ("meetings[0].types", lambda d: d["meetings"][0].pop("types")),
    ("meetings[0].types[1]", lambda d: d["meetings"][0].update(types=["theme_day", "tea_party"])),
    ("meetings[0].present", lambda d: d["meetings"][0].update(present="m1,m2")),
    ("meetings[0].absent", lambda d: d["meetings"][0].update(absent={"member": "m1"})),
    ("meetings[0].absent[0].member", lambda d: d["meetings"][0].update(absent=[{"reason": "因病"}])),
    ("meetings[0].absent[0]", lambda d: d["meetings"][0].update(absent=["m1"])),
    ("meetings[0].resolutions", lambda d: d["meetings"][0].update(resolutions="passed")),
    ("meetings[0].attachments", lambda d: d["meetings"][0].update(attachments="signin")),
    ("meetings[0].attachments[1]", lambda d: d["meetings"][0].update(attachments=["signin", "selfie"])),
    ("meetings[0].resolutions[0].yes", lambda d: _resolution(d, yes=-1)),
    ("meetings[0].resolutions[0].no", lambda d: _resolution(d, no=1.5)),
    ("meetings[0].resolutions[0].abstain", lambda d: _resolution(d, abstain="0")),
    ("meetings[0].resolutions[0].yes", lambda d: _resolution(d, yes=True)),
    ("meetings[0].resolutions[0].yes", lambda d: _resolution(d, yes=None)),
    ("meetings[0].resolutions[0].declared", lambda d: _resolution(d, declared="adopted")),
    ("learning[0].member", lambda d: d["learning"][0].update(member="m99")),
    ("learning[0].year", lambda d: d["learning"][0].update(year="2024")),
    ("learning[0].year", lambda d: d["learning"][0].update(year=2024.5)),
    ("learning[0].hours", lambda d: d["learning"][0].update(hours=-1)),
    ("learning[0].hours", lambda d: d["learning"][0].update(hours="32")),
    ("learning[0].hours", lambda d: d["learning"][0].update(hours=float("nan"))),
]


def _resolution(doc, **counts):
    resolution = {"title": "x", "yes": 1, "no": 0, "abstain": 0, "declared": "passed"}
    resolution.update(counts)
    doc["meetings"][0]["resolutions"] = [resolution]


@pytest.mark.parametrize(
    ("path", "mutate"), MALFORMED, ids=[f"{p}-{i}" for i, (p, _) in enumerate(MALFORMED)]
)
def test_malformed_input_is_rejected_naming_the_path(path, mutate):
    doc = model_branch()
    mutate(doc)
    with pytest.raises(LedgerError) as caught:
        parse_ledger(doc)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_the_error_reads_path_then_problem():
    doc = model_branch()
    doc["meetings"][3]["date"] = "2024-13-01"
    with pytest.raises(LedgerError) as caught:
        parse_ledger(doc)
    assert str(caught.value) == "meetings[3].date: not a date: '2024-13-01'"


def test_a_document_that_is_not_an_object_is_rejected():
    with pytest.raises(LedgerError):
        parse_ledger([model_branch()])


def test_nothing_is_shared_with_the_input():
    doc = model_branch()
    ledger = parse_ledger(doc)
    copy = copy_doc(doc)
    doc["meetings"][0]["present"].clear()
    assert ledger == parse_ledger(copy)


def test_load_ledger_reads_a_file(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(model_branch(), ensure_ascii=False), encoding="utf-8")
    assert load_ledger(path) == parse_ledger(model_branch())


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_text(
        '{\n  "format": "zhibu.branch-ledger/1",\n  "branch": {"code": "B1",}\n}', encoding="utf-8"
    )
    with pytest.raises(LedgerError) as caught:
        load_ledger(path)
    assert "line 3, column" in str(caught.value)


def test_nan_is_not_json(tmp_path):
    doc = model_branch()
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(doc).replace('"hours": 60', '"hours": NaN', 1), encoding="utf-8")
    with pytest.raises(LedgerError, match="NaN"):
        load_ledger(path)


def test_text_that_is_not_utf8_is_rejected(tmp_path):
    path = tmp_path / "ledger.json"
    path.write_bytes('{"format": "支部"}'.encode("gbk"))
    with pytest.raises(LedgerError, match="UTF-8"):
        load_ledger(path)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not checked out")
def test_the_malformed_spec_example_names_its_path():
    needle = (EXAMPLES / "05-malformed.expected-error.txt").read_text(encoding="utf-8").strip()
    with pytest.raises(LedgerError) as caught:
        load_ledger(EXAMPLES / "05-malformed.ledger.json")
    assert caught.value.path == needle


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not checked out")
@pytest.mark.parametrize(
    "name", ["01-model-branch", "02-generated-101", "03-generated-102", "04-generated-103"]
)
def test_the_spec_examples_round_trip(name):
    ledger = load_ledger(EXAMPLES / f"{name}.ledger.json")
    assert parse_ledger(ledger_to_dict(ledger)) == ledger


def test_a_record_can_be_built_for_every_meeting_type():
    doc = model_branch()
    doc["meetings"].append(
        meeting("x", ["group_meeting", "org_life_meeting"], "2024-02-02", ["m1"], group="g")
    )
    assert parse_ledger(doc).meetings[-1].group == "g"
