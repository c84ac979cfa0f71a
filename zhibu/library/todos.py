"""What the learning library asks of a person now, for their home page."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import visible
from zhibu.core.nav import registry
from zhibu.orgs.models import Branch, Member

from . import selectors


@registry.todos
def learning_todos(user) -> list[dict]:
    """From July: a member's own shortfall; from October: a secretary's members still short."""
    today = timezone.localdate()
    if today.month < 7:
        return []
    member = getattr(user, "member", None)
    if member is not None and not member.is_current:
        member = None
    branches = []
    if today.month >= 10:
        branches = list(visible(Branch, user, "learning.record")[:4])
        if len(branches) > 3:
            branches = []
    if member is None and not branches:
        return []
    # The hours of the person and of their branches' members are read once for both kinds of item.
    members = selectors.current_members(today.year).filter(branch__in=branches)
    if branches:
        who = Q(branch__in=branches) | (Q(pk=member.pk) if member is not None else Q())
        hours = selectors.year_hours(Member.objects.filter(who).values("id"), today.year)
    else:
        hours = selectors.year_hours([member.pk], today.year)
    items = []
    if member is not None:
        row = selectors.member_rows([member], today.year, hours)[0]
        if row.owed:
            items.append(
                {
                    "priority": 40 if today.month >= 10 else 60,
                    "title": gettext("今年学时还差 %(owed)s（已完成 %(total)s / %(required)s）")
                    % {"owed": row.owed, "total": row.total, "required": f"{row.required:g}"},
                    "url": reverse("library:my"),
                }
            )
    if branches:
        names = {b.code: b for b in branches}
        for s in selectors.summaries(members, today.year, "branch", hours):
            short = s.members - s.met
            if short:
                branch = names[s.key]
                items.append(
                    {
                        "priority": 45,
                        "title": ngettext(
                            "%(branch)s有 %(n)s 名党员今年学时未达标，可组织集中学习",
                            "%(branch)s有 %(n)s 名党员今年学时未达标，可组织集中学习",
                            short,
                        )
                        % {"branch": branch.name, "n": short},
                        "url": reverse("library:hours_branch", args=[branch.code]),
                    }
                )
    return items
