"""Behaviour of each compliance rule (spec section 3) on small hand-built ledgers."""

from __future__ import annotations

import ast
import json
import sys
from datetime import date
from pathlib import Path

import pytest

from zhibu.rules.engine import (
    DEFAULT_CONFIG,
    RULES,
    ConfigError,
    Window,
    add_years,
    check,
    evaluated_periods,
    merge_config,
    period_label,
    settings_from_config,
)
from zhibu.rules.ledger import parse_ledger

from .builders import (
    EXAMPLES,
    YEAR_2024,
    drop,
    found,
    identity,
    meeting,
    member,
    model_branch,
    record,
    role,
    run,
)

EVERYONE = [f"m{i}" for i in range(1, 10)]


def test_the_model_branch_has_no_findings():
    report = run(model_branch())
    assert report["findings"] == []
    assert report["summary"] == {"violations": 0, "warnings": 0}


def test_report_shape():
    report = run(model_branch())
    assert report["format"] == "zhibu.compliance-report/1"
    assert report["branch"] == "T-001"
    assert report["window"] == {"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-12-31"}


# --- 3.1 record rules ---------------------------------------------------------------------------------


def test_attendance_naming_someone_outside_the_branch_is_flagged():
    doc = model_branch()
    doc["members"].append(member("m10", joined="2000-01-01", left="2024-01-01"))
    record(doc, "t4")["present"] += ["m10"]  # m10 left on New Year's Day
    record(doc, "t5")["absent"] = [{"member": "x99", "reason": "因病"}]
    assert found(doc) == {
        ("record.attendance_unknown", "2024-04", "t4"),
        ("record.attendance_unknown", "2024-05", "t5"),
    }


def test_attendance_before_joining_is_flagged():
    doc = model_branch()
    doc["members"].append(member("m10", joined="2024-06-01", full_since=None))
    record(doc, "t5")["present"] += ["m10"]
    for r in doc["meetings"]:
        if r["date"] >= "2024-06-01" and r["id"].startswith("t"):
            r["present"] = r["present"] + ["m10"]
    assert found(doc) == {("record.attendance_unknown", "2024-05", "t5")}


def test_someone_both_present_and_absent_is_a_conflict():
    doc = model_branch()
    record(doc, "t2")["absent"] = [{"member": "m4", "reason": "因病"}]
    assert found(doc) == {("record.attendance_conflict", "2024-02", "t2")}


def test_someone_listed_twice_as_present_is_a_conflict():
    doc = model_branch()
    record(doc, "t2")["present"] += ["m4"]
    assert found(doc) == {("record.attendance_conflict", "2024-02", "t2")}


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_absence_without_a_reason_is_a_warning(reason):
    doc = model_branch()
    record(doc, "t2")["present"] = EVERYONE[:-1]
    record(doc, "t2")["absent"] = [{"member": "m9", "reason": reason}]
    report = run(doc)
    assert [identity(f) for f in report["findings"]] == [
        ("record.absence_reason", "warning", "2024-02", "t2")
    ]


def test_absence_reason_may_be_missing_entirely():
    doc = model_branch()
    record(doc, "t2")["present"] = EVERYONE[:-1]
    record(doc, "t2")["absent"] = [{"member": "m9"}]
    assert found(doc) == {("record.absence_reason", "2024-02", "t2")}


def test_someone_expected_in_neither_list_makes_attendance_incomplete():
    doc = model_branch()
    record(doc, "t2")["present"] = EVERYONE[:-1]
    report = run(doc)
    assert [identity(f) for f in report["findings"]] == [
        ("record.attendance_incomplete", "warning", "2024-02", "t2")
    ]
    assert "党员m9" in report["findings"][0]["message"]


def test_an_excluded_member_is_not_expected():
    doc = model_branch()
    doc["exclusions"] = [
        {"member": "m9", "from": "2024-02-01", "to": "2024-02-29", "reason": "出国（境）半年以上"}
    ]
    record(doc, "t2")["present"] = EVERYONE[:-1]
    assert found(doc) == set()


def test_a_committee_meeting_expects_the_committee_only():
    doc = model_branch()
    record(doc, "c2")["present"] = ["m1", "m2"]
    assert ("record.attendance_incomplete", "2024-02", "c2") in found(doc)
    record(doc, "c2")["absent"] = [{"member": "m3", "reason": "因病"}]
    assert found(doc) == set()


