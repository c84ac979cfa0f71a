"""Invariants of the compliance engine over many messy generated ledgers (hypothesis)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zhibu.rules.engine import RULES, People, Window, check
from zhibu.rules.ledger import MEETING_TYPES, ledger_to_dict, parse_ledger

from .builders import copy_doc, meeting, member, model_branch, random_ledger, role, run

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

seeds = st.integers(min_value=0, max_value=2**32 - 1)
as_of_days = st.sampled_from([date(2024, 12, 31), date(2024, 9, 30), date(2025, 2, 1)])
windows = st.builds(lambda as_of: Window(date(2024, 1, 1), date(2024, 12, 31), as_of), as_of_days)
FREQUENCY_RULES = {f"{kind}.frequency" for kind in MEETING_TYPES}


def ledger_from(seed: int) -> dict:
    return random_ledger(random.Random(seed))


def sort_key(finding: dict) -> tuple:
    return finding["period"], finding["rule"], finding["subject"] or ""


@FAST
@given(seeds, windows)
def test_findings_are_sorted_known_and_counted(seed, window):
    report = run(ledger_from(seed), window)
    findings = report["findings"]
    assert findings == sorted(findings, key=sort_key)
    for finding in findings:
        assert finding["rule"] in RULES
        assert finding["severity"] == RULES[finding["rule"]].severity
        assert finding["message"] and "{" not in finding["message"]
    violations = sum(f["severity"] == "violation" for f in findings)
    assert report["summary"] == {"violations": violations, "warnings": len(findings) - violations}


@FAST
@given(seeds, windows, st.randoms(use_true_random=False))
def test_the_report_is_deterministic_and_ignores_list_order(seed, window, shuffler):
    doc = ledger_from(seed)
    first = run(doc, window)
    assert run(copy_doc(doc), window) == first
    for key in ("groups", "members", "exclusions", "meetings", "learning"):
        shuffler.shuffle(doc[key])
    assert run(doc, window) == first


@FAST
@given(seeds, windows, st.data())
def test_adding_a_counting_record_never_adds_a_frequency_finding(seed, window, data):
    doc = ledger_from(seed)
    kind = data.draw(st.sampled_from(MEETING_TYPES))
    day = date(2024, 1, 1) + timedelta(days=data.draw(st.integers(0, 365)))
    assume(day <= window.as_of)
    ledger = parse_ledger(doc)
    snapshot = People(ledger).at(day)
    extra = {}
    if kind == "group_meeting":
        assume(doc["groups"])
        extra["group"] = data.draw(st.sampled_from([g["id"] for g in doc["groups"]]))
    if kind == "general_meeting":
        assume(snapshot.full)  # with nobody entitled to vote no general meeting is valid
    if kind == "committee_meeting":
        assume(snapshot.committee)
    everyone = [m["id"] for m in doc["members"]]
    before = _frequency_findings(run(doc, window))
    doc["meetings"].append(
        meeting("added", [kind], day.isoformat(), everyone, submitted=day.isoformat(), **extra)
    )
    after = _frequency_findings(run(doc, window))
    assert after <= before


def _frequency_findings(report: dict) -> set:
    return {
        (f["rule"], f["period"], f["subject"]) for f in report["findings"] if f["rule"] in FREQUENCY_RULES
    }


@FAST
@given(seeds, windows, st.data())
def test_removing_a_record_that_is_not_live_changes_nothing(seed, window, data):
    doc = ledger_from(seed)
    start = max(window.from_, date.fromisoformat(doc["branch"]["established"] or "1900-01-01"))
    end = min(window.to, window.as_of)

    def live(r):
        return (
            r["submitted"] is not None
            and r["submitted"] <= window.as_of.isoformat()
            and start.isoformat() <= r["date"] <= end.isoformat()
        )

    dead = [r["id"] for r in doc["meetings"] if not live(r)]
    assume(dead)
    report = run(doc, window)
    gone = data.draw(st.sampled_from(dead))
    doc["meetings"] = [r for r in doc["meetings"] if r["id"] != gone]
    assert run(doc, window) == report


@FAST
@given(seeds, windows, seeds)
def test_a_draft_record_changes_nothing(seed, window, other_seed):
    doc = ledger_from(seed)
    report = run(doc, window)
    draft = ledger_from(other_seed)["meetings"] or [meeting("d", ["general_meeting"], "2024-05-05", [])]
    draft = dict(draft[0], id="draft", submitted=None)
    doc["meetings"].append(draft)
    assert run(doc, window) == report


def only_members(doc: dict, members: list[dict]) -> dict:
    doc.update(members=members, learning=[])
    return doc


@FAST
@given(st.integers(min_value=1, max_value=20))
def test_quorum_at_exactly_half_fails_by_default_and_passes_when_inclusive(half):
    doc = only_members(model_branch(), [member(f"p{i}") for i in range(2 * half)])
    doc["meetings"] = [meeting("gm", ["general_meeting"], "2024-06-20", [f"p{i}" for i in range(half)])]
    window = Window(date(2024, 6, 1), date(2024, 6, 30))
    strict = {(f["rule"], f["subject"]) for f in run(doc, window)["findings"]}
    inclusive = {
        (f["rule"], f["subject"]) for f in run(doc, window, {"quorum_inclusive_half": True})["findings"]
    }
    assert ("general_meeting.quorum", "gm") in strict
    assert ("general_meeting.quorum", "gm") not in inclusive


@FAST
@given(st.integers(min_value=1, max_value=5))
def test_committee_quorum_at_exactly_half_fails_by_default_and_passes_when_inclusive(half):
    committee = [member(f"c{i}", roles=[role("committee_member")]) for i in range(2 * half)]
    doc = only_members(model_branch(), committee)
    doc["meetings"] = [meeting("cm", ["committee_meeting"], "2024-06-20", [f"c{i}" for i in range(half)])]
    window = Window(date(2024, 6, 1), date(2024, 6, 30))
    strict = {f["rule"] for f in run(doc, window)["findings"]}
    inclusive = {f["rule"] for f in run(doc, window, {"quorum_inclusive_half": True})["findings"]}
    assert "committee_meeting.quorum" in strict
    assert "committee_meeting.quorum" not in inclusive


@FAST
@given(seeds)
def test_the_canonical_dict_round_trips(seed):
    ledger = parse_ledger(ledger_from(seed))
    written = ledger_to_dict(ledger)
    assert parse_ledger(written) == ledger
    assert ledger_to_dict(parse_ledger(written)) == written


@FAST
@given(seeds, windows)
def test_the_report_is_the_same_for_the_canonical_dict(seed, window):
    ledger = parse_ledger(ledger_from(seed))
    assert check(parse_ledger(ledger_to_dict(ledger)), window) == check(ledger, window)
