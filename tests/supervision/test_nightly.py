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
