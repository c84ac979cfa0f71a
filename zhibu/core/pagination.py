"""Paging long lists: counted no further than a person pages, and counted per page.

Counting every row in reach is what made a city's lists slow: PostgreSQL took 0.6 s to count 5 million
meetings and 0.4 s for 2.5 million members, on every page. Nobody pages through ten thousand rows (they
filter by town or branch), so `Paginator` counts up to COUNT_LIMIT and the pager then says there are more
than that; the pages go as far as the limit. Below it the count is exact, as before.

The API's lists page the same way (APIPagination): their `count` stops at the limit too, and says so.

A page of a list that shows related rows (select_related) is read in two steps: which rows are on it,
by the filter and the order alone, and then those rows with what they show. Read in one query, PostgreSQL
joins every row in reach to its related rows before the page is cut (the district's 1,107 retrainings to
its 32,865 enrolments, twice), where the page needs fifty.

`count_related` is the same idea for a column of counts (members per branch, people per class, branches
per town): they are counted for the rows shown, not grouped over every row in reach before the page is cut.
"""

from __future__ import annotations

from django.core import paginator
from django.db.models import Count, QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.response import Response

COUNT_LIMIT = 10_000


class Paginator(paginator.Paginator):
    @cached_property
    def found(self) -> int:
        """The rows counted: all of them, or COUNT_LIMIT + 1 when there are more."""
        items = self.object_list
        if isinstance(items, QuerySet):
            # A slice is counted in a subquery that stops at its end; the order does not change a count.
            return items.order_by()[: COUNT_LIMIT + 1].count()
        return len(items)

    @cached_property
    def count(self) -> int:
        return min(self.found, COUNT_LIMIT)

    @property
    def capped(self) -> bool:
        """There are more rows than the pages reach: the pager says so."""
        return self.found > COUNT_LIMIT

    def page(self, number):
        page = super().page(number)
        rows = page.object_list
        if isinstance(rows, QuerySet) and rows.query.select_related and not rows.query.values_select:
            ids = list(rows.values_list("pk", flat=True))
            found = self.object_list.order_by().in_bulk(ids)
            page.object_list = [found[pk] for pk in ids if pk in found]  # a row deleted meanwhile is left out
        return page


class APIPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE, counted as the pages are (as Paginator): exactly up to COUNT_LIMIT rows;
    beyond that `count` is COUNT_LIMIT, `count_capped` is true and the pages go as far as that. A larger set
    (a city's meetings) is read in parts by its filters: town, branch, dates."""

    django_paginator_class = Paginator

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        properties = described["properties"]
        properties["count"]["description"] = f"条数，最多数到 {COUNT_LIMIT}"
        capped = {"type": "boolean", "description": f"超过 {COUNT_LIMIT} 条：请用筛选分批读取"}
        described["properties"] = {"count": properties["count"], "count_capped": capped} | {
            k: v for k, v in properties.items() if k != "count"
        }
        described["required"] = [*described.get("required", []), "count_capped"]
        return described


def count_related(objects, related: QuerySet, field: str, attr: str) -> None:
    """Set `attr` on each of `objects` (a page, or a list of model instances): how many rows of `related`
    point to it by `field`. One grouped query for those objects alone."""
    objects = list(objects)
    if not objects:
        return
    counts = dict(
        related.filter(**{f"{field}__in": [o.pk for o in objects]})
        .order_by()
        .values_list(field)
        .annotate(n=Count("pk"))
    )
    for o in objects:
        setattr(o, attr, counts.get(o.pk, 0))
