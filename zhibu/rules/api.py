"""This area's REST endpoints; register(router) is called by zhibu/api.py.

`GET /api/v1/branches/<code>/compliance/?from=&to=&as_of=` gives exactly the engine's report.
"""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from zhibu.accounts.reach import get_visible_or_404, require
from zhibu.core.api import VALIDATION_ERROR_RESPONSE
from zhibu.orgs.models import Branch

from .adapter import branch_report
from .ledger import parse_date

# A report covers at most two committee terms, in years the records can hold: a window of centuries took
# minutes to evaluate, and one ending in 9999 overflowed the calendar (a 500).
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_WINDOW_YEARS = 10


def window_from_params(params, today: datetime.date | None = None):
    """(from, to, as_of) from query parameters; defaults: this year up to today. Chinese errors name the parameter."""
    today = today or datetime.date.today()
    values = {}
    for key, default in (("from", datetime.date(today.year, 1, 1)), ("to", today), ("as_of", None)):
        raw = (params.get(key) or "").strip()
        if not raw:
            values[key] = default
            continue
        parsed = parse_date(raw)
        if parsed is None:
            raise ValueError(f"参数 {key} 不是有效日期（应为 YYYY-MM-DD）：{raw}")
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise ValueError(f"参数 {key} 的年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间：{raw}")
        values[key] = parsed
    if values["from"] > values["to"]:
        raise ValueError("参数 from 不能晚于 to")
    if values["to"] > _years_later(values["from"], MAX_WINDOW_YEARS):
        raise ValueError(f"from 到 to 不能超过 {MAX_WINDOW_YEARS} 年")
    return values["from"], values["to"], values["as_of"]


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class BranchComplianceViewSet(viewsets.ViewSet):
    """A branch's compliance report (zhibu.compliance-report/1) over a window."""

    @extend_schema(
        summary="支部合规检查报告（zhibu.compliance-report/1）",
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, description="支部编码"),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="起始日期（含），默认当年1月1日；到 to 不超过 10 年"
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（含），默认今天"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="统计时点，默认等于 to"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: VALIDATION_ERROR_RESPONSE},
    )
    def list(self, request, code=None):
        branch = get_visible_or_404(
            Branch.objects.select_related("town"), request.user, "org.view", code=code
        )
        require(request.user, "rules.view", branch)
        try:
            from_, to, as_of = window_from_params(request.query_params)
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        return Response(branch_report(branch, from_, to, as_of))


def register(router) -> None:
    router.register(
        r"branches/(?P<code>[^/]+)/compliance", BranchComplianceViewSet, basename="branch-compliance"
    )
