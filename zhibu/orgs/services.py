"""Writes to the organisation tree, shared by pages, API, commands and tasks."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Branch, Election, Member, MemberRole, Transfer


@transaction.atomic
def member_transfer(
    *, member: Member, to_branch: Branch, date: datetime.date, note: str = "", by=None
) -> Member:
    """组织关系转接: close the membership here and open one there, keeping both branches' history."""
    if member.left is not None:
        raise ValidationError({"member": "该党员已不在本支部，不能再次转出"})
    if to_branch.pk == member.branch_id:
        raise ValidationError({"to_branch": "转入支部不能与当前支部相同"})
    if date < member.joined:
        raise ValidationError({"date": "转接日期不能早于转入本支部日期"})
    fields = [
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "education",
        "phone",
        "id_number",
        "party_joined",
        "full_since",
    ]
    new = Member(branch=to_branch, joined=date, previous=member, **{f: getattr(member, f) for f in fields})
    member.left = date
    member.left_reason = f"转出至{to_branch.name}"
    member.save(update_fields=["left", "left_reason"])
    member.roles.filter(end__isnull=True).update(end=date - datetime.timedelta(days=1))
    new.save()
    Transfer.objects.create(member_from=member, member_to=new, date=date, note=note, created_by=by)
    account = getattr(member, "account", None)
    if account is not None:
        account.member = new
        account.save(update_fields=["member"])
    return new


@transaction.atomic
def election_record(
    *, branch: Branch, date: datetime.date, committee: list[tuple[Member, str, str]], note: str = ""
) -> Election:
    """换届选举: the old committee's roles end the day before, the new committee's start on the day."""
    if any(m.branch_id != branch.pk for m, _, _ in committee):
        raise ValidationError({"committee": "支委会成员必须是本支部党员"})
    if sum(1 for _, role, _ in committee if role == MemberRole.Kind.SECRETARY) != 1:
        raise ValidationError({"committee": "新一届支委会须有且只有一名书记"})
    election = Election.objects.create(branch=branch, date=date, note=note)
    MemberRole.objects.filter(
        member__branch=branch, role__in=MemberRole.COMMITTEE, end__isnull=True, start__lt=date
    ).update(end=date - datetime.timedelta(days=1))
    for member, role, title in committee:
        MemberRole.objects.create(member=member, role=role, title=title, start=date)
    branch_refresh_election(branch)
    return election


def branch_refresh_election(branch: Branch) -> None:
    latest = branch.elections.order_by("-date").values_list("date", flat=True).first()
    Branch.objects.filter(pk=branch.pk).update(committee_elected=latest)
    branch.committee_elected = latest
