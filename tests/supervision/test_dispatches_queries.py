"""The dispatch list: its timeliness figures are one aggregate query, the same counts as target by target."""

import datetime

from django.utils import timezone

from tests.page_queries import page_queries
from zhibu.supervision import services
from zhibu.supervision.models import Dispatch, DispatchTarget


def _by_hand() -> dict:
    today = timezone.localdate()
    stats = {"total": 0, "on_time": 0, "late": 0, "open": 0, "overdue": 0}
    for t in DispatchTarget.objects.select_related("dispatch"):
        stats["total"] += 1
        if t.done_at is not None:
            stats["on_time" if t.on_time else "late"] += 1
        else:
            stats["overdue" if t.dispatch.deadline < today else "open"] += 1
    return stats


def test_dispatch_list_queries_do_not_grow_with_dispatches_and_figures_match(sup, login):
    client = login("admin")
    before = page_queries(client, "/supervision/dispatches/")
    today = timezone.localdate()
    for i, days in enumerate((-5, -1, 2, 9)):
        d = services.dispatch_create(
            district=sup.a.town.district,
            branches=[sup.a, sup.b, sup.c],
            title=f"第{i}号",
            body="内容",
            priority="normal",
            deadline=today + datetime.timedelta(days=max(days, 0)),
            by=sup.admin,
        )
        services.target_done(target=d.targets.get(branch=sup.a), note="已办结")
        # the deadline moved into the past: A's done late, B's and C's overdue
        Dispatch.objects.filter(pk=d.pk).update(deadline=today + datetime.timedelta(days=days))
    assert page_queries(client, "/supervision/dispatches/") == before <= 12
    stats = services.timeliness(DispatchTarget.objects.all())
    assert {k: stats[k] for k in _by_hand()} == _by_hand()
    assert stats["late"] == 2 and stats["on_time"] == 2 and stats["rate"] == 50.0
