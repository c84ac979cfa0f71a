"""Summary figures shared by everyone who sees the same thing, computed at most every few minutes.

District-wide summaries (learning hours per town, training statistics, training needs) read tens of
thousands of rows; computing them on every request makes the page slow for everyone. `shared` keeps
the result for `ZHIBU_FIGURES_SECONDS` (default 300; 0 computes on every request) under a key made of
what decides the result — the page's parameters and the user's reach for the capability — and returns
it with the time it was computed, which the page shows ("统计时间").
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from zhibu.accounts.reach import reaches


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
    generation = cache.get_or_set(f"figures-generation-{name}", 0, None)
    digest = hashlib.sha256(repr(params).encode()).hexdigest()[:32]
    key = f"figures-{name}-{generation}-{digest}"
    return cache.get_or_set(key, lambda: (compute(), timezone.now()), seconds)


def changed(name: str) -> None:
    """What `name` summarises has just changed here: every user's copy is computed afresh next time."""
    key = f"figures-generation-{name}"
    try:
        cache.incr(key)
    except ValueError:  # not there (expired or never set)
        cache.set(key, 1, None)
