"""What the learning library asks of a person now, for their home page."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import visible
from zhibu.core.figures import kept
from zhibu.core.nav import registry
from zhibu.orgs.models import Branch

from . import selectors

# How many of a branch's members are short of their hours, for its secretary's home page: kept for a
# minute (like the hours pages' shared figures), worked out afresh when a collective study is recorded.
BRANCH_SHORTFALL = "learning-todos"
BRANCH_SHORTFALL_SECONDS = 60


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
        branches = list(visible(Branch, user, "learning.record")[:4])
        if 0 < len(branches) <= 3:
            short, _ = kept(
                BRANCH_SHORTFALL,
                (tuple(b.pk for b in branches), today.year),
                lambda: _shortfall(branches, today.year),
                BRANCH_SHORTFALL_SECONDS,
            )
            for branch in branches:
                if short.get(branch.code):
                    items.append(
                        {
                            "priority": 45,
                            "title": ngettext(
                                "%(branch)s有 %(n)s 名党员今年学时未达标，可组织集中学习",
                                "%(branch)s有 %(n)s 名党员今年学时未达标，可组织集中学习",
                                short[branch.code],
                            )
                            % {"branch": branch.name, "n": short[branch.code]},
                            "url": reverse("library:hours_branch", args=[branch.code]),
                        }
                    )
    return items


def _shortfall(branches, year: int) -> dict[str, int]:
    """Per branch code: how many current members have not yet met the year's requirement."""
    members = selectors.current_members(year).filter(branch__in=branches)
    return {s.key: s.members - s.met for s in selectors.summaries(members, year, "branch")}
