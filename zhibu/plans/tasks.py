"""The effect measure as a background job: every branch of the district is checked, town by town."""

from __future__ import annotations

import dataclasses
import datetime

from celery import shared_task
from django.core.cache import cache

from zhibu.core.models import Job

KIND = "plans.effect"
CACHE_SECONDS = 6 * 3600


def cache_key(district_id: int, start: datetime.date, end: datetime.date) -> str:
    return f"plans-effect-{district_id}-{start}-{end}"


@shared_task
def effect_compute(job_id: str) -> None:
    from .selectors import effect_measure

    job = Job.objects.get(pk=job_id)
    district_id = job.params["district"]
    start, end = (datetime.date.fromisoformat(job.params[k]) for k in ("start", "end"))
    try:
        rows = effect_measure(district_id, start, end, job.progress)
    except Exception as exc:  # noqa: BLE001 — the page shows the failure instead of waiting forever
        job.finish(failed=f"计算失败：{exc}")
        raise
    cache.set(cache_key(district_id, start, end), rows, CACHE_SECONDS)
    job.finish(result={"rows": [dataclasses.asdict(r) for r in rows]})
