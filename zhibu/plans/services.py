"""Writes of 因材施教: the 两委 listing after an election, and turning a need group into a class."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from zhibu.orgs.models import Member, MemberRole

from .models import CommitteeListing

NEW_COMMITTEE = "new_committee"


def _open_new_committee_class(district_id: int, elected: datetime.date):
    """The 新一届两委 class for a committee elected on `elected`: not closed, held within a year of it."""
    from zhibu.training.models import TrainingClass

    return (
        TrainingClass.objects.filter(
            district_id=district_id,
            category=NEW_COMMITTEE,
            end__gte=elected,
            start__lte=elected + datetime.timedelta(days=365),
        )
        .exclude(status=TrainingClass.Status.CLOSED)
        .order_by("start", "id")
        .first()
    )


def _place(listing: CommitteeListing, klass) -> None:
    from zhibu.training.models import Enrolment
    from zhibu.training.services import enrolment_add

    listing.enrolment = enrolment_add(klass=klass, member=listing.member, source=Enrolment.Source.RULE)
    listing.save(update_fields=["enrolment"])


@transaction.atomic
def listing_add(*, member: Member, election, role: str) -> CommitteeListing:
    """List a member of a newly elected committee for the 新一届两委 class, and place them in the next one."""
    earlier = MemberRole.objects.filter(member=member, role__in=MemberRole.COMMITTEE, start__lt=election.date)
    listing, created = CommitteeListing.objects.get_or_create(
        member=member, election=election, defaults={"role": role, "newcomer": not earlier.exists()}
    )
    if created:
        district_id = member.branch.town.district_id
        klass = _open_new_committee_class(district_id, election.date)
        if klass is not None:
            _place(listing, klass)
    return listing


@transaction.atomic
def need_to_class(*, district, group: dict, name: str, start, end, capacity: int | None = None, by=None):
    """Turn a need group of the planning view into a training class, its members on the roster.

    `group` is one row of selectors.needs(): its layer, domain, category and member ids (never trained
    first). With a capacity, the class takes that many of them; the rest stay in the planning view.
    """
    from zhibu.training.models import Enrolment
    from zhibu.training.services import class_create, enrolment_add

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写班次名称"})
    if start is None or end is None:
        raise ValidationError({"start": "请填写开班和结业日期"})
    if not group["member_ids"]:
        raise ValidationError("该需求组没有需要调训的人员")
    if capacity is not None and not 1 <= capacity <= 500:
        raise ValidationError({"capacity": "班次人数须在 1 到 500 之间"})
    member_ids = group["member_ids"][:capacity] if capacity else group["member_ids"]
    audience = {"roles": group["roles"]} if group["roles"] else {}
    if group.get("domain"):
        audience["domains"] = [group["domain"]]
    klass = class_create(
        district=district,
        by=by,
        name=name[:100],
        category=group["category"],
        start=start,
        end=end,
        audience=audience,
    )
    members = Member.objects.filter(pk__in=member_ids).select_related("branch__town")
    for m in members:
        enrolment_add(klass=klass, member=m, source=Enrolment.Source.RULE)
    if group["category"] == NEW_COMMITTEE:
        for listing in CommitteeListing.objects.filter(
            Q(enrolment__isnull=True) | Q(enrolment__klass__status="closed"),
            member_id__in=member_ids,
        ):
            listing.enrolment = Enrolment.objects.get(klass=klass, member_id=listing.member_id)
            listing.save(update_fields=["enrolment"])
    return klass, len(member_ids)
