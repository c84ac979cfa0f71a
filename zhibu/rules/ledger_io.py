"""`zhibu ledger import` / `export`: a branch's ledger file in and out of the platform.

Import is all or nothing and idempotent: the branch is matched by code; groups, members and meetings by
the id the file gave them (remembered in LedgerKey / Meeting.external_id), by our own `g<pk>`/`m<pk>`/`r<pk>`
ids (a file exported from this platform), or by name (+ joined date for members). Learning hours are not
imported (they belong to the learning records).
"""

from __future__ import annotations

import datetime
import re
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .adapter import branch_ledger
from .ledger import Ledger, parse_ledger

_OWN_ID = re.compile(r"^([mgr])(\d+)$")
_OWN_IDS: ContextVar[bool] = ContextVar("own_ids", default=False)


def export_year(code: str, year: int) -> dict[str, Any]:
    from zhibu.orgs.models import Branch

    branch = Branch.objects.select_related("town").get(code=code)
    doc = branch_ledger(branch, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    # Unknown keys are ignored by readers; on re-import this says the m/g/r ids are this platform's own.
    doc["origin"] = {"platform": "zhibu", "branch_id": branch.pk}
    return doc


def _own(key: str, letter: str) -> int | None:
    if not _OWN_IDS.get():
        return None
    match = _OWN_ID.match(key)
    return int(match.group(2)) if match and match.group(1) == letter else None


@transaction.atomic
def import_ledger(data: Any, *, by=None) -> dict[str, int]:
    """Put a ledger document into the database; returns counts of rows created or changed."""
    from zhibu.orgs.models import Branch, Election, Group, Member, MemberRole, Town
    from zhibu.records import services as record_services
    from zhibu.records.models import Attachment, Attendance, Exclusion, Meeting, Resolution

    from .models import LedgerKey

    ledger: Ledger = parse_ledger(data)  # LedgerError names the JSON path
    counts = {"created": 0, "changed": 0}
    b = ledger.branch
    branch = Branch.objects.filter(code=b.code).first()
    if branch is None:
        town = Town.objects.filter(name=b.parent).first() if b.parent else None
        if town is None:
            raise ValidationError(
                f"branch.parent: 找不到上级乡镇（街道）“{b.parent or ''}”，无法新建支部 {b.code}"
            )
        if not b.name or not b.domain:
            raise ValidationError(f"branch: 新建支部 {b.code} 需要 name 和 domain")
        branch = Branch.objects.create(
            town=town, code=b.code, name=b.name, domain=b.domain, established=b.established
        )
        counts["created"] += 1
    if (
        b.committee_elected
        and branch.committee_elected != b.committee_elected
        and not Election.objects.filter(branch=branch, date=b.committee_elected).exists()
    ):
        Election.objects.create(branch=branch, date=b.committee_elected, note="台账导入")
        if branch.committee_elected is None or branch.committee_elected < b.committee_elected:
            Branch.objects.filter(pk=branch.pk).update(committee_elected=b.committee_elected)
        counts["created"] += 1

    origin = data.get("origin") if isinstance(data, dict) else None
    _OWN_IDS.set(
        isinstance(origin, dict)
        and origin.get("platform") == "zhibu"
        and origin.get("branch_id") == branch.pk
    )
    keys = {(k.kind, k.key): k.object_id for k in LedgerKey.objects.filter(branch=branch)}

    def remember(kind: str, key: str, pk: int) -> None:
        if keys.get((kind, key)) != pk:
            LedgerKey.objects.update_or_create(branch=branch, kind=kind, key=key, defaults={"object_id": pk})
            keys[(kind, key)] = pk

    groups: dict[str, Group] = {}
    branch_groups = {g.pk: g for g in Group.objects.filter(branch=branch)}
    for i, g in enumerate(ledger.groups):
        pk = keys.get(("group", g.id)) or _own(g.id, "g")
        group = branch_groups.get(pk) if pk else None
        if group is None:
            name = g.name or g.id
            group = next((x for x in branch_groups.values() if x.name == name), None)
            if group is None:
                group = Group.objects.create(branch=branch, name=name)
                branch_groups[group.pk] = group
                counts["created"] += 1
        if _own(g.id, "g") != group.pk:
            remember("group", g.id, group.pk)
        groups[g.id] = group
        del i

    members: dict[str, Member] = {}
    branch_members = {m.pk: m for m in Member.objects.filter(branch=branch)}
    for i, m in enumerate(ledger.members):
        at = f"members[{i}]"
        pk = keys.get(("member", m.id)) or _own(m.id, "m")
        member = branch_members.get(pk) if pk else None
        if member is None:
            member = next(
                (x for x in branch_members.values() if x.name == (m.name or "") and x.joined == m.joined),
                None,
            )
        group = groups.get(m.group) if m.group else None
        wanted = {"full_since": m.full_since, "left": m.left, "group_id": group.pk if group else None}
        if member is None:
            if not m.name:
                raise ValidationError(f"{at}.name: 新党员需要姓名")
            member = Member.objects.create(branch=branch, name=m.name, joined=m.joined, **wanted)
            branch_members[member.pk] = member
            counts["created"] += 1
        elif any(getattr(member, k) != v for k, v in wanted.items()):
            Member.objects.filter(pk=member.pk).update(**wanted)
            counts["changed"] += 1
        if _own(m.id, "m") != member.pk:
            remember("member", m.id, member.pk)
        members[m.id] = member
        existing = {(r.role, r.start): r for r in MemberRole.objects.filter(member=member)}
        for term in m.roles:
            role = existing.get((term.role, term.from_))
            if role is None:
                MemberRole.objects.create(member=member, role=term.role, start=term.from_, end=term.to)
                counts["created"] += 1
            elif role.end != term.to:
                MemberRole.objects.filter(pk=role.pk).update(end=term.to)
                counts["changed"] += 1

    for e in ledger.exclusions:
        member = members[e.member]
        row = Exclusion.objects.filter(member=member, start=e.from_, end=e.to).first()
        if row is None:
            Exclusion.objects.create(member=member, start=e.from_, end=e.to, reason=e.reason or "")
            counts["created"] += 1
        elif row.reason != (e.reason or ""):
            Exclusion.objects.filter(pk=row.pk).update(reason=e.reason or "")
            counts["changed"] += 1

    by_external = {m.external_id: m for m in Meeting.objects.filter(branch=branch).exclude(external_id="")}
    for i, r in enumerate(ledger.meetings):
        at = f"meetings[{i}]"
        meeting = by_external.get(r.id)
        if meeting is None and _own(r.id, "r"):
            meeting = Meeting.objects.filter(branch=branch, pk=_own(r.id, "r")).first()

        def ref(value: str | None) -> Member | None:
            return members.get(value) if value else None

        lecturer = ref(r.lecturer)
        fields = {
            "types": list(r.types),
            "date": r.date,
            "place": r.place or "",
            "chair": ref(r.chair),
            "recorder": ref(r.recorder),
            "topic": r.topic or "",
            "minutes": r.minutes or "",
            "lecturer": lecturer,
            "lecturer_text": "" if lecturer or not r.lecturer else r.lecturer,
            "group": groups.get(r.group) if r.group else None,
            "election": r.election,
            "submitted": r.submitted,
        }
        present = [members[x] for x in r.present if x in members]
        absent = [(members[a.member].pk, a.reason or "") for a in r.absent if a.member in members]
        unknown = [x for x in list(r.present) + [a.member for a in r.absent] if x not in members]
        if unknown:
            raise ValidationError(
                f"{at}: 出缺席名单中的 {', '.join(unknown[:5])} 不在本台账的党员名单中，平台无法登记"
            )
        if meeting is None:
            status = Meeting.Status.SUBMITTED if r.submitted else Meeting.Status.PLANNED
            meeting = Meeting.objects.create(
                branch=branch, external_id=r.id, status=status, created_by=by, **fields
            )
            counts["created"] += 1
        else:
            same = all(getattr(meeting, k) == v for k, v in fields.items())
            same = same and sorted(
                (pk, "present" if state == "present" else "absent", reason)
                for pk, state, reason in Attendance.objects.filter(meeting=meeting).values_list(
                    "member_id", "state", "reason"
                )
            ) == sorted([(m.pk, "present", "") for m in present] + [(pk, "absent", rs) for pk, rs in absent])
            same = same and list(
                Resolution.objects.filter(meeting=meeting).values_list(
                    "title", "yes", "no", "abstain", "declared"
                )
            ) == [(x.title or "", x.yes, x.no, x.abstain, x.declared) for x in r.resolutions]
            same = same and set(meeting.attachments.values_list("kind", flat=True)) == set(r.attachments)
            if same:
                continue
            if meeting.status in (Meeting.Status.SUBMITTED, Meeting.Status.APPROVED):
                raise ValidationError(f"{at}: 纪实 {r.id} 已提交，不能通过导入修改；请在平台上以更正说明补充")
            for k, v in fields.items():
                setattr(meeting, k, v)
            meeting.save()
            counts["changed"] += 1
        Attendance.objects.filter(meeting=meeting).delete()
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, member=m, state="present", imported=True) for m in present]
            + [
                Attendance(meeting=meeting, member_id=pk, state="absent", reason=rs, imported=True)
                for pk, rs in absent
            ]
        )
        Resolution.objects.filter(meeting=meeting).delete()
        Resolution.objects.bulk_create(
            [
                Resolution(
                    meeting=meeting,
                    order=n,
                    title=x.title or "",
                    yes=x.yes,
                    no=x.no,
                    abstain=x.abstain,
                    declared=x.declared,
                )
                for n, x in enumerate(r.resolutions)
            ]
        )
        have = set(meeting.attachments.values_list("kind", flat=True))
        Attachment.objects.bulk_create(
            [
                Attachment(
                    meeting=meeting,
                    kind=k,
                    name=f"台账导入：{Attachment.Kind(k).label}",
                    content_type="",
                    sha256="",
                )
                for k in r.attachments
                if k not in have
            ]
        )
        if meeting.status == Meeting.Status.SUBMITTED:
            record_services.seal(meeting)
    return counts