def test_a_group_meeting_expects_that_groups_members():
    doc = model_branch()
    doc["groups"] = [{"id": "g1", "name": "第一党小组"}, {"id": "g2", "name": "第二党小组"}]
    for m in doc["members"]:
        m["group"] = "g1" if m["id"] in ("m1", "m2", "m3", "m4") else "g2"
    doc["meetings"] += [
        meeting(f"g1-{n}", ["group_meeting"], f"2024-{n:02d}-15", ["m1", "m2", "m3"], group="g1")
        for n in range(1, 13)
    ]
    doc["meetings"] += [
        meeting(f"g2-{n}", ["group_meeting"], f"2024-{n:02d}-15", EVERYONE[4:], group="g2")
        for n in range(1, 13)
    ]
    assert found(doc) == {("record.attendance_incomplete", f"2024-{n:02d}", f"g1-{n}") for n in range(1, 13)}


@pytest.mark.parametrize("field", ["place", "chair", "recorder", "topic", "minutes"])
@pytest.mark.parametrize("value", ["", "   ", None])
def test_a_blank_required_field_is_missing(field, value):
    doc = model_branch()
    record(doc, "t3")[field] = value
    assert found(doc) == {("record.missing_fields", "2024-03", "t3")}


def test_an_empty_present_list_is_a_missing_field():
    doc = model_branch()
    record(doc, "y1")["types"] = ["org_life_meeting"]
    doc["meetings"].append(meeting("y2", ["democratic_appraisal"], "2024-12-21", []))
    assert found(doc) == {("record.missing_fields", "2024-12", "y2")}


def test_a_party_lecture_needs_a_lecturer():
    doc = model_branch()
    record(doc, "t4")["lecturer"] = ""
    report = run(doc)
    assert [identity(f) for f in report["findings"]] == [
        ("record.missing_fields", "violation", "2024-04", "t4")
    ]
    assert "授课人" in report["findings"][0]["message"]


def test_a_group_meeting_needs_a_group():
    doc = model_branch()
    doc["meetings"].append(meeting("g", ["group_meeting"], "2024-05-20", ["m1"], group=None))
    assert found(doc) == {("record.missing_fields", "2024-05", "g")}


def test_a_group_meeting_naming_no_group_is_flagged_and_does_not_count():
    doc = model_branch()
    doc["groups"] = [{"id": "g1", "name": "第一党小组"}]
    for m in doc["members"]:
        m["group"] = "g1"
    doc["meetings"] += [
        meeting(f"g{n}", ["group_meeting"], f"2024-{n:02d}-15", EVERYONE, group="g1") for n in range(1, 13)
    ]
    record(doc, "g5")["group"] = "g7"
    report = run(doc)
    assert {(f["rule"], f["period"], f["subject"], tuple(f["records"])) for f in report["findings"]} == {
        ("record.group_unknown", "2024-05", "g5", ("g5",)),
        ("group_meeting.frequency", "2024-05", "g1", ("g5",)),
    }


@pytest.mark.parametrize("types", [["general_meeting"], ["committee_meeting"], ["theme_day"]])
def test_these_meetings_need_a_signin_sheet(types):
    doc = model_branch()
    doc["meetings"].append(meeting("x", types, "2024-06-20", EVERYONE, attachments=["photo"]))
    assert ("record.signin", "2024-06", "x") in found(doc)


def test_a_party_lecture_alone_needs_no_signin_sheet():
    doc = model_branch()
    doc["meetings"].append(meeting("x", ["party_lecture"], "2024-06-20", EVERYONE, attachments=[]))
    assert found(doc) == set()


def test_a_theme_day_without_a_photo_is_a_warning():
    doc = model_branch()
    record(doc, "t6")["attachments"] = ["signin"]
    assert [identity(f) for f in run(doc)["findings"]] == [("record.photo", "warning", "2024-06", "t6")]


def test_submitting_before_the_meeting_is_a_dates_violation():
    doc = model_branch()
    record(doc, "t6")["submitted"] = "2024-06-04"
    assert found(doc) == {("record.dates", "2024-06", "t6")}


@pytest.mark.parametrize(("submitted", "late"), [("2024-06-12", False), ("2024-06-13", True)])
def test_submitting_more_than_seven_days_after_is_late(submitted, late):
    doc = model_branch()
    record(doc, "t6")["submitted"] = submitted  # meeting on 2024-06-05
    assert found(doc) == ({("record.late", "2024-06", "t6")} if late else set())


