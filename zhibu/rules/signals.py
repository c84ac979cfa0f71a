"""What the compliance to-dos and the town tables are worked out from changed: they are worked out afresh.

A record changes what the rules find only when it goes live or stops being live (submitted, approved,
returned: the meeting row is saved; a live record's attendance, resolutions and files cannot change),
so the meeting, the members, their offices and exclusions, the groups, the branch and the rule
configuration are watched. Bulk writes send no signal: what they change shows within a minute.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

# zhibu.core.figures names: a branch's to-dos on its home pages, a town's branches × rules table.
TODO_FIGURES = "compliance-todos"
TOWN_FIGURES = "rules-town"


def _changed(sender, raw=False, **kwargs):
    if raw:
        return
    from zhibu.core.figures import changed

    def refresh():
        changed(TODO_FIGURES)
        changed(TOWN_FIGURES)

    transaction.on_commit(refresh)  # not before others can read the change


def connect():
    from zhibu.orgs.models import Branch, Group, Member, MemberRole
    from zhibu.records.models import Exclusion, Meeting

    from .models import RuleConfig

    for model in (Meeting, Member, MemberRole, Exclusion, Group, Branch, RuleConfig):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"rules-todos-{model.__name__}")
