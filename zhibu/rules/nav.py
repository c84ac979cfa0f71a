from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.reach import has_capability, visible
from zhibu.core.nav import registry

registry.add("rules", _("合规检查"), "rules:index", "rules.view", order=10)
registry.add("rules", _("规则配置"), "rules:config", "rules.view", order=20)


@registry.todos
def compliance_todos(user) -> list[dict]:
    """For a branch's own secretary or worker: what the rules still ask of this month, quarter and year."""
    if not has_capability(user, "records.manage"):
        return []
    from zhibu.orgs.models import Branch

    from .adapter import branch_to_do

    branches = list(visible(Branch, user, "records.manage").select_related("town")[:4])
    if not branches or len(branches) > 3:
        return []
    today = timezone.localdate()
    items = []
    for branch in branches:
        for f in branch_to_do(branch, today):
            items.append(
                {"priority": 25, "title": f["message"], "url": reverse("rules:branch", args=[branch.code])}
            )
    return items
