"""干 overview: a fixed number of queries whatever the targets (the summary is counted, not the rows listed)."""

import datetime

from tests.page_queries import page_queries
from zhibu.targets import services


def test_overview_queries_do_not_grow_with_targets(cast, login):
    year = datetime.date.today().year
    task = services.task_publish(
        district=cast.a.town.district, by=cast.admin, year=year, title="重点任务", description="说明"
    )

    def assign(branches, title):
        services.target_assign(
            task=task,
            branches=branches,
            title=title,
            unit="项",
            planned=3,
            due=datetime.date(year, 12, 31),
            milestones=[],
            by=cast.admin,
        )

    assign([cast.a], "目标一")
    client = login("admin")
    before = page_queries(client, f"/targets/?year={year}")
    assign([cast.a, cast.b, cast.c], "目标二")
    assert page_queries(client, f"/targets/?year={year}") == before <= 16
