"""培训需求: a fixed number of queries whatever the members and roles."""

import datetime

from tests.page_queries import page_queries
from zhibu.orgs.models import Member, MemberRole


def test_needs_queries_do_not_grow_with_members(cast, login):
    client = login("admin")
    before = page_queries(client, "/plans/needs/")
    for m in Member.objects.all():
        MemberRole.objects.get_or_create(member=m, role="group_leader", start=datetime.date(2024, 1, 1))
    assert page_queries(client, "/plans/needs/") == before <= 14