def test_the_submission_limit_is_configurable():
    doc = model_branch()
    record(doc, "t6")["submitted"] = "2024-06-13"
    assert found(doc, config={"submit_within_days": 10}) == set()
    assert found(doc, config={"submit_within_days": 1}) == {("record.late", "2024-06", "t6")}


def test_drafts_and_records_submitted_after_as_of_are_ignored_entirely():
    doc = model_branch()
    record(doc, "t6")["submitted"] = None
    record(doc, "t6")["place"] = ""
    assert found(doc) == {("theme_day.frequency", "2024-06", None)}
    record(doc, "t6")["submitted"] = "2025-01-10"
    assert found(doc) == {("theme_day.frequency", "2024-06", None)}
    late_window = Window(date(2024, 1, 1), date(2024, 12, 31), as_of=date(2025, 1, 10))
    assert found(doc, late_window) == {
        ("record.missing_fields", "2024-06", "t6"),
        ("record.late", "2024-06", "t6"),
    }


def test_records_outside_the_window_are_ignored():
    doc = model_branch()
    doc["meetings"].append(meeting("old", ["theme_day"], "2023-12-20", ["nobody"], place=""))
    assert found(doc) == set()


# --- 3.2 validity -------------------------------------------------------------------------------------


def general_meeting_branch(full: int, present: int, **fields) -> dict:
    """The model branch with `full` full members and one extra general meeting on 2024-06-20."""
    doc = model_branch(members=full)
    ids = [m["id"] for m in doc["members"]]
    for r in doc["meetings"]:
        if r["id"].startswith(("t", "y")):
            r["present"] = ids
    doc["meetings"].append(
        meeting(
            "gm", ["general_meeting"], "2024-06-20", ids[:present], absent=_absent(ids[present:]), **fields
        )
    )
    return doc


def _absent(ids):
    return [{"member": m, "reason": "外出"} for m in ids]


def test_a_general_meeting_needs_more_than_half_of_the_full_members():
    assert found(general_meeting_branch(12, 7)) == set()
    assert found(general_meeting_branch(12, 6)) == {("general_meeting.quorum", "2024-06", "gm")}


def test_quorum_inclusive_half_accepts_exactly_half():
    config = {"quorum_inclusive_half": True}
    assert found(general_meeting_branch(12, 6), config=config) == set()
    assert found(general_meeting_branch(12, 5), config=config) == {
        ("general_meeting.quorum", "2024-06", "gm")
    }


def test_the_quorum_message_names_the_numbers_and_what_to_do():
    doc = general_meeting_branch(12, 5)
    record(doc, "gm")["date"] = "2024-03-05"
    record(doc, "gm")["submitted"] = "2024-03-06"
    (finding,) = run(doc)["findings"]
    assert finding["message"] == (
        "2024年3月5日支部党员大会到会正式党员5人，应到12人，未超过半数，会议无效；请重新召开并确保至少7名正式党员到会"
    )
    assert finding["citation"] == "《中国共产党支部工作条例（试行）》第十一条"


def test_probationary_members_attend_but_do_not_count_for_quorum():
    doc = general_meeting_branch(12, 6)
    doc["members"] += [member(f"p{i}", joined="2024-01-10", full_since=None) for i in range(3)]
    record(doc, "gm")["present"] += ["p0", "p1", "p2"]
    assert ("general_meeting.quorum", "2024-06", "gm") in found(doc)


def test_excluded_full_members_leave_the_quorum_unless_they_come():
    doc = general_meeting_branch(12, 6)
    doc["exclusions"] = [{"member": "m12", "from": "2024-01-01", "to": "2024-12-31", "reason": "出国（境）"}]
    # N = 11, P = 6: the meeting is valid
    assert ("general_meeting.quorum", "2024-06", "gm") not in found(doc)
    doc["exclusions"].append({"member": "m1", "from": "2024-01-01", "to": "2024-12-31", "reason": "长期外出"})
    # m1 is excluded but present, so counts in N again: N = 11, P = 6
    assert ("general_meeting.quorum", "2024-06", "gm") not in found(doc)


def test_a_general_meeting_without_full_members_fails_quorum():
    doc = model_branch(members=3)
    for m in doc["members"]:
        m["full_since"] = None
    assert ("general_meeting.quorum", "2024-01", "t1") in found(doc)


