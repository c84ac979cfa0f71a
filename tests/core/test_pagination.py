"""Long lists: counted no further than anyone pages, with their per-row counts taken for the page alone."""

import json
import re

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from rest_framework.test import APIClient

from zhibu.core import pagination
from zhibu.core.pagination import Paginator, count_related
from zhibu.orgs.models import Branch, Member, Town


def _pager(page) -> str:
    return render_to_string(
        "_pager.html", {"page": page, "request": RequestFactory().get("/?town=T1&page=2")}
    )


def test_a_list_longer_than_the_limit_pages_to_the_limit_and_says_there_are_more(cast, monkeypatch):
    members = Member.objects.order_by("id")
    total = members.count()
    monkeypatch.setattr(pagination, "COUNT_LIMIT", total - 2)
    paginator = Paginator(members, 2)
    assert paginator.count == total - 2 and paginator.capped
    assert paginator.num_pages == -(-(total - 2) // 2)
    last = paginator.get_page(paginator.num_pages)
    assert last.end_index() == total - 2  # the pages go as far as the limit
    html = _pager(paginator.get_page(2))
    assert f"第 2 / {paginator.num_pages} 页，超过 {total - 2} 条：请用筛选缩小范围" in html
    assert "town=T1&amp;page=1" in html  # the filters stay on the links
    with translation.override("en"):
        assert f"more than {total - 2} items: filter to narrow them down" in _pager(paginator.get_page(2))


def test_a_list_within_the_limit_is_counted_exactly(cast, monkeypatch):
    members = Member.objects.order_by("id")
    total = members.count()
    for limit in (total, total + 5):
        monkeypatch.setattr(pagination, "COUNT_LIMIT", limit)
        paginator = Paginator(members, 2)
        assert paginator.count == total and not paginator.capped
        assert f"共 {total} 条" in _pager(paginator.get_page(1))
    assert Paginator(list(members), 2).count == total  # a list is its length


def test_counts_per_row_are_taken_for_the_page_and_leave_out_what_the_filter_leaves_out(
    cast, django_assert_num_queries
):
    gone = Member.objects.filter(branch=cast.a).first()
    Member.objects.filter(pk=gone.pk).update(left="2020-01-01")
    page = Paginator(Branch.objects.order_by("code"), 2).get_page(1)
    with django_assert_num_queries(2):  # the page's branches, then their counts
        count_related(page, Member.objects.filter(left__isnull=True), "branch", "member_count")
    for branch in page:
        assert branch.member_count == Member.objects.filter(branch=branch, left__isnull=True).count()


def test_the_organisation_page_shows_each_towns_branches_and_each_branchs_current_members(cast, login):
    Member.objects.filter(pk=Member.objects.filter(branch=cast.a).first().pk).update(left="2020-01-01")
    html = login("admin").get("/orgs/").content.decode()
    for town in Town.objects.all():
        card = re.search(rf"<strong>{town.name}</strong><br><span class=\"muted\">(\d+) 个支部", html).group(
            1
        )
        assert card == str(Branch.objects.filter(town=town).count())
    for branch in Branch.objects.all():
        row = re.search(rf">{branch.name}</a>.*?</tr>", html, re.S).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[2] == str(Member.objects.filter(branch=branch, left__isnull=True).count())


def test_an_api_list_counts_as_far_as_its_pages_go_and_says_when_there_are_more(cast, monkeypatch):
    monkeypatch.setattr(pagination.APIPagination, "page_size", 2)
    client = APIClient()
    client.force_authenticate(cast.admin)
    total = client.get("/api/v1/members/").json()["count"]
    assert total == Member.objects.filter(left__isnull=True).count() > 4
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 4)
    first = client.get("/api/v1/members/").json()
    assert (first["count"], first["count_capped"], len(first["results"])) == (4, True, 2)
    assert client.get(first["next"]).json()["next"] is None  # the pages go as far as the limit
    assert client.get("/api/v1/members/?page=3").status_code == 404
    narrow = client.get("/api/v1/members/", {"branch": cast.b.code}).json()  # a filter reads the rest
    assert narrow["count_capped"] is False and narrow["count"] == len({m["id"] for m in narrow["results"]})
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    listed = schema["components"]["schemas"]["PaginatedMemberList"]
    assert (
        list(listed["properties"])[:2] == ["count", "count_capped"] and "count_capped" in listed["required"]
    )


def test_a_page_of_rows_with_their_related_rows_is_the_same_page_read_in_two_steps(
    cast, django_assert_num_queries
):
    members = Member.objects.select_related("branch__town").order_by("-branch__code", "name", "id")
    expected = list(members.all())  # (not members itself: a page of an evaluated queryset is cut from it)
    paginator = Paginator(members, 3)
    seen = []
    for number in paginator.page_range:
        paginator.count  # noqa: B018 (counted once, for every page)
        with django_assert_num_queries(
            2
        ) as queries:  # which rows, then those rows with their branch and town
            rows = list(paginator.get_page(number))
        assert "orgs_branch" not in queries.captured_queries[0]["sql"].split("ORDER BY")[0].split("FROM")[0]
        with django_assert_num_queries(0):
            seen += [(m.pk, m.branch.code, m.branch.town.name) for m in rows]
    assert seen == [(m.pk, m.branch.code, m.branch.town.name) for m in expected]
    assert Paginator(Member.objects.order_by("id"), 3).get_page(1).object_list.query.is_sliced  # one step
