"""The annual assessment report (年度考核评估报告) of a branch, a town or the district: .xlsx and PDF."""

from __future__ import annotations

import datetime
import io

from django.db.models import Avg, Count
from django.utils import timezone

from zhibu.accounts.reach import visible
from zhibu.core.xlsx import workbook_bytes

from .evaluation import DEFAULT_MODEL
from .models import DispatchTarget, Evaluation, Finding
from .services import timeliness

GRADES = ("优秀", "良好", "一般", "较差")
FONT = "STSong-Light"


def report_data(user, year: int, *, town=None, branch=None) -> dict:
    """Everything in the report, read through the reach mechanism."""
    evals = visible(Evaluation.objects.select_related("branch__town"), user, "supervision.view").filter(
        year=year
    )
    findings = visible(Finding, user, "supervision.view").filter(created_at__year=year)
    targets = visible(DispatchTarget, user, "supervision.view").filter(dispatch__deadline__year=year)
    if town is not None:
        evals, findings, targets = (
            evals.filter(branch__town=town),
            findings.filter(branch__town=town),
            targets.filter(branch__town=town),
        )
        scope = town.name
    elif branch is not None:
        evals, findings, targets = (
            evals.filter(branch=branch),
            findings.filter(branch=branch),
            targets.filter(branch=branch),
        )
        scope = branch.name
    else:
        from zhibu.orgs.models import District, Town

        from .scope import board_scope

        reach = board_scope(user)
        names = District.objects.filter(pk__in=reach.district_ids).values_list("name", flat=True)
        if not reach.district_ids:
            names = Town.objects.filter(pk__in=reach.town_ids).order_by("code").values_list("name", flat=True)
        scope = "、".join(names)
    rows = list(evals.order_by("branch__town__code", "branch__code"))
    grades = {g: 0 for g in GRADES}
    for e in rows:
        grades[e.grade] = grades.get(e.grade, 0) + 1
    towns = list(
        evals.values("branch__town__name", "branch__town__code")
        .annotate(n=Count("id"), avg=Avg("score"))
        .order_by("branch__town__code")
    )
    open_findings = findings.exclude(status=Finding.Status.CLOSED)
    today = timezone.localdate()
    return {
        "scope": scope,
        "year": year,
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "rows": rows,
        "grades": grades,
        "average": round(sum(e.score for e in rows) / len(rows), 1) if rows else None,
        "towns": [{"name": t["branch__town__name"], "n": t["n"], "avg": round(t["avg"], 1)} for t in towns],
        "findings": {
            "total": findings.count(),
            "closed": findings.filter(status=Finding.Status.CLOSED).count(),
            "open": open_findings.count(),
            "overdue": open_findings.filter(deadline__lt=today).count(),
        },
        "dispatch": timeliness(targets),
        "single": branch is not None,
    }


def _summary(data) -> list[list]:
    f, d = data["findings"], data["dispatch"]
    return [
        ["范围", data["scope"]],
        ["年度", data["year"]],
        ["参评支部", len(data["rows"])],
        ["平均得分", data["average"] if data["average"] is not None else "暂无数据"],
        *[[f"{g}（支部数）", n] for g, n in data["grades"].items()],
        ["督导意见（条）", f["total"]],
        ["已销号", f["closed"]],
        ["未销号", f["open"]],
        ["逾期未整改", f["overdue"]],
        ["调度指令（支部次）", d["total"]],
        ["按期办结率", f"{d['rate']}%" if d["rate"] is not None else "暂无数据"],
        ["生成时间", data["generated"]],
    ]