def test_an_election_needs_more_than_four_fifths():
    assert ("election.quorum", "2024-06", "gm") in found(general_meeting_branch(10, 8, election=True))
    assert ("election.quorum", "2024-06", "gm") not in found(general_meeting_branch(10, 9, election=True))


def test_more_votes_than_voters_present():
    vote = {"title": "关于接收预备党员的决议", "yes": 7, "no": 1, "abstain": 0, "declared": "passed"}
    doc = general_meeting_branch(12, 7, resolutions=[vote])
    assert found(doc) == {("general_meeting.vote_count", "2024-06", "gm#0")}
    finding = run(doc)["findings"][0]
    assert finding["records"] == ["gm"]
    assert "关于接收预备党员的决议" in finding["message"]


def test_passing_needs_more_than_half_of_those_entitled_not_of_those_present():
    failed = {"title": "甲", "yes": 6, "no": 0, "abstain": 1, "declared": "passed"}
    passed = {"title": "乙", "yes": 7, "no": 0, "abstain": 0, "declared": "passed"}
    declared_failed = {"title": "丙", "yes": 1, "no": 6, "abstain": 0, "declared": "failed"}
    doc = general_meeting_branch(12, 7, resolutions=[failed, passed, declared_failed])
    assert found(doc) == {("general_meeting.resolution", "2024-06", "gm#0")}


def test_resolutions_of_other_meetings_are_not_checked():
    doc = model_branch()
    record(doc, "c3")["resolutions"] = [{"title": "x", "yes": 9, "no": 9, "abstain": 0, "declared": "passed"}]
    assert found(doc) == set()


def test_a_committee_meeting_needs_more_than_half_of_the_committee():
    doc = model_branch()
    record(doc, "c4")["present"] = ["m1", "m4", "m5"]
    record(doc, "c4")["absent"] = _absent(["m2", "m3"])
    assert found(doc) == {
        ("committee_meeting.quorum", "2024-04", "c4"),
        ("committee_meeting.frequency", "2024-04", None),
    }
    assert run(doc)["findings"][0]["records"] == ["c4"]


def test_committee_quorum_at_exactly_half():
    doc = model_branch()
    doc["members"].append(member("m10", roles=[role("committee_member")]))
    doc["learning"].append({"member": "m10", "year": 2024, "hours": 56})
    for r in doc["meetings"]:
        r["present"] = r["present"] + ["m10"]
    record(doc, "c4")["present"] = ["m1", "m2"]
    record(doc, "c4")["absent"] = _absent(["m3", "m10"])
    assert ("committee_meeting.quorum", "2024-04", "c4") in found(doc)
    assert found(doc, config={"quorum_inclusive_half": True}) == set()


def test_a_failed_general_meeting_does_not_count_and_is_named_by_the_frequency_finding():
    doc = general_meeting_branch(12, 6)
    record(doc, "t4")["types"] = ["theme_day"]  # leave Q2 with only the failed meeting
    record(doc, "t4")["lecturer"] = None
    doc["meetings"].append(meeting("pl", ["party_lecture"], "2024-05-10", ["m1"], attachments=[]))
    report = run(doc)
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert set(by_rule) == {"general_meeting.quorum", "general_meeting.frequency"}
    assert by_rule["general_meeting.frequency"]["period"] == "2024-Q2"
    assert by_rule["general_meeting.frequency"]["records"] == ["gm"]
    assert by_rule["general_meeting.frequency"]["message"].startswith(
        "2024年第二季度未召开有效的支部党员大会"
    )


# --- 3.3 frequency ------------------------------------------------------------------------------------


def test_each_missing_meeting_kind_is_found_in_its_period():
    doc = drop(model_branch(), "t5", "c8", "y1")
    record(doc, "t10")["types"] = ["theme_day"]
    assert found(doc) == {
        ("theme_day.frequency", "2024-05", None),
        ("committee_meeting.frequency", "2024-08", None),
        ("general_meeting.frequency", "2024-Q4", None),
        ("party_lecture.frequency", "2024-Q4", None),
        ("org_life_meeting.frequency", "2024", None),
        ("democratic_appraisal.frequency", "2024", None),
    }


def test_frequency_findings_have_no_records_when_nothing_failed():
    doc = drop(model_branch(), "t5")
    (finding,) = run(doc)["findings"]
    assert finding["records"] == []
    assert finding["message"].startswith("2024年5月未开展主题党日")


