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
    from zhibu.orgs.models import Branch, Town

    from . import effect
    from .selectors import effect_inputs

    job = Job.objects.get(pk=job_id)
    district_id = job.params["district"]
    start, end = (datetime.date.fromisoformat(job.params[k]) for k in ("start", "end"))
    towns = list(Town.objects.filter(district_id=district_id).order_by("code"))
    job.progress(0, len(towns), "正在检查各乡镇（街道）支部的组织生活")
    occurrences, trainings = [], []
    try:
        for i, town in enumerate(towns, start=1):
            occ, tr = effect_inputs(Branch.objects.filter(town=town), start, end)
            occurrences += occ
            trainings += tr
            job.progress(i, message=f"已检查 {town.name}")
        rows = effect.measure(occurrences, trainings)
    except Exception as exc:  # noqa: BLE001 — the page shows the failure instead of waiting forever
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=f"计算失败：{exc}"[:300])
        raise
    data = [dataclasses.asdict(r) for r in rows]
    cache.set(cache_key(district_id, start, end), rows, CACHE_SECONDS)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, result={"rows": data}, done=len(towns))
