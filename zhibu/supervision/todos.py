"""What 督 asks of a person now: findings to rectify, dispatches to handle, rectifications to check."""

from django.urls import reverse
from django.utils import timezone

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
                    "title": f"督导意见待整改：{f.get_category_display()}（期限 {f.deadline:%m月%d日}）",
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
                    "title": f"调度指令待办理：{t.dispatch.title}（期限 {t.dispatch.deadline:%m月%d日}）",
                    "url": reverse("supervision:dispatch", args=[t.dispatch_id]),
                }
            )
    if has_capability(user, "supervision.manage"):
        waiting = selectors.findings_for(user, "supervision.manage").filter(status=Finding.Status.RESPONDED)
        n = waiting.count()
        if n:
            items.append(
                {"priority": 30, "title": f"{n} 条整改待审核销号", "url": reverse("supervision:index")}
            )
    return items