def test_only_periods_wholly_inside_the_window_are_evaluated():
    doc = drop(model_branch(), "t1", "c1", "t5")
    window = Window(date(2024, 1, 2), date(2024, 5, 30))
    assert found(doc, window) == set()


def test_the_window_starts_when_the_branch_was_established():
    doc = drop(model_branch(), "t1", "c1", "t2", "c2", "y1")
    doc["branch"]["established"] = "2024-03-01"
    # nothing before March is checked, and the year 2024 is no longer wholly inside the window
    assert found(doc) == set()


def test_the_window_ends_at_as_of():
    doc = model_branch()
    window = Window(date(2024, 1, 1), date(2024, 12, 31), as_of=date(2024, 6, 30))
    assert found(doc, window) == set()
    assert run(doc, window)["window"]["as_of"] == "2024-06-30"


def test_committee_frequency_applies_only_to_a_committee_of_three():
    doc = drop(model_branch(), *[f"c{n}" for n in range(1, 13)])
    assert len(found(doc)) == 12
    doc["members"][2]["roles"] = []  # m3 leaves the committee
    assert found(doc) == {("structure.committee", "2024-12-31", None)}


def test_group_meetings_are_needed_for_each_group_with_members():
    doc = model_branch()
    doc["groups"] = [{"id": "g1", "name": "第一党小组"}, {"id": "g2", "name": "第二党小组"}]
    for m in doc["members"]:
        m["group"] = "g1"
    doc["meetings"] += [
        meeting(f"g{n}", ["group_meeting"], f"2024-{n:02d}-15", EVERYONE, group="g1") for n in range(1, 12)
    ]
    assert found(doc) == {("group_meeting.frequency", "2024-12", "g1")}  # g2 has no members
    doc["members"][8]["group"] = "g2"
    doc["meetings"] += [
        meeting(f"h{n}", ["group_meeting"], f"2024-{n:02d}-16", ["m9"], group="g2") for n in range(7, 13)
    ]
    assert found(doc) == {("group_meeting.frequency", "2024-12", "g1")} | {
        ("group_meeting.frequency", f"2024-{n:02d}", "g2") for n in range(1, 7)
    }


def test_a_frequency_can_be_changed_or_switched_off():
    doc = drop(model_branch(), "y1")
    record(doc, "t4").update(types=["theme_day"], lecturer=None)
    assert ("general_meeting.frequency", "2024-Q2", None) in found(doc)
    config = {"frequency": {"general_meeting": None, "party_lecture": "year", "org_life_meeting": None}}
    assert found(doc, config=config) == {("democratic_appraisal.frequency", "2024", None)}
    monthly = found(model_branch(), config={"frequency": {"general_meeting": "month"}})
    assert ("general_meeting.frequency", "2024-02", None) in monthly
    assert ("general_meeting.frequency", "2024-01", None) not in monthly


def test_the_secretary_must_give_a_party_lecture_each_year():
    doc = model_branch()
    for r in doc["meetings"]:
        if r["lecturer"]:
            r["lecturer"] = "区委党校 王老师"
    report = run(doc)
    assert [identity(f) for f in report["findings"]] == [
        ("party_lecture.secretary", "violation", "2024", "m1")
    ]
    assert report["findings"][0]["records"] == []
    assert found(doc, config={"secretary_lecture": False}) == set()


def test_the_secretary_is_the_one_in_office_on_the_last_day_of_the_year():
    doc = model_branch()
    doc["members"][0]["roles"] = [
        role("secretary", "2021-07-01", "2024-06-30"),
        role("committee_member", "2024-07-01"),
    ]
    doc["members"][1]["roles"] = [
        role("deputy_secretary", "2021-07-01", "2024-06-30"),
        role("secretary", "2024-07-01"),
    ]
    assert found(doc) == {("party_lecture.secretary", "2024", "m2")}


# --- 3.4 learning -------------------------------------------------------------------------------------


def learning(doc, member_id, *hours, year=2024):
    doc["learning"] = [x for x in doc["learning"] if x["member"] != member_id]
    doc["learning"] += [{"member": member_id, "year": year, "hours": h} for h in hours]
    return doc


def test_members_need_32_hours_and_committee_members_56():
    assert found(learning(model_branch(), "m5", 32)) == set()
    assert found(learning(model_branch(), "m5", 31.5)) == {("learning.hours", "2024", "m5")}
    assert found(learning(model_branch(), "m2", 55)) == {("learning.hours", "2024", "m2")}
    assert found(learning(model_branch(), "m2", 20, 36)) == set()
    assert found(learning(model_branch(), "m5", 40, year=2023)) == {("learning.hours", "2024", "m5")}


