"""Navigation entries and to-dos of 因材施教: the planning view, plans, the effect measure, 支部体检."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.reach import has_capability, visible
from zhibu.core.nav import registry
from zhibu.orgs.models import Branch

registry.add("training", _("培训需求（分层分类）"), "plans:needs", "plans.view", order=60)
registry.add("training", _("培训成效"), "plans:effect", "plans.view", order=70)
registry.add("supervision", _("支部体检"), "plans:index", "plans.view", order=60)


@registry.todos
def plan_todos(user) -> list[dict]:
    items = []
    if getattr(user, "member_id", None):
        items.append({"priority": 60, "title": gettext("查看我的个人学习计划"), "url": reverse("plans:mine")})
    if has_capability(user, "plans.view"):
        own = list(visible(Branch, user, "plans.view").values_list("code", "name")[:2])
        if len(own) == 1:
            code, name = own[0]
            items.append(
                {
                    "priority": 55,
                    "title": gettext("%(name)s支部体检：五项工作一页看全") % {"name": name},
                    "url": reverse("plans:health", args=[code]),
                }
            )
    return items
