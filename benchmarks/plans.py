"""Benchmark: 因材施教 and 干 pages over the demo district.

    ZHIBU_VAR_DIR=/tmp/x .venv/bin/zhibu migrate && ZHIBU_VAR_DIR=/tmp/x .venv/bin/zhibu demo-district          # once
    ZHIBU_VAR_DIR=/tmp/x .venv/bin/python benchmarks/plans.py [--repeat 5]

Times (milliseconds, whole requests through the test client as the demo logins):
- the effect measure computed afresh for the district (every branch checked over two years), and the page
  served from its ten-minute cache;
- demo-secretary's personal learning plan; their branch's health page (支部体检);
- the training-needs planning view as the centre; the targets index as the district admin.
Also prints the effect measure's district totals. One JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")


def _ms(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median": round(times[len(times) // 2], 1), "max": round(times[-1], 1)}


def main() -> None:
    import django

    django.setup()
    from django.test import Client

    from zhibu.accounts.models import User
    from zhibu.orgs.models import District
    from zhibu.plans.selectors import effect_rows

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    district = District.objects.get(code="huairou")
    today = datetime.date.today()
    start = datetime.date(today.year - 1, 1, 1)

    def client(username):
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    secretary = User.objects.get(username="demo-secretary")
    branch = secretary.member.branch.code
    sec, centre, admin = client("demo-secretary"), client("demo-centre"), client("demo-admin")

    def get(c, url):
        response = c.get(url)
        assert response.status_code == 200, (url, response.status_code)

    started = time.perf_counter()
    rows = effect_rows(district, start, today, refresh=True)
    effect_fresh = round((time.perf_counter() - started) * 1000, 1)
    out = {
        "effect_fresh_ms": effect_fresh,
        "effect_page_cached_ms": _ms(lambda: get(admin, "/plans/effect/"), args.repeat),
        "plan_page_ms": _ms(lambda: get(sec, f"/plans/members/{secretary.member_id}/"), args.repeat),
        "health_page_ms": _ms(lambda: get(sec, f"/plans/branches/{branch}/"), args.repeat),
        "needs_page_ms": _ms(lambda: get(centre, "/plans/needs/"), max(1, args.repeat // 2)),
        "targets_index_ms": _ms(lambda: get(admin, "/targets/"), args.repeat),
        "effect_totals": [
            {
                "rule": r.rule,
                "branches": r.branches,
                "trained": r.trained,
                "trained_recurred": r.trained_recurred,
                "untrained": r.untrained,
                "untrained_recurred": r.untrained_recurred,
            }
            for r in rows
            if r.town == "合计"
        ],
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
