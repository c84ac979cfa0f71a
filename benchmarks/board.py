"""Benchmark: the supervision board of the demo district.

    ZHIBU_VAR_DIR=/tmp/x .venv/bin/zhibu demo-district          # once
    ZHIBU_VAR_DIR=/tmp/x .venv/bin/python benchmarks/board.py [--requests 200] [--boards 50] [--events 200]

1. board data: GET /supervision/board/data/ as the district admin (whole request: middleware, reach,
   aggregates, JSON), --requests times; p50/p95/max in milliseconds (target p95 < 50 ms).
2. event to board: --boards WebSocket consumers connected to the channel layer in use (in-process by
   default, Redis when REDIS_URL is set); --events events published one after another; latency from
   publish() to receipt by every board, p50/p95/max (target p95 < 2 s).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhibu.settings")


def percentile(values, p):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))], 2)


def board_data(requests: int) -> dict:
    from django.test import Client

    from zhibu.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="demo-admin"))
    client.get("/supervision/board/data/")  # warm
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get("/supervision/board/data/")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    data = response.json()
    return {
        "branches": data["figures"]["branches"],
        "requests": requests,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": round(max(times), 2),
    }


async def _latency(boards: int, events: int) -> dict:
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import transaction

    from zhibu.accounts.models import User
    from zhibu.core.events import publish
    from zhibu.orgs.models import Branch
    from zhibu.supervision.consumers import BoardConsumer

    admin = await sync_to_async(User.objects.get)(username="demo-admin")
    branch = await sync_to_async(lambda: Branch.objects.filter(town__district__code="huairou").first())()
    comms = []
    for _ in range(boards):
        c = WebsocketCommunicator(BoardConsumer.as_asgi(), "/ws/board/")
        c.scope["user"] = admin
        await c.connect()
        await c.receive_json_from(timeout=10)  # ready
        comms.append(c)

    def emit(i):
        with transaction.atomic():
            event = publish("bench.event", branch_id=branch.pk, payload={"simulated": True, "n": i})
        return event.pk

    latencies = []
    for i in range(events):
        started = time.perf_counter()
        pk = await sync_to_async(emit)(i)
        for c in comms:
            while True:
                msg = await c.receive_json_from(timeout=10)
                if msg.get("event", {}).get("id") == pk:
                    break
            latencies.append((time.perf_counter() - started) * 1000)
    for c in comms:
        await c.disconnect()
    from zhibu.supervision.models import Event

    await sync_to_async(lambda: Event.objects.filter(kind="bench.event").delete())()
    return {
        "boards": boards,
        "events": events,
        "deliveries": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "max_ms": round(max(latencies), 2),
    }


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--events", type=int, default=200)
    options = parser.parse_args()
    from zhibu.orgs.models import Branch

    if not Branch.objects.filter(town__district__code="huairou").exists():
        sys.exit("no demo district: run `zhibu demo-district` first (with the same ZHIBU_VAR_DIR)")
    result = {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "board_data": board_data(options.requests),
    }
    if options.boards and options.events:
        from asgiref.sync import async_to_sync

        result["event_to_board"] = async_to_sync(_latency)(options.boards, options.events)
    result["board_data_target_met"] = result["board_data"]["p95_ms"] < 50
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
