"""Navigation entry and home-page to-dos of 干."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.reach import has_capability, visible
from zhibu.core.nav import registry

from .models import Report, Target

registry.add("targets", _("重点任务与支部目标"), "targets:index", "targets.view", order=10)


@registry.todos
def target_todos(user) -> list[dict]:
    items = []
    today = timezone.localdate()
    if has_capability(user, "targets.review"):
        n = visible(Report, user, "targets.review").filter(status=Report.Status.SUBMITTED).count()
        if n:
            items.append(
                {
                    "priority": 25,
                    "title": ngettext("%(n)s 份目标进展等待审核", "%(n)s 份目标进展等待审核", n) % {"n": n},
                    "url": reverse("targets:index"),
                }
            )
    if has_capability(user, "targets.manage"):
        mine = visible(Target, user, "targets.manage").exclude(status=Target.Status.DONE)
        for t in mine.filter(due__lte=today + datetime.timedelta(days=30)).order_by("due")[:3]:
            items.append(
                {
                    "priority": 15 if t.due <= today else 30,
                    "title": gettext("支部目标“%(title)s”期限 %(due)s，请报送进展")
                    % {"title": t.title, "due": date_format(t.due, "MONTH_DAY_FORMAT")},
                    "url": reverse("targets:target", args=[t.pk]),
                }
            )
        for r in visible(Report, user, "targets.manage").filter(status=Report.Status.RETURNED)[:3]:
            if not r.target.reports.filter(submitted_at__gt=r.submitted_at).exists():
                items.append(
                    {
                        "priority": 15,
                        "title": gettext("目标进展被退回：%(comment)s") % {"comment": r.comment},
                        "url": reverse("targets:target", args=[r.target_id]),
                    }
                )
    return items
