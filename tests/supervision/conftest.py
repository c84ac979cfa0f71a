import datetime

import pytest


@pytest.fixture
def sup(cast):
    """The cast plus one finding on branch A, one on B, and a dispatch to A and B."""
    from zhibu.supervision import services

    today = datetime.date.today()
    cast.finding_a = services.finding_create(
        branch=cast.a,
        category="record",
        severity="minor",
        text="记录不全",
        fix="补齐会议记录",
        deadline=today + datetime.timedelta(days=10),
        by=cast.supervisor,
    )
    cast.finding_b = services.finding_create(
        branch=cast.b,
        category="record",
        severity="minor",
        text="记录不全",
        fix="补齐会议记录",
        deadline=today + datetime.timedelta(days=10),
        by=cast.admin,
    )
    cast.dispatch = services.dispatch_create(
        district=cast.a.town.district,
        branches=[cast.a, cast.b],
        title="报送本月主题党日计划",
        body="请于期限前报送。",
        priority="urgent",
        deadline=today + datetime.timedelta(days=3),
        by=cast.admin,
    )
    cast.target_a = cast.dispatch.targets.get(branch=cast.a)
    cast.target_b = cast.dispatch.targets.get(branch=cast.b)
    cast.dispatch_b = services.dispatch_create(
        district=cast.a.town.district,
        branches=[cast.b],
        title="仅乙支部",
        body="内容",
        priority="normal",
        deadline=today + datetime.timedelta(days=3),
        by=cast.admin,
    )
    return cast


@pytest.fixture(autouse=True)
def board_data_uncached(settings):
    """Each test sees its own board data, not a copy shared from an earlier test with the same ids, and
    the board's missing-rows check runs again (an earlier test's rows were rolled back)."""
    from django.core.cache import cache

    settings.ZHIBU_BOARD_DATA_SECONDS = 0
    cache.clear()
