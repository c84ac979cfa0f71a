"""Building records for tests through the services, as the pages do."""

import datetime

from zhibu.orgs.models import Member
from zhibu.records import services


def held_meeting(
    branch, by, *, types=("general_meeting",), day=datetime.date(2025, 3, 5), present=None, **extra
):
    """A meeting planned, attended (every member of the branch, unless `present` says who) and minuted."""
    members = list(Member.objects.filter(branch=branch).order_by("id"))
    meeting = services.meeting_plan(
        branch=branch,
        types=list(types),
        date=day,
        by=by,
        place="党员活动室",
        topic="学习贯彻全会精神",
        chair=members[0],
        recorder=members[-1],
        **extra,
    )
    for m in members if present is None else present:
        services.sign_in(meeting=meeting, member=m)
    services.meeting_update(meeting=meeting, minutes="会议传达学习了全会精神，党员逐一发言。")
    return meeting
