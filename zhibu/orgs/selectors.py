"""Reads of the organisation tree, always through the visibility mechanism."""

from django.db.models import Q

from zhibu.accounts.reach import visible

from .models import Branch, Member, Town


def branches_for(user, capability: str = "org.view"):
    return visible(Branch, user, capability).select_related("town")


def towns_for(user):
    return visible(Town, user, "org.view")


def members_for(
    user,
    capability: str = "members.view",
    *,
    q: str = "",
    branch=None,
    town=None,
    category: str = "",
    current: bool = True,
):
    qs = visible(Member, user, capability).select_related("branch__town", "group")
    if current:
        qs = qs.filter(left__isnull=True)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(branch__name__contains=q))
    if branch:
        qs = qs.filter(branch=branch)
    if town:
        qs = qs.filter(branch__town=town)
    if category == "full":
        qs = qs.filter(full_since__isnull=False)
    elif category == "probationary":
        qs = qs.filter(full_since__isnull=True)
    return qs
