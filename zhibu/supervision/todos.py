"""What 督 asks of a person now: findings to rectify, dispatches to handle, rectifications to check."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import has_capability
from zhibu.core.nav import registry

from . import selectors
from .models import DispatchTarget, Finding


@registry.todos
def supervision_todos(user) -> list[dict]:
    items = []
    today = timezone.localdate()
    if has_capability(user, "supervision.respond"):
        for f in selectors.findings_for(user, "supervision.respond").filter(status=Finding.Status.OPEN)[:5]:
            items.append(
                {
                    "priority": 10 if f.deadline <= today else 30,
                    "title": gettext("督导意见待整改：%(category)s（期限 %(deadline)s）")
                    % {
                        "category": f.get_category_display(),
                        "deadline": date_format(f.deadline, "MONTH_DAY_FORMAT"),
                    },
                    "url": reverse("supervision:finding", args=[f.pk]),
                }
            )
        targets = selectors.targets_for(user, "supervision.respond").exclude(
            status=DispatchTarget.Status.DONE
        )
        for t in targets.order_by("dispatch__deadline")[:5]:
            items.append(
                {
                    "priority": 10 if t.dispatch.deadline <= today else 25,
                    "title": gettext("调度指令待办理：%(title)s（期限 %(deadline)s）")
                    % {
                        "title": t.dispatch.title,
                        "deadline": date_format(t.dispatch.deadline, "MONTH_DAY_FORMAT"),
                    },
                    "url": reverse("supervision:dispatch", args=[t.dispatch_id]),
                }
            )
    if has_capability(user, "supervision.manage"):
        waiting = selectors.findings_for(user, "supervision.manage").filter(status=Finding.Status.RESPONDED)
        n = waiting.count()
        if n:
            items.append(
                {
                    "priority": 30,
                    "title": ngettext("%(n)s 条整改待审核销号", "%(n)s 条整改待审核销号", n) % {"n": n},
                    "url": reverse("supervision:index"),
                }
            )
    return items
