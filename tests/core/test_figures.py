"""Shared figures: kept for a few minutes, then served stale for a while and computed again after the
response, by one request at a time; computed at once when too old, outside a request, or changed.
(The tests refresh in the request's thread; the last test lets a server's thread do it.)"""

import datetime
import threading
import time

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from tests.library.test_hours_queries import _study
from zhibu.core import figures

# The refresh after a response looks at the database connections as Django does after any request.
pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.at = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)

    def now(self):
        return self.at

    def pass_(self, seconds):
        self.at += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.ZHIBU_FIGURES_SECONDS = 300
    settings.ZHIBU_FIGURES_STALE_SECONDS = 3600
    cache.clear()
    c = Clock()
    monkeypatch.setattr(figures, "timezone", c)
    return c


class Source:
    """A summary whose value changes every time it is computed."""

    def __init__(self, fail=False):
        self.calls = 0
        self.fail = fail

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise RuntimeError("database went away")
        return self.calls


def in_request(fn):
    request_started.send(sender=None)
    try:
        return fn()
    finally:
        request_finished.send(sender=None)


def test_a_copy_is_kept_for_its_seconds(clock):
    source = Source()
    assert figures.kept("t", (1,), source) == (1, clock.at)
    clock.pass_(299)
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 1
    assert source.calls == 1
    assert figures.kept("t", (2,), source)[0] == 2  # other parameters, another copy


def test_an_old_copy_is_served_at_once_and_computed_again_after_the_response(clock):
    source = Source()
    made = clock.at
    figures.kept("t", (1,), source)
    clock.pass_(600)
    seen = []

    def page():
        seen.append(figures.kept("t", (1,), source))
        seen.append(source.calls)  # nothing computed while the page was being made

    in_request(page)
    assert seen == [(1, made), 1]
    assert source.calls == 2  # after the response
    assert figures.kept("t", (1,), source) == (2, clock.at)


def test_only_one_request_refreshes_a_copy(clock):
    source = Source()
    figures.kept("t", (1,), source)
    clock.pass_(600)
    request_started.send(sender=None)
    first = figures.kept("t", (1,), source)
    # Another request in another thread at the same time: served the same copy, refreshes nothing.
    other = []

    def second():
        request_started.send(sender=None)
        other.append(figures.kept("t", (1,), source))
        request_finished.send(sender=None)
        other.append(source.calls)

    t = threading.Thread(target=second)
    t.start()
    t.join()
    assert other == [first, 1]
    request_finished.send(sender=None)
    assert source.calls == 2


def test_too_old_outside_a_request_or_changed_computes_at_once(clock):
    source = Source()
    figures.kept("t", (1,), source)
    clock.pass_(600)
    assert figures.kept("t", (1,), source)[0] == 2  # a task or a command: no response to wait for
    clock.pass_(300 + 3600)
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 3  # older than the stale window
    assert source.calls == 3
    figures.changed("t")
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 4


def test_a_failed_refresh_keeps_the_copy_and_the_next_request_tries_again(clock, caplog):
    source = Source()
    figures.kept("t", (1,), source)
    clock.pass_(600)
    source.fail = True
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 1
    assert "refreshing shared figures failed" in caplog.text
    source.fail = False
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 1  # still the old copy, once more
    assert figures.kept("t", (1,), source)[0] == 4 - 1  # the refresh after that response: calls 3


def test_without_keeping_every_call_computes(settings):
    settings.ZHIBU_FIGURES_SECONDS = 0
    source = Source()
    assert in_request(lambda: figures.kept("t", (1,), source))[0] == 1
    assert figures.kept("t", (1,), source)[0] == 2


def test_the_hours_page_shows_the_old_copy_once_then_the_one_computed_after_it(cast, login, clock):
    admin = login("admin")
    first = admin.get("/library/hours/")
    rows = {r.key: r.hours for r in first.context["rows"]}
    _study(cast)  # 2 more 学时 for branch a's members: not in the shared copy yet
    clock.pass_(600)
    stale = admin.get("/library/hours/")
    assert {r.key: r.hours for r in stale.context["rows"]} == rows
    assert stale.context["computed"] == first.context["computed"]
    fresh = admin.get("/library/hours/")
    assert {r.key: r.hours for r in fresh.context["rows"]} != rows
    assert fresh.context["computed"] == clock.at


def test_a_server_refreshes_in_a_thread_of_its_own_after_the_response(clock, settings):
    settings.ZHIBU_FIGURES_REFRESH_INLINE = False
    source = Source()
    figures.kept("t", (1,), source)
    clock.pass_(600)
    threads = []

    def traced():
        threads.append(threading.current_thread())
        return source()

    assert in_request(lambda: figures.kept("t", (1,), traced))[0] == 1  # the old copy, at once
    deadline = time.monotonic() + 10
    while figures.kept("t", (1,), traced)[0] == 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert figures.kept("t", (1,), traced)[0] == 2
    assert threads == [threads[0]] and threads[0] is not threading.current_thread()
