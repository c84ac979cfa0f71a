"""The nightly board rebuild: one task per chunk of branches (so every worker takes a share), each chunk
a fixed number of queries whatever its size, and the same rows as a rebuild in one process."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhibu.orgs.models import Branch
from zhibu.supervision import status, tasks
from zhibu.supervision.models import BranchStatus

FIELDS = ("branch_id", "month", "held_in_month", "open_findings", "open_dispatches", "violations")


def _rows():
    return sorted(BranchStatus.objects.values_list(*FIELDS))


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_nightly_task_sends_one_task_per_chunk_with_the_same_result_as_in_process(cast, monkeypatch):
    status.rebuild()
    expected = _rows()
    BranchStatus.objects.all().delete()

    monkeypatch.setattr(status, "CHUNK", 2)
    sent, chunk_task = [], tasks.rebuild_board_chunk
    monkeypatch.setattr(
        tasks,
        "rebuild_board_chunk",
        SimpleNamespace(delay=lambda *args: sent.append(args) or chunk_task(*args)),
    )
    assert tasks.rebuild_board() == Branch.objects.count() == 3
    ids = sorted(Branch.objects.values_list("pk", flat=True))
    assert [args[0] for args in sent] == [ids[:2], ids[2:]]
    assert len({args[1] for args in sent}) == 1  # every chunk as of the same day
    assert _rows() == expected


def test_a_chunk_costs_the_same_queries_whatever_its_size(cast):
    ids = sorted(Branch.objects.values_list("pk", flat=True))
    status.rebuild_chunk(ids)  # the rows exist, as on any night but the first
    one = _queries(lambda: status.rebuild_chunk(ids[:1]))
    figures = set(BranchStatus.objects.values_list("violations", flat=True))
    # one UPDATE per distinct violation figure, everything else is grouped
    assert _queries(lambda: status.rebuild_chunk(ids)) <= one + len(figures) - 1


def test_a_refresh_writes_new_and_existing_rows_in_one_statement(cast):
    from django.utils import timezone

    from zhibu.supervision.models import Finding

    ids = sorted(Branch.objects.values_list("pk", flat=True))
    status.refresh(ids[:1])
    BranchStatus.objects.filter(branch_id=ids[0]).update(open_findings=99, month="2000-01")
    with CaptureQueriesContext(connection) as ctx:
        status.refresh(ids)  # one row to bring up to date, the others new
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1
    assert sorted(BranchStatus.objects.values_list("branch_id", flat=True)) == ids
    row = BranchStatus.objects.get(branch_id=ids[0])
    assert row.month == f"{timezone.localdate():%Y-%m}"
    assert row.open_findings == Finding.objects.filter(branch_id=ids[0]).exclude(status="closed").count()
