"""A roster import's progress is seen while its all-or-nothing transaction is still open, and a run that
dies half-way leaves its progress showing until the next delivery takes the job over and finishes it."""

import re

import pytest

from zhibu.core.models import Job
from zhibu.orgs import roster, tasks
from zhibu.orgs.models import Member

from .test_roster_import import _upload, messy_rows

HTMX = {"HTTP_HX_REQUEST": "true"}
WRITE = roster._write


def _shown(page: str) -> tuple[int, str]:
    """What the progress bar shows: its percentage and its line of text."""
    percent = int(re.search(r'aria-valuenow="(\d+)"', page)[1])
    return percent, re.search(r"<p>(.*?)</p>", page, re.S)[1].strip()


class Killed(BaseException):
    """The worker dying: nothing of the run's transaction is committed, nothing after it runs."""


def _write_spying(monkeypatch, look):
    """Members written two at a time; `look(written, of)` is called after each batch, inside the import's
    transaction."""
    monkeypatch.setattr(roster, "_CHUNK", 2)

    def write(rows, known, progress=None):
        def spying(written, of):
            progress(written, of)
            look(written, of)

        return WRITE(rows, known, progress=spying)

    monkeypatch.setattr(roster, "_write", write)


def test_the_page_shows_the_imports_progress_while_its_transaction_is_open(cast, login, monkeypatch):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    url = f"/orgs/import/{job.pk}/"
    seen = []

    def look(written, of):
        if 0 < written < of:
            seen.append(_shown(client.get(url, **HTMX).content.decode()))
            # The row is left alone inside the transaction (no one outside it could read the change).
            assert Job.objects.values_list("status", "done").get(pk=job.pk) == ("queued", 0)

    _write_spying(monkeypatch, look)
    client.post(url)
    assert Member.objects.filter(branch=cast.a, name="张大山").exists()
    assert seen, "the import wrote its members in more than one batch"
    percent, text = seen[0]
    assert 0 < percent < 100
    assert text.startswith("正在写入名册…")
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", job.total, len(job.result["rows"]))


def test_the_progress_text_is_translated(cast, login, monkeypatch):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    url = f"/orgs/import/{job.pk}/"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    seen = []

    def look(written, of):
        if 0 < written < of:
            seen.append(_shown(client.get(url, **HTMX).content.decode()))

    _write_spying(monkeypatch, look)
    client.post(url)
    assert seen and seen[0][1].startswith("Writing the roster…")


def test_a_finished_job_reloads_the_page_that_polls_it(cast, login):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    response = client.get(f"/orgs/import/{job.pk}/", **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"  # the preview replaces the bar


def test_a_run_killed_half_way_leaves_its_progress_until_the_next_delivery_finishes(cast, login, monkeypatch):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    url = f"/orgs/import/{job.pk}/"

    def die(written, of):
        if 0 < written < of:
            raise Killed

    _write_spying(monkeypatch, die)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0)  # as the confirm button does
    with pytest.raises(Killed):
        tasks.roster_apply(str(job.pk))
    assert not Member.objects.filter(name="张大山").exists()  # its transaction was rolled back whole
    percent, text = _shown(client.get(url, **HTMX).content.decode())
    assert 0 < percent < 100 and text.startswith("正在写入名册…")  # not back at 0, not finished

    # The queue hands the job to the next worker: it starts again from the beginning, reports as it
    # goes, and finishes; the page then shows the result.
    starts = []
    _write_spying(
        monkeypatch, lambda written, of: starts.append(_shown(client.get(url, **HTMX).content.decode()))
    )
    tasks.roster_apply(str(job.pk))
    assert starts[0][0] < percent  # the new run's own progress, from its start
    assert starts[-1][0] == 100
    job.refresh_from_db()
    assert job.status == "done" and job.result["applied"] and job.result["counts"]["create"] == 4
    assert Member.objects.filter(branch=cast.a, name__in=["张大山", "李秀英", "王小明", "赵四"]).count() == 4
    assert client.get(url, **HTMX)["HX-Refresh"] == "true"
