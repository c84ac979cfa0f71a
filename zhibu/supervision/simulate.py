"""A simulated live feed for demonstrations: clearly labelled events, switched on and off by command.

Every simulated event carries payload["simulated"] = True and the board shows a "演示模拟" label;
the simulation writes no meeting, sign-in or finding, only board events.
"""

from __future__ import annotations

import random
import time

from django.core.cache import cache

from zhibu.core.events import publish

FLAG = "supervision-simulation"
KINDS = ("meeting.opened", "meeting.signin", "meeting.signin", "meeting.signin", "meeting.submitted")


def is_running() -> bool:
    return bool(cache.get(FLAG))


def run(*, district, seconds: float, rate: float = 2.0, seed: int = 2026, sleep=time.sleep) -> int:
    """Publish `rate` simulated events a second for `seconds`; returns how many were published."""
    from zhibu.orgs.models import Branch

    rng = random.Random(seed)
    branches = list(Branch.objects.filter(town__district=district).select_related("town")[:400])
    if not branches:
        return 0
    n = 0
    total = max(1, int(seconds * rate))
    cache.set(FLAG, True, timeout=int(seconds) + 5)
    try:
        for _ in range(total):
            b = rng.choice(branches)
            kind = rng.choice(KINDS)
            payload = {
                "simulated": True,
                "branch": b.name,
                "branch_code": b.code,
                "town": b.town.name,
                "title": "主题党日（演示）",
            }
            if kind == "meeting.signin":
                payload["present"] = rng.randint(3, 30)
            publish(kind, branch_id=b.pk, payload=payload)
            n += 1
            sleep(1.0 / rate)
    finally:
        cache.delete(FLAG)
    return n
