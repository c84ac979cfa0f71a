"""Long lists: counted no further than anyone pages, with their per-row counts taken for the page alone."""

import re

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

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
