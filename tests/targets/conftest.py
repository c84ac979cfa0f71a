"""A key task broken into a target for branch A (with milestones) and one for branch B."""

import datetime

import pytest


@pytest.fixture
def world(cast, settings, tmp_path):
    from zhibu.targets import services
    from zhibu.targets.models import Milestone

    settings.MEDIA_ROOT = tmp_path
    district = cast.a.town.district
    cast.task = services.task_publish(district=district, year=2026, title="环境整治", by=cast.admin)
    cast.target_a, cast.target_b = services.target_assign(
        task=cast.task,
        branches=[cast.a, cast.b],
        title="完成农村人居环境整治",
        unit="户",
        planned="40",
        due=datetime.date(2026, 12, 31),
        milestones=[
            ("完成入户摸排", datetime.date(2026, 6, 30)),
            ("完成整治验收", datetime.date(2026, 12, 1)),
        ],
        by=cast.admin,
    )
    cast.milestone_a = Milestone.objects.filter(target=cast.target_a).order_by("due").first()
    cast.report_a = services.report_submit(
        target=cast.target_a, text="已完成 10 户", figure="10", files=[png("现场.png")], by=cast.secretary_a
    )
    cast.evidence_a = cast.report_a.evidence.get()
    return cast


def png(name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
