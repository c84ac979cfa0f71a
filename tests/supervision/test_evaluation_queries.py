"""综合评估 over many branches: the same number of queries for one branch as for all (read and written in bulk)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhibu.orgs.models import Branch
from zhibu.supervision import assess
from zhibu.supervision.models import Evaluation


def _queries(branches, year) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        rows = assess.evaluate_branches(branches, year, today=datetime.date(year, 12, 31))
    return len(ctx.captured_queries), rows


def test_evaluation_queries_do_not_grow_with_branches_and_rerun_replaces(cast):
    year = datetime.date.today().year - 1
    branches = list(Branch.objects.select_related("town").order_by("pk"))
    one, _ = _queries(branches[:1], year)  # creates A's row
    every, rows = _queries(branches, year)  # updates A's, creates the others'
    assert every == one + 1  # the one extra: the UPDATE of the row that already existed
    again, rows_again = _queries(branches, year)  # all updated
    assert again <= one
    assert Evaluation.objects.filter(year=year).count() == len(rows) == len(rows_again) == len(branches)
    assert [(r.branch_id, r.score, r.grade) for r in rows] == [
        (r.branch_id, r.score, r.grade) for r in rows_again
    ]
