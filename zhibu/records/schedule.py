"""一表: the district's annual study schedule, and which branches carried out each month's items."""

from __future__ import annotations

import datetime
from collections import defaultdict

from .models import Meeting, ScheduleItem

DONE, UNLINKED, MISSED, OPEN = "done", "unlinked", "missed", "open"


def completion(branches, district_id: int, year: int, today: datetime.date) -> list[dict]:
    """Per branch, per month: done (a submitted record linked to that month's item), unlinked (a record of the
    item's type that month but not linked), missed (month over, nothing) or open (month not over, or no item)."""
    items = defaultdict(set)
    for month, kind in ScheduleItem.objects.filter(district_id=district_id, year=year).values_list(
        "month", "meeting_type"
    ):
        items[month].add(kind)
    branches = list(branches)
    linked = set()
    typed = defaultdict(set)
    for branch_id, date, types, item_id, item_month in Meeting.objects.filter(
        branch__in=branches, date__year=year, status__in=("submitted", "approved")
    ).values_list("branch_id", "date", "types", "schedule_item_id", "schedule_item__month"):
        if item_id:
            linked.add((branch_id, item_month))
        typed[(branch_id, date.month)].update(types)
    rows = []
    for b in branches:
        cells = []
        for month in range(1, 13):
            month_over = (year, month) < (today.year, today.month)
            if not items[month]:
                state = OPEN
            elif (b.pk, month) in linked:
                state = DONE
            elif items[month] & typed[(b.pk, month)]:
                state = UNLINKED
            else:
                state = MISSED if month_over else OPEN
            cells.append(state)
        rows.append({"branch": b, "cells": cells, "done": cells.count(DONE)})
    return rows