def test_the_learning_message_names_the_shortfall():
    (finding,) = run(learning(model_branch(), "m2", 40.5))["findings"]
    assert (
        "40.5学时" in finding["message"] and "56学时" in finding["message"] and "15.5" in finding["message"]
    )


def test_only_members_in_the_branch_for_the_whole_year_need_hours():
    doc = learning(model_branch(), "m9", 0)
    doc["members"][8]["joined"] = "2024-01-02"
    assert found(doc) == set()
    doc["members"][8].update(joined="2024-01-01", left="2024-12-31")
    assert found(doc) == set()
    doc["members"][8]["left"] = "2025-01-01"
    assert found(doc) == {("learning.hours", "2024", "m9")}


def test_learning_thresholds_are_configurable():
    doc = learning(model_branch(), "m5", 20)
    assert found(doc, config={"learning_hours": {"member": 16}}) == set()


# --- 3.5 structure ------------------------------------------------------------------------------------


def test_fewer_than_three_full_members():
    doc = model_branch(members=3)
    doc["members"][2]["full_since"] = None
    assert ("structure.min_full_members", "2024-12-31", None) in found(doc)


def test_seven_full_members_need_a_committee_of_three():
    doc = model_branch(members=7)
    doc["members"][2]["roles"] = []
    assert found(doc) == {("structure.committee", "2024-12-31", None)}
    doc["members"][6]["full_since"] = None  # now six full members: a secretary is enough
    assert found(doc) == set()


def test_a_committee_of_more_than_seven_is_a_warning():
    doc = model_branch(members=20)
    for m in doc["members"][3:8]:
        m["roles"] = [role("committee_member")]
    for r in doc["meetings"]:
        if "committee_meeting" in r["types"]:
            r["present"] = [f"m{i}" for i in range(1, 9)]
    assert found(doc) == {("structure.committee_size", "2024-12-31", None)}


def test_more_than_fifty_members_is_a_warning():
    assert found(model_branch(members=50)) == set()
    report = run(model_branch(members=51))
    assert [identity(f) for f in report["findings"]] == [("structure.size", "warning", "2024-12-31", None)]


def test_a_branch_needs_a_secretary():
    doc = model_branch()
    doc["members"][0]["roles"] = [role("secretary", "2021-07-01", "2024-12-30")]
    assert ("structure.secretary", "2024-12-31", None) in found(doc)


@pytest.mark.parametrize(
    ("domain", "elected", "expired"),
    [
        ("rural", "2019-12-31", True),
        ("rural", "2020-01-01", False),
        ("community", "2019-12-31", True),
        ("agency", "2021-12-31", True),
        ("school", "2022-01-01", False),
        (None, "2021-12-31", True),
    ],
)
def test_the_committee_term(domain, elected, expired):
    doc = model_branch()
    doc["branch"].update(domain=domain, committee_elected=elected)
    assert (("structure.term", "2024-12-31", None) in found(doc)) is expired


def test_a_term_from_29_february_ends_on_28_february():
    doc = model_branch(year=2023)
    doc["branch"].update(domain="agency", committee_elected="2020-02-29")
    before = Window(date(2023, 1, 1), date(2023, 2, 27))
    on_the_day = Window(date(2023, 1, 1), date(2023, 2, 28))
    assert ("structure.term", "2023-02-27", None) not in found(doc, before)
    assert ("structure.term", "2023-02-28", None) in found(doc, on_the_day)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)


def test_an_unknown_election_date_is_a_warning():
    doc = model_branch()
    doc["branch"]["committee_elected"] = None
    assert found(doc) == {("structure.term_unknown", "2024-12-31", None)}


def test_no_structure_findings_when_the_window_is_empty():
    doc = model_branch()
    doc["branch"].update(committee_elected=None, established="2025-01-01")
    assert found(doc) == set()


# --- configuration, messages, ordering ----------------------------------------------------------------


