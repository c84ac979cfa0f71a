"""Benchmark the compliance engine over generated branch-year ledgers, on one core, without Django.

    .venv/bin/python benchmarks/compliance_engine.py [--branches N] [--seed S]

Generates N deterministic, realistic branch-years (30-60 members, about 40 meetings a year; about one
branch in eight has gaps), parses them, then times `check` alone and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zhibu.rules.engine import Window, check, settings_from_config  # noqa: E402
from zhibu.rules.ledger import Ledger, parse_ledger  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰海玉明丽涛军华芳伟敏静磊洋艳勇杰娟超"
DOMAINS = ("rural", "community", "agency", "enterprise", "school", "other")


def make_ledger(rng: random.Random, index: int, year: int, gaps: bool) -> dict[str, Any]:
    """One branch-year ledger as a `zhibu.branch-ledger/1` dict."""
    groups = [{"id": f"g{i}", "name": f"第{i}党小组"} for i in range(1, rng.choice((0, 1, 2, 2, 3)) + 1)]
    members = _members(rng, year, [g["id"] for g in groups])
    meetings = _meetings(rng, year, members, groups, gaps)
    learning = [
        {"member": m["id"], "year": year, "hours": rng.choice((56, 60, 64)) - (rng.random() < 0.04) * 30}
        for m in members
    ]
    exclusions = []
    if rng.random() < 0.3:
        exclusions.append(
            {
                "member": members[-1]["id"],
                "from": f"{year}-01-01",
                "to": f"{year}-12-31",
                "reason": "外出务工半年以上",
            }
        )
    return {
        "format": "zhibu.branch-ledger/1",
        "branch": {
            "code": f"BM-{index:05d}",
            "name": f"示例第{index}党支部",
            "parent": "示例镇",
            "domain": rng.choice(DOMAINS),
            "established": "1990-01-01",
            "committee_elected": f"{year - rng.randint(0, 2)}-0{rng.randint(1, 9)}-01",
        },
        "groups": groups,
        "members": members,
        "exclusions": exclusions,
        "meetings": meetings,
        "learning": learning,
    }


def _members(rng: random.Random, year: int, group_ids: list[str]) -> list[dict[str, Any]]:
    members = []
    roles = ["secretary", "deputy_secretary", "committee_member", "committee_member", "committee_member"]
    for i in range(1, rng.randint(30, 60) + 1):
        joined = date(rng.randint(1970, year - 2), rng.randint(1, 12), 1)
        member: dict[str, Any] = {
            "id": f"m{i}",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "joined": joined.isoformat(),
            "full_since": (joined + timedelta(days=366)).isoformat(),
            "left": None,
            "group": group_ids[i % len(group_ids)] if group_ids else None,
            "roles": [{"role": roles[i - 1], "from": f"{year - 2}-07-01", "to": None}]
            if i <= len(roles)
            else [],
        }
        if i <= len(roles):
            pass  # the committee serves all year
        elif rng.random() < 0.05:  # a probationary member who joined this year
            member["joined"] = f"{year}-0{rng.randint(1, 6)}-15"
            member["full_since"] = None
        elif rng.random() < 0.03:  # a member who moved away during the year
            member["left"] = f"{year}-0{rng.randint(3, 9)}-01"
        members.append(member)
    return members


def _meetings(
    rng: random.Random, year: int, members: list[dict[str, Any]], groups: list[dict[str, Any]], gaps: bool
) -> list[dict[str, Any]]:
    plan: list[tuple[list[str], date, str | None]] = []
    for month in range(1, 13):
        theme = ["theme_day"]
        if month % 3 == 1:
            theme += ["general_meeting", "party_lecture"]
        plan.append((theme, date(year, month, rng.randint(5, 12)), None))
        plan.append((["committee_meeting"], date(year, month, rng.randint(1, 4)), None))
        for group in groups:
            plan.append((["group_meeting"], date(year, month, rng.randint(15, 25)), group["id"]))
    plan.append((["org_life_meeting", "democratic_appraisal"], date(year, 12, 20), None))
    meetings = []
    for n, (types, day, group) in enumerate(plan, start=1):
        if gaps and rng.random() < 0.08:
            continue  # a meeting never held
        meetings.append(_meeting(rng, f"r{n}", types, day, group, members, gaps))
    return meetings


def _meeting(
    rng: random.Random,
    record_id: str,
    types: list[str],
    day: date,
    group: str | None,
    members: list[dict[str, Any]],
    gaps: bool,
) -> dict[str, Any]:
    iso = day.isoformat()
    in_branch = [m for m in members if m["joined"] <= iso and (m["left"] is None or iso < m["left"])]
    if "committee_meeting" in types:
        invited = [m["id"] for m in members if m["roles"]]
    elif group is not None:
        invited = [m["id"] for m in in_branch if m["group"] == group]
    else:
        invited = [m["id"] for m in in_branch]
    absent = [m for m in invited if rng.random() < 0.12]
    present = [m for m in invited if m not in absent]
    late = gaps and rng.random() < 0.2
    return {
        "id": record_id,
        "types": types,
        "date": iso,
        "submitted": (day + timedelta(days=rng.randint(10, 30) if late else rng.randint(0, 5))).isoformat(),
        "place": "" if gaps and rng.random() < 0.1 else "党群服务中心",
        "chair": "m1",
        "recorder": "m3",
        "topic": "学习党章党规",
        "minutes": "会议由书记主持，逐项讨论并形成决定。",
        "lecturer": "m1" if "party_lecture" in types else None,
        "group": group,
        "present": present,
        "absent": [{"member": m, "reason": rng.choice(("因病", "外出务工", "工作冲突"))} for m in absent],
        "resolutions": [],
        "election": False,
        "attachments": ["signin", "photo", "minutes_scan"]
        if not (gaps and rng.random() < 0.1)
        else ["minutes_scan"],
    }


def generate(count: int, seed: int) -> list[tuple[Ledger, Window]]:
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        year = rng.randint(2019, 2025)
        ledger = parse_ledger(make_ledger(rng, index, year, gaps=rng.random() < 0.125))
        cases.append((ledger, Window(date(year, 1, 1), date(year, 12, 31))))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=10_000, help="branch-years to check (default 10000)")
    parser.add_argument("--seed", type=int, default=20240701)
    options = parser.parse_args()
    cases = generate(options.branches, options.seed)
    settings = settings_from_config(None)
    started = time.perf_counter()
    findings = sum(len(check(ledger, window, settings)["findings"]) for ledger, window in cases)
    seconds = time.perf_counter() - started
    result = {
        "benchmark": "compliance_engine",
        "branch_years": len(cases),
        "seconds": round(seconds, 3),
        "branch_years_per_second": round(len(cases) / seconds, 1),
        "findings": findings,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
