"""Summary figures shared by everyone who sees the same thing, computed at most every few minutes.

District-wide summaries (learning hours per town, training statistics, training needs) read tens of
thousands of rows; computing them on every request makes the page slow for everyone. `shared` keeps
the result for `ZHIBU_FIGURES_SECONDS` (default 300; 0 computes on every request) under a key made of
what decides the result — the page's parameters and the user's reach for the capability — and returns
it with the time it was computed, which the page shows ("统计时间").

When that time is up, the copy is not thrown away at once: for `ZHIBU_FIGURES_STALE_SECONDS` more
(default 3600) a page still gets it straight away, with its time, and once its response has gone out
(Django's request_finished signal) a thread of the same process computes the next copy, so a city's
summaries (seconds of reading at 100,000 branches) keep up without anyone waiting for them. Not the
request's own thread: the server may already have handed its connection (nginx keeps its connections to
gunicorn open) to someone else's request. Only one refresh of a copy runs at a time. A copy older than
that, a first visit, and work outside a request (a task, a command) compute at once, as does any change
here (`changed`). The tests refresh in the request's thread (ZHIBU_FIGURES_REFRESH_INLINE), inside their
transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connections
from django.utils import timezone

from zhibu.accounts.reach import reaches

log = logging.getLogger(__name__)

# The copies this request is to compute after its response (None outside a request).
_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar("zhibu_figures_after", default=None)

# How long a refresh may take before another request may try again (it failed, or its worker died).
REFRESH_LOCK_SECONDS = 300


def reach_key(user, capability: str) -> tuple:
    """What decides which rows `user` sees with `capability`: the units of their grants carrying it,
    and their own member id (a model may show a member their own rows)."""
    units = sorted(
        {
            (r.level, r.district_id, r.town_id, r.branch_id)
            for r in reaches(user)
            if capability in r.capabilities
        },
        key=repr,
    )
    return (tuple(units), getattr(user, "member_id", None))


def shared(
    name: str, user, capability: str, params: tuple, compute: Callable[[], Any]
) -> tuple[Any, datetime.datetime]:
    """(value, computed at) of `compute()`, shared by every user with the same reach for a few minutes."""
    return kept(name, (reach_key(user, capability), params), compute)


def kept(
    name: str, params: tuple, compute: Callable[[], Any], seconds: int | None = None
) -> tuple[Any, datetime.datetime]:
    """(value, computed at) of `compute()` for `params`, kept for `seconds` (at most ZHIBU_FIGURES_SECONDS,
    its default) whoever asks: for a result that does not depend on the user's reach."""
    configured = int(getattr(settings, "ZHIBU_FIGURES_SECONDS", 300))
    seconds = configured if seconds is None else min(seconds, configured)
    if seconds <= 0:
        return compute(), timezone.now()
    stale = max(0, int(getattr(settings, "ZHIBU_FIGURES_STALE_SECONDS", 3600)))
    generation = cache.get_or_set(f"figures-generation-{name}", 0, None)
    digest = hashlib.sha256(repr(params).encode()).hexdigest()[:32]
    key = f"figures-{name}-{generation}-{digest}"
    copy = cache.get(key)
    if copy is not None:
        age = (timezone.now() - copy[1]).total_seconds()
        if age < seconds:
            return copy
        pending = _after_response.get()
        if age < seconds + stale and pending is not None:
            if cache.add(f"{key}-refreshing", 1, REFRESH_LOCK_SECONDS):  # nobody else is on it
                pending.append(lambda: _refresh(key, compute, seconds + stale))
            return copy
    copy = (compute(), timezone.now())
    cache.set(key, copy, seconds + stale)
    return copy


def _refresh(key: str, compute: Callable[[], Any], timeout: int) -> None:
    try:
        cache.set(key, (compute(), timezone.now()), timeout)
    finally:
        cache.delete(f"{key}-refreshing")


def changed(name: str) -> None:
    """What `name` summarises has just changed here: every user's copy is computed afresh next time."""
    key = f"figures-generation-{name}"
    try:
        cache.incr(key)
    except ValueError:  # not there (expired or never set)
        cache.set(key, 1, None)


def _request_started(**kwargs) -> None:
    _after_response.set([])


def _request_finished(**kwargs) -> None:
    """The response has gone out: compute the copies this request found out of date."""
    pending = _after_response.get()
    _after_response.set(None)
    if not pending:
        return
    if getattr(settings, "ZHIBU_FIGURES_REFRESH_INLINE", False):
        _run(pending)
    else:
        threading.Thread(target=_in_thread, args=(pending,), name="zhibu-figures", daemon=True).start()


def _in_thread(pending: list[Callable[[], None]]) -> None:
    try:
        _run(pending)
    finally:
        connections.close_all()  # this thread's own connections


def _run(pending: list[Callable[[], None]]) -> None:
    for refresh in pending:
        try:
            refresh()
        except Exception:  # the page was served; the stale copy stays until the next try
            log.exception("refreshing shared figures failed")


request_started.connect(_request_started, dispatch_uid="zhibu.figures.started")
request_finished.connect(_request_finished, dispatch_uid="zhibu.figures.finished")