def test_merge_config_merges_nested_objects_and_leaves_the_base_alone():
    merged = merge_config(DEFAULT_CONFIG, {"frequency": {"theme_day": None}, "size_max": 60})
    assert merged["frequency"]["theme_day"] is None
    assert merged["frequency"]["general_meeting"] == "quarter"
    assert merged["size_max"] == 60
    assert DEFAULT_CONFIG["frequency"]["theme_day"] == "month"


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"frequency": {"general_meeting": "weekly"}}, "frequency.general_meeting"),
        ({"frequency": {"tea_party": "month"}}, "frequency.tea_party"),
        ({"quorum_inclusive_half": "yes"}, "quorum_inclusive_half"),
        ({"submit_within_days": -1}, "submit_within_days"),
        ({"learning_hours": {"member": "32"}}, "learning_hours.member"),
        ({"term_years": {"rural": 5.5}}, "term_years.rural"),
        ({"quorum_inclusive": True}, "quorum_inclusive"),
        ({"messages": {"no.such_rule": {"message": "x"}}}, "messages.no.such_rule"),
        ({"messages": {"record.late": {"message": "{date"}}}, "messages.record.late.message"),
        ({"messages": {"record.late": {"citation": 3}}}, "messages.record.late.citation"),
    ],
)
def test_a_malformed_configuration_names_its_path(config, path):
    with pytest.raises(ConfigError) as caught:
        settings_from_config(config)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_messages_and_citations_can_be_replaced_as_data():
    doc = drop(model_branch(), "t5")
    config = {
        "messages": {
            "theme_day.frequency": {"message": "{period}缺主题党日（{unknown}）", "citation": "区规第3条"}
        }
    }
    (finding,) = run(doc, config=config)["findings"]
    assert finding["message"] == "2024年5月缺主题党日（{unknown}）"
    assert finding["citation"] == "区规第3条"


def test_every_rule_has_a_chinese_message_a_citation_and_a_severity():
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule.severity in ("violation", "warning")
        assert "请" in rule.message.split("；")[-1]  # ends saying what to do
        assert rule.citation.startswith("《")


def test_findings_are_sorted_by_period_rule_and_subject():
    doc = drop(model_branch(), "t5", "c5", "t10", "y1")
    record(doc, "t6")["place"] = ""
    record(doc, "c6")["attachments"] = []
    doc["branch"]["committee_elected"] = None
    keys = [(f["period"], f["rule"], f["subject"] or "") for f in run(doc)["findings"]]
    assert keys == sorted(keys)
    assert keys[0][0] == "2024" and keys[-1][0] == "2024-Q4"


def test_period_helpers():
    assert period_label("2024-Q2") == "2024年第二季度"
    assert period_label("2024-03") == "2024年3月"
    assert period_label("2024") == "2024年"
    quarters = evaluated_periods(date(2024, 2, 1), date(2024, 12, 30), "quarter")
    assert [p.key for p in quarters] == ["2024-Q2", "2024-Q3"]
    assert [p.key for p in evaluated_periods(date(2024, 1, 1), date(2024, 12, 31), "year")] == ["2024"]


def test_check_accepts_settings_or_an_override_dict():
    ledger = parse_ledger(drop(model_branch(), "t5"))
    as_dict = check(ledger, YEAR_2024, {"frequency": {"theme_day": None}})
    as_settings = check(ledger, YEAR_2024, settings_from_config({"frequency": {"theme_day": None}}))
    assert as_dict == as_settings
    assert as_dict["findings"] == []


# --- the spec's examples ------------------------------------------------------------------------------


def example_names():
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name[: -len(".expected.json")] for p in EXAMPLES.glob("*.expected.json"))


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the shared spec examples are not checked out")
@pytest.mark.parametrize("name", example_names())
def test_spec_example(name):
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    ledger = parse_ledger(json.loads((EXAMPLES / f"{name}.ledger.json").read_text(encoding="utf-8")))
    w = expected["window"]
    window = Window(
        date.fromisoformat(w["from"]), date.fromisoformat(w["to"]), date.fromisoformat(w["as_of"])
    )
    report = check(ledger, window)
    want = {identity(f): sorted(f["records"]) for f in expected["findings"]}
    have = {identity(f): sorted(f["records"]) for f in report["findings"]}
    assert have == want
    assert report["summary"] == expected["summary"]


@pytest.mark.parametrize("module", ["ledger", "engine", "cli"])
def test_the_core_imports_only_the_standard_library(module):
    source = (Path(__file__).resolve().parents[2] / "zhibu/rules" / f"{module}.py").read_text(
        encoding="utf-8"
    )
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in sys.stdlib_module_names | {"__future__"}, name
