"""The 学时 export, as core.exports makes it: a town's at once, a district's of a city by the queue."""

from django.http import Http404
from django.utils.translation import gettext_noop

from zhibu.accounts.reach import get_visible_or_404, has_capability, visible
from zhibu.core.exports import Export
from zhibu.orgs.models import Town

from . import selectors

# Up to this many members (a district of a city has about 160,000) the sums are read once for the three
# sheets, some 40 MB; a whole city's 2.5 million would take the worker to hundreds of MB, so they are then
# read a chunk of members at a time: once for both summary sheets, once more for the member sheet.
READ_ONCE = 250_000


def hours_export(user, params: dict) -> Export:
    """Every current member's hours in the year (`year`) that the user may see, or of one town (`town`: its
    code): a sheet per town, one per branch, one per member."""
    if not has_capability(user, "learning.view"):
        raise Http404
    year = int(params["year"])
    members = visible(selectors.current_members(year), user, "learning.view").select_related("branch__town")
    if params.get("town"):
        town = get_visible_or_404(Town.objects.all(), user, "learning.view", code=params["town"])
        members = members.filter(branch__town=town)

    rows = members.count()

    def sheets():
        hours = selectors.Hours.read(members, year) if rows <= READ_ONCE else None
        summary_header = ["名称", "党员数", "已达标", "达标率（%）", "人均学时"]
        found = selectors.summaries_by(members, year, ("town", "branch"), hours)  # one reading for both

        def summary(by):
            return [[s.name, s.members, s.met, s.rate, s.average] for s in found[by]]

        header = ["乡镇（街道）", "支部", "姓名", "在线学时", "集中学习学时", "合计", "应完成", "尚差"]
        data = (
            [
                r.member.branch.town.name,
                r.member.branch.name,
                r.member.name,
                r.online,
                r.collective,
                r.total,
                r.required,
                r.owed,
            ]
            for r in selectors.iter_member_rows(members.order_by("branch__code", "id"), year, hours)
        )
        return [
            ("乡镇汇总", summary_header, summary("town")),
            ("支部汇总", summary_header, summary("branch")),
            ("党员明细", header, data),
        ]

    return Export(
        title=gettext_noop("学时统计"),
        filename=f"learning-hours-{year}.xlsx",
        rows=rows,
        sheets=sheets,
        action="library.hours_export",
        detail={"year": year, "town": params.get("town") or None},
    )
