"""Roster import reads what exists for the whole file at once and writes in bulk: the number of queries
does not grow with the rows; updates, new office-holders and their listeners behave as one row at a time."""

import datetime
import io

from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from zhibu.orgs import roster
from zhibu.orgs.models import Group, Member, MemberRole

HEADER = ["姓名", "性别", "出生日期", "身份证号", "手机号", "入党时间", "转正时间", "党小组", "党内职务"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n: int) -> str:
    body = f"330102198001{n % 28 + 1:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def sheet(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def people(n: int, phone_prefix: str = "139"):
    return [
        [
            f"党员{i}号",
            "男",
            f"1980-01-{i % 28 + 1:02d}",
            id_number(i),
            f"{phone_prefix}{i:08d}",
            "2005-07-01",
            "2006-07-01",
            f"第{i % 3 + 1}党小组",
            "组织委员" if i == 0 else "",
        ]
        for i in range(n)
    ]


def queries(fn, rows, **kw) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(sheet(rows), **kw)
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_rows(cast):
    small = queries(roster.plan, people(5), branch=cast.a)
    assert queries(roster.plan, people(60), branch=cast.a) == small
    small_apply = queries(roster.apply, people(5), branch=cast.a)
    Member.objects.filter(name__startswith="党员").delete()
    Group.objects.filter(branch=cast.a, name__endswith="党小组").delete()
    assert queries(roster.apply, people(60), branch=cast.a) == small_apply
    assert Member.objects.filter(branch=cast.a, name__startswith="党员").count() == 60
    # Re-importing with changes: planned and written in a bounded number of queries too.
    assert queries(roster.apply, people(60, "137"), branch=cast.a) <= small_apply + 4


def test_updates_and_new_office_holders_are_written_as_one_row_at_a_time_would(cast):
    roster.apply(sheet(people(3)), branch=cast.a)
    zero = Member.objects.get(name="党员0号")
    assert zero.id_number == id_number(0) and zero.group.name == "第1党小组"
    assert Member.objects.filter(id_number_index=zero.id_number_index).count() == 1  # the index is written
    assert list(zero.roles.values_list("role", "title")) == [("committee_member", "组织委员")]

    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.pk, instance.member_id, created))

    post_save.connect(listener, sender=MemberRole, dispatch_uid="test-roster-bulk")
    try:
        rows = people(3, "137")
        rows[1][8] = "副书记"
        rows[2][7] = "新党小组"
        result = roster.apply(sheet(rows), branch=cast.a)
    finally:
        post_save.disconnect(sender=MemberRole, dispatch_uid="test-roster-bulk")
    assert result["counts"]["update"] == 3
    one = Member.objects.get(name="党员1号")
    assert one.phone == "13700000001"
    deputy = one.roles.get()
    assert deputy.role == "deputy_secretary" and deputy.start >= one.joined
    assert heard == [(deputy.pk, one.pk, True)]  # announced like save(), once, with its key
    assert Member.objects.get(name="党员2号").group.name == "新党小组"
    assert zero.roles.count() == 1  # an office already held is not added again
    again = roster.plan(sheet(rows), branch=cast.a)
    assert again["counts"]["same"] == 3 and not again["counts"]["update"]
    assert datetime.date.today() >= deputy.start
