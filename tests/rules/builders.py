"""Small ledger builders for the rules tests: plain `zhibu.branch-ledger/1` dicts, tweaked per test."""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zhibu.rules.engine import Window, check
from zhibu.rules.ledger import MEETING_TYPES, parse_ledger

EXAMPLES = Path(__file__).resolve().parents[3] / "shared/spec/examples"
YEAR_2024 = Window(date(2024, 1, 1), date(2024, 12, 31))


def role(kind: str, start: str = "2021-07-01", end: str | None = None) -> dict[str, Any]:
    return {"role": kind, "from": start, "to": end}


def member(
    member_id: str,
    *,
    joined: str = "2000-07-01",
    full_since: str | None = "2001-07-01",
    left: str | None = None,
    group: str | None = None,
    roles: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": member_id,
        "name": f"党员{member_id}",
        "joined": joined,
        "full_since": full_since,
        "left": left,
        "group": group,
        "roles": roles or [],
    }


def meeting(record_id: str, types: list[str], day: str, present: list[str], **fields: Any) -> dict[str, Any]:
    """A complete, on-time record; `fields` override any key."""
    record = {
        "id": record_id,
        "types": types,
        "date": day,
        "submitted": (date.fromisoformat(day) + timedelta(days=1)).isoformat(),
        "place": "村党群服务中心",
        "chair": "m1",
        "recorder": "m3",
        "topic": "学习党章",
        "minutes": "书记主持，逐项讨论并形成决定。",
        "lecturer": "m1" if "party_lecture" in types else None,
        "group": None,
        "present": list(present),
        "absent": [],
        "resolutions": [],
        "election": False,
        "attachments": ["signin", "photo", "minutes_scan"],
    }
    record.update(fields)
    return record


def model_branch(members: int = 9, year: int = 2024) -> dict[str, Any]:
    """A rural branch that meets every rule in `year`: 3 committee members, all meetings held, hours done."""
    people = [member("m1", roles=[role("secretary")]), member("m2", roles=[role("deputy_secretary")])]
    people.append(member("m3", roles=[role("committee_member")]))
    people += [member(f"m{i}") for i in range(4, members + 1)]
    everyone = [p["id"] for p in people]
    meetings = []
    for month in range(1, 13):
        theme = ["theme_day", "general_meeting", "party_lecture"] if month % 3 == 1 else ["theme_day"]
        meetings.append(meeting(f"t{month}", theme, f"{year}-{month:02d}-05", everyone))
        meetings.append(
            meeting(f"c{month}", ["committee_meeting"], f"{year}-{month:02d}-02", ["m1", "m2", "m3"])
        )
    meetings.append(meeting("y1", ["org_life_meeting", "democratic_appraisal"], f"{year}-12-20", everyone))
    return {
        "format": "zhibu.branch-ledger/1",
        "branch": {
            "code": "T-001",
            "name": "示例村党支部",
            "parent": "示例镇",
            "domain": "rural",
            "established": "1980-01-01",
            "committee_elected": f"{year - 2}-07-01",
        },
        "groups": [],
        "members": people,
        "exclusions": [],
        "meetings": meetings,
        "learning": [{"member": p, "year": year, "hours": 60} for p in everyone],
    }


def record(doc: dict[str, Any], record_id: str) -> dict[str, Any]:
    return next(m for m in doc["meetings"] if m["id"] == record_id)


def drop(doc: dict[str, Any], *record_ids: str) -> dict[str, Any]:
    doc["meetings"] = [m for m in doc["meetings"] if m["id"] not in record_ids]
    return doc


