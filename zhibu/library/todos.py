"""What the learning library asks of a person now, for their home page."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import visible
from zhibu.core.nav import registry
from zhibu.orgs.models import Branch

from . import selectors


@registry.todos
def learning_todos(user) -> list[dict]:
    """From July: a member's own shortfall; from October: a secretary's members still short."""
    today = timezone.localdate()
    if today.month < 7:
        return []
    items = []
    member = getattr(user, "member", None)
    if member is not None and member.is_current:
        row = selectors.member_rows([member], today.year)[0]
        if row.owed:
            items.append(
                {
                    "priority": 40 if today.month >= 10 else 60,
                    "title": gettext("今年学时还差 %(owed)s（已完成 %(total)s / %(required)s）")
                    % {"owed": row.owed, "total": row.total, "required": f"{row.required:g}"},
                    "url": reverse("library:my"),
                }
            )
    if today.month >= 10:
        branches = visible(Branch, user, "learning.record")
        if 0 < branches.count() <= 3:
            for branch in branches:
                members = selectors.current_members(today.year).filter(branch=branch)
                short = sum(s.members - s.met for s in selectors.summaries(members, today.year, "branch"))
                if short:
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
