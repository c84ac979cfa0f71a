"""Tamper evidence: each submission (and each amendment) is hashed and chained per branch.

A link's `content` is the hash of the record's canonical JSON (its fields, attendance, resolutions and
its attachments' own hashes); its `digest` is the hash of the previous link's digest and that content.
SM3 where hashlib has it, SHA-256 otherwise. `verify()` recomputes everything and names the first
broken link of each branch.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

ALGORITHM = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def _hash(text: str, algorithm: str = ALGORITHM) -> str:
    try:
        return hashlib.new(algorithm, text.encode()).hexdigest()
    except ValueError:  # an algorithm this Python lacks
        return hashlib.sha256(text.encode()).hexdigest()


def canonical(meeting: dict[str, Any], attendance: list, resolutions: list, attachments: list) -> str:
    """The canonical JSON of a record: sorted keys, no spaces, lists in a fixed order."""
    doc = {
        "id": meeting["id"],
        "branch": meeting["branch_id"],
        "types": list(meeting["types"]),
        "date": str(meeting["date"]),
        "place": meeting["place"],
        "chair": meeting["chair_id"],
        "recorder": meeting["recorder_id"],
        "topic": meeting["topic"],
        "minutes": meeting["minutes"],
        "lecturer": meeting["lecturer_id"],
        "lecturer_text": meeting["lecturer_text"],
        "group": meeting["group_id"],
        "election": bool(meeting["election"]),
        "submitted": str(meeting["submitted"]) if meeting["submitted"] else None,
        "attendance": sorted([a[0], a[1], a[2], bool(a[3])] for a in attendance),
        "resolutions": [list(r) for r in resolutions],
        "attachments": sorted([a[0], a[1], a[2]] for a in attachments),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


MEETING_FIELDS = (
    "id",
    "branch_id",
    "types",
    "date",
    "place",
    "chair_id",
    "recorder_id",
    "topic",
    "minutes",
    "lecturer_id",
    "lecturer_text",
    "group_id",
    "election",
    "submitted",
)


def contents(meeting_ids) -> dict[int, str]:
    """The content hash of each record, computed from the database rows (a handful of queries)."""
    from .models import Attachment, Attendance, Meeting, Resolution

    ids = list(meeting_ids)
    att, res, files = defaultdict(list), defaultdict(list), defaultdict(list)
    out = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for row in Attendance.objects.filter(meeting_id__in=chunk).values_list(
            "meeting_id", "member_id", "state", "reason", "by_proxy"
        ):
            att[row[0]].append(row[1:])
        for row in (
            Resolution.objects.filter(meeting_id__in=chunk)
            .order_by("meeting_id", "order", "id")
            .values_list("meeting_id", "title", "yes", "no", "abstain", "declared")
        ):
            res[row[0]].append(row[1:])
        for row in Attachment.objects.filter(meeting_id__in=chunk).values_list(
            "meeting_id", "kind", "sha256", "size"
        ):
            files[row[0]].append(row[1:])
        for m in Meeting.objects.filter(pk__in=chunk).values(*MEETING_FIELDS):
            out[m["id"]] = _hash(canonical(m, att[m["id"]], res[m["id"]], files[m["id"]]))
    return out


def amendment_content(amendment: dict[str, Any]) -> str:
    doc = {"original": amendment["original_id"], "reason": amendment["reason"], "text": amendment["text"]}
    return _hash(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def link(previous: str, content: str, algorithm: str = ALGORITHM) -> str:
    return _hash(f"{previous}\n{content}", algorithm)


def verify(branch_ids=None) -> list[dict[str, Any]]:
    """Every chain checked; for each branch with a break, its first broken link (empty list: all intact)."""
    from .models import Amendment, Meeting, Seal

    seals = Seal.objects.order_by("branch_id", "seq").values(
        "id",
        "branch_id",
        "branch__code",
        "seq",
        "meeting_id",
        "amendment_id",
        "algorithm",
        "content",
        "previous",
        "digest",
    )
    if branch_ids is not None:
        seals = seals.filter(branch_id__in=list(branch_ids))
    seals = list(seals)
    latest: dict[int, int] = {}
    for s in seals:
        if s["amendment_id"] is None:
            latest[s["meeting_id"]] = s["id"]
    sealed_status = dict(
        Meeting.objects.filter(pk__in=list(latest), status__in=("submitted", "approved")).values_list(
            "id", "status"
        )
    )
    current = contents(sealed_status)
    amendments = {
        a["id"]: amendment_content(a)
        for a in Amendment.objects.filter(
            pk__in=[s["amendment_id"] for s in seals if s["amendment_id"]]
        ).values("id", "original_id", "reason", "text")
    }
    broken: dict[int, dict[str, Any]] = {}
    previous: dict[int, str] = {}
    for s in seals:
        branch = s["branch_id"]
        if branch in broken:
            continue
        problem = None
        if s["previous"] != previous.get(branch, ""):
            problem = "与上一环的哈希不衔接（存证链被改动或有环节缺失）"
        elif link(s["previous"], s["content"], s["algorithm"]) != s["digest"]:
            problem = "本环哈希与内容不符（存证记录被改动）"
        elif s["amendment_id"] and amendments.get(s["amendment_id"]) != s["content"]:
            problem = "更正说明在提交后被改动"
        elif (
            s["amendment_id"] is None
            and latest[s["meeting_id"]] == s["id"]
            and s["meeting_id"] in sealed_status
            and current.get(s["meeting_id"]) != s["content"]
        ):
            problem = "纪实内容在提交后被改动（与存证哈希不符）"
        if problem:
            broken[branch] = {
                "branch": s["branch__code"],
                "seq": s["seq"],
                "meeting": s["meeting_id"],
                "record": f"r{s['meeting_id']}",
                "problem": problem,
            }
        previous[branch] = s["digest"]
    return [broken[k] for k in sorted(broken, key=lambda b: broken[b]["branch"])]


def status_of(meeting) -> dict[str, Any]:
    """The chain status shown on a record's page."""
    from .models import Seal

    seal = Seal.objects.filter(meeting=meeting, amendment__isnull=True).order_by("-seq").first()
    if seal is None:
        return {"sealed": False}
    problems = verify([meeting.branch_id])
    mine = next((p for p in problems if p["seq"] <= seal.seq), None)
    return {"sealed": True, "seal": seal, "ok": mine is None, "problem": mine}
