"""Navigation entries and home-page to-dos of the record book."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.reach import has_capability, visible
from zhibu.core.nav import registry

from .models import Meeting

registry.add("records", _("会议纪实"), "records:index", "records.view", order=10)
registry.add("schedule", _("年度学习计划"), "records:schedule", "records.view", order=10)


@registry.todos
def record_todos(user) -> list[dict]:
    items = []
    today = timezone.localdate()
    if has_capability(user, "records.review"):
        waiting = visible(Meeting, user, "records.review").filter(status="submitted").count()
        if waiting:
            items.append(
                {
                    "priority": 20,
                    "title": ngettext("有 %(n)s 份会议纪实等待审核", "有 %(n)s 份会议纪实等待审核", waiting)
                    % {"n": waiting},
                    "url": reverse("records:index") + "?status=submitted",
                }
            )
    if has_capability(user, "records.manage"):
        mine = visible(Meeting, user, "records.manage")
        for m in mine.filter(status="returned")[:5]:
            items.append(
                {
                    "priority": 10,
                    "title": gettext("%(date)s %(type)s纪实被退回，请修改后重新提交")
                    % {"date": m.date, "type": m.type_label},
                    "url": reverse("records:meeting", args=[m.pk]),
                }
            )
        stale = mine.filter(status__in=("planned", "in_session"), date__lt=today - datetime.timedelta(days=3))
        for m in stale[:5]:
            items.append(
                {
                    "priority": 20,
                    "title": gettext("%(date)s %(type)s已召开，请在会后 7 天内提交纪实")
                    % {"date": m.date, "type": m.type_label},
                    "url": reverse("records:meeting", args=[m.pk]),
                }
            )
    member_id = getattr(user, "member_id", None)
    if member_id:
        upcoming = Meeting.objects.filter(
            branch__members__pk=member_id,
            status="planned",
            date__gte=today,
            date__lte=today + datetime.timedelta(days=14),
        ).exclude(attendance__member_id=member_id)
        for m in upcoming[:3]:
            items.append(
                {
                    "priority": 30,
                    "title": gettext("%(date)s 将召开%(type)s，请准时参加或请假")
                    % {"date": m.date, "type": m.type_label},
                    "url": reverse("records:meeting", args=[m.pk]),
                }
            )
    return items
