"""Demo: the committees elected this year, listed for the 新一届村“两委” class (waiting for one to open)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from zhibu.core.demo import step


@step("因材施教：新一届两委调训名单", order=80)
def build(rng: random.Random, today: datetime.date) -> str:
    from zhibu.orgs.models import District, Election, MemberRole

    from .models import CommitteeListing

    district = District.objects.filter(code="huairou").first()
    if district is None:
        return "没有演示区，跳过"
    if CommitteeListing.objects.filter(member__branch__town__district=district).exists():
        return "已存在，跳过"
    with transaction.atomic():
        by_branch = {
            e.branch_id: e
            for e in Election.objects.filter(branch__town__district=district, date__year=today.year).order_by(
                "date"  # the latest election of the year wins
            )
        }
        # Re-elected committees keep their people (their roles run from the previous term): the
        # whole committee in office on the day of this year's election is listed.
        listings = []
        in_office = MemberRole.objects.filter(
            member__branch__town__district=district,
            role__in=MemberRole.COMMITTEE,
            start__lte=datetime.date(today.year, 12, 31),
        ).values_list("member_id", "member__branch_id", "role", "start", "end")
        for member_id, branch_id, role, start, end in in_office:
            e = by_branch.get(branch_id)
            if e is not None and start <= e.date and (end is None or end >= e.date):
                listings.append(
                    CommitteeListing(member_id=member_id, election=e, role=role, newcomer=start == e.date)
                )
        CommitteeListing.objects.bulk_create(listings, ignore_conflicts=True)
    return f"{len(listings)} 名新一届支委列入两委调训名单（待开设新一届两委班）"