def xlsx_bytes(data) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference

    keys = [i.key for i in DEFAULT_MODEL.indicators]
    labels = [i.label for i in DEFAULT_MODEL.indicators]
    branch_rows = []
    details = []
    for e in data["rows"]:
        lines = {line["key"]: line for line in e.result.get("lines", [])}
        branch_rows.append(
            [e.branch.town.name, e.branch.code, e.branch.name, e.score, e.grade]
            + [
                lines[k]["earned"] if k in lines and lines[k]["earned"] is not None else "暂无数据"
                for k in keys
            ]
        )
        for k in keys:
            for r in lines.get(k, {}).get("reasons", []):
                details.append([e.branch.name, lines[k]["label"], r["text"], -r["points"]])
    sheets = [
        ("概况", ["项目", "数值"], _summary(data)),
        ("各乡镇", ["乡镇", "参评支部", "平均得分"], [[t["name"], t["n"], t["avg"]] for t in data["towns"]]),
        ("支部得分", ["乡镇", "支部编码", "支部", "得分", "等次", *labels], branch_rows),
        ("扣分明细", ["支部", "指标", "扣分原因", "扣分"], details),
    ]
    wb = load_workbook(io.BytesIO(workbook_bytes(sheets)))
    ws = wb["概况"]
    chart = BarChart()
    chart.title = "等次分布"
    chart.y_axis.title = "支部数"
    first = 5  # the grade rows in the summary sheet (header is row 1)
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=first + 3), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + 3))
    chart.legend = None
    ws.add_chart(chart, "D2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_bytes(data) -> bytes:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=26, alignment=1)
    h2 = ParagraphStyle("h", fontName=FONT, fontSize=13, leading=20, spaceBefore=8)
    body = ParagraphStyle("b", fontName=FONT, fontSize=10, leading=15)
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2DCDB")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    story = [
        Paragraph(f"{data['scope']} {data['year']} 年度支部组织生活考核评估报告", title),
        Spacer(1, 4 * mm),
    ]
    story.append(Paragraph("一、总体情况", h2))
    summary = Table(
        [["项目", "数值"], *[[str(a), str(b)] for a, b in _summary(data)]], colWidths=[60 * mm, 80 * mm]
    )
    summary.setStyle(grid)
    story.append(summary)
    if data["rows"]:
        drawing = Drawing(160 * mm, 60 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 15 * mm, 10 * mm, 130 * mm, 45 * mm
        chart.data = [[data["grades"][g] for g in GRADES]]
        chart.categoryAxis.categoryNames = list(GRADES)
        chart.categoryAxis.labels.fontName = FONT
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#b71c1c")
        drawing.add(chart)
        story += [Paragraph("等次分布", body), drawing]
    if data["towns"] and not data["single"]:
        story.append(Paragraph("二、各乡镇（街道）", h2))
        t = Table(
            [["乡镇", "参评支部", "平均得分"], *[[x["name"], x["n"], x["avg"]] for x in data["towns"]]],
            repeatRows=1,
        )
        t.setStyle(grid)
        story.append(t)
    if data["single"]:
        for e in data["rows"]:
            story.append(Paragraph(f"二、得分说明（{e.score} 分，{e.grade}）", h2))
            for line in e.result.get("lines", []):
                text = (
                    f"{line['label']}：暂无数据"
                    if line["status"] == "no_data"
                    else f"{line['label']}：{line['earned']} / {line['weight']}"
                )
                story.append(Paragraph(text, body))
                for r in line.get("reasons", []):
                    story.append(Paragraph(f"　· {r['text']}（-{r['points']}）", body))
    else:
        story.append(Paragraph("三、支部得分", h2))
        t = Table(
            [
                ["乡镇", "支部", "得分", "等次"],
                *[[e.branch.town.name, e.branch.name[:18], e.score, e.grade] for e in data["rows"]],
            ],
            repeatRows=1,
            colWidths=[35 * mm, 75 * mm, 20 * mm, 20 * mm],
        )
        t.setStyle(grid)
        story.append(t)
    if not data["rows"]:
        story.append(Paragraph("本年度尚未计算综合评估，暂无数据。", body))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{data['scope']}{data['year']}年度考核评估报告",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    return out.getvalue()


def filename(data, ext: str) -> str:
    return f"assessment-{data['year']}.{ext}"


def default_year() -> int:
    return datetime.date.today().year