def run(
    doc: dict[str, Any], window: Window = YEAR_2024, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    return check(parse_ledger(doc), window, config)


def found(
    doc: dict[str, Any], window: Window = YEAR_2024, config: dict[str, Any] | None = None
) -> set[tuple]:
    """The (rule, period, subject) of every finding."""
    return {(f["rule"], f["period"], f["subject"]) for f in run(doc, window, config)["findings"]}


def identity(finding: dict[str, Any]) -> tuple[str, str, str, str | None]:
    return finding["rule"], finding["severity"], finding["period"], finding["subject"]


# ---------------------------------------------------------------------------------------------------
# Messy random ledgers for the property tests


def random_ledger(rng: random.Random) -> dict[str, Any]:
    """A small, untidy branch-year around 2024: odd dates, drafts, unknown people, failed quorums."""
    groups = [{"id": f"g{i}", "name": f"第{i}党小组"} for i in range(1, rng.randint(0, 2) + 1)]
    group_ids = [g["id"] for g in groups]
    people = [_random_member(rng, f"m{i}", group_ids) for i in range(1, rng.randint(1, 14) + 1)]
    ids = [p["id"] for p in people]
    doc = model_branch(members=3)
    doc["branch"].update(
        domain=rng.choice(["rural", "agency", None]),
        established=rng.choice([None, "1990-01-01", "2024-03-15"]),
        committee_elected=rng.choice([None, "2019-06-30", "2021-02-28", "2022-07-01"]),
    )
    doc["groups"], doc["members"] = groups, people
    doc["exclusions"] = [
        {
            "member": rng.choice(ids),
            "from": _day(rng, 2023, 2024),
            "to": _day(rng, 2024, 2025),
            "reason": "外出",
        }
        for _ in range(rng.randint(0, 2))
    ]
    doc["meetings"] = [_random_meeting(rng, f"r{n}", ids, group_ids) for n in range(rng.randint(0, 30))]
    doc["learning"] = [
        {
            "member": rng.choice(ids),
            "year": rng.choice([2023, 2024]),
            "hours": rng.choice([0, 16, 31.5, 32, 56]),
        }
        for _ in range(rng.randint(0, 2 * len(ids)))
    ]
    return doc


def _random_member(rng: random.Random, member_id: str, group_ids: list[str]) -> dict[str, Any]:
    joined = _day(rng, 2015, 2024)
    roles = []
    for kind in rng.sample(
        ["secretary", "deputy_secretary", "committee_member", "group_leader"], rng.randint(0, 2)
    ):
        roles.append(role(kind, _day(rng, 2020, 2024), rng.choice([None, None, _day(rng, 2024, 2024)])))
    return member(
        member_id,
        joined=joined,
        full_since=rng.choice([None, joined, _day(rng, 2016, 2024)]),
        left=rng.choice([None, None, None, _day(rng, 2024, 2025)]),
        group=rng.choice([None, *group_ids]),
        roles=roles,
    )


def _random_meeting(
    rng: random.Random, record_id: str, ids: list[str], group_ids: list[str]
) -> dict[str, Any]:
    day = date.fromisoformat(_day(rng, 2024, 2024)) if rng.random() < 0.9 else date(2025, 1, 3)
    submitted = rng.choice([None, day + timedelta(days=rng.randint(-2, 12)), date(2025, 3, 1)])
    people = ids + ["x1"]
    present = [rng.choice(people) for _ in range(rng.randint(0, len(people)))]
    absent = [
        {"member": rng.choice(people), "reason": rng.choice(["", "因病", None])}
        for _ in range(rng.randint(0, 2))
    ]
    votes = [rng.randint(0, 6) for _ in range(3)]
    resolution = {"title": "决议", "yes": votes[0], "no": votes[1], "abstain": votes[2], "declared": "passed"}
    return meeting(
        record_id,
        rng.sample(MEETING_TYPES, rng.randint(1, 3)),
        day.isoformat(),
        present,
        submitted=submitted.isoformat() if submitted else None,
        place=rng.choice(["礼堂", "", " "]),
        lecturer=rng.choice([None, *ids]),
        group=rng.choice([None, "g9", *group_ids]),
        absent=absent,
        resolutions=[resolution] if rng.random() < 0.3 else [],
        election=rng.random() < 0.2,
        attachments=rng.sample(["signin", "photo", "video"], rng.randint(0, 3)),
    )


def _day(rng: random.Random, first_year: int, last_year: int) -> str:
    start = date(first_year, 1, 1)
    span = (date(last_year, 12, 31) - start).days
    return (start + timedelta(days=rng.randint(0, span))).isoformat()


def copy_doc(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
