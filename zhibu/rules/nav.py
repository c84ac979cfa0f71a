from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.reach import has_capability, visible
from zhibu.core.nav import registry

registry.add("rules", _("合规检查"), "rules:index", "rules.view", order=10)
registry.add("rules", _("规则配置"), "rules:config", "rules.view", order=20)


# The to-dos of a branch are worked out from its whole year's records: kept for a minute for its home
# pages, and worked out afresh at once after a record, a member, an office or the rules change (signals.py).
TODO_SECONDS = 60


@registry.todos
def compliance_todos(user) -> list[dict]:
    """For a branch's own secretary or worker: what the rules still ask of this month, quarter and year."""
    if not has_capability(user, "records.manage"):
        return []
    from zhibu.core.figures import kept
    from zhibu.orgs.models import Branch

    from .adapter import still_to_do
    from .signals import TODO_FIGURES

    branches = list(visible(Branch, user, "records.manage").select_related("town")[:4])
    if not branches or len(branches) > 3:
        return []
    today = timezone.localdate()
    items = []
    for branch in branches:
        found, _ = kept(
            TODO_FIGURES, (branch.pk, today), lambda b=branch: still_to_do([b], today)[b.pk], TODO_SECONDS
        )
        for f in found:
            items.append(
                {"priority": 25, "title": f["message"], "url": reverse("rules:branch", args=[branch.code])}
            )
    return items
