"""Documents generated from the records, never typed twice: sign-in sheet (PDF), 工作手册 (xlsx, PDF)."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from zhibu.core.xlsx import workbook_bytes

from .models import Attendance, Meeting

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=14, leading=20, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=17),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=11, leading=15),
    }


def _esc(text) -> str:
    return (
        str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


def _table(rows, widths, header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),
                ("FONTSIZE", (0, 0), (-1, -1), 12),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    if header_rows:
        table.setStyle(
            TableStyle([("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#F2DCDB"))])
        )
    return table


def signin_sheet_pdf(meeting: Meeting, expected) -> bytes:
    """A4 sign-in sheet: one row per expected attendee, large enough for elderly members to sign."""
    s = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="签到表",
    )
    when = f"{meeting.date:%Y年%m月%d日}" + (f" {meeting.start_time:%H:%M}" if meeting.start_time else "")
    story = [
        Paragraph(_esc(f"{meeting.branch.name}{meeting.type_label}签到表"), s["title"]),
        Paragraph(_esc(f"时间：{when}    地点：{meeting.place or '　　　　'}"), s["body"]),
        Paragraph(_esc(f"议题：{meeting.topic or '　　　　'}"), s["body"]),
        Paragraph(_esc(f"应到 {len(expected)} 人，实到____人，请假____人，缺席____人"), s["body"]),
        Spacer(1, 4 * mm),
    ]
    rows = [["序号", "姓名", "党员类别", "本人签名", "请假/缺席原因"]]
    for n, m in enumerate(expected, start=1):
        full = m.full_since is not None and m.full_since <= meeting.date
        rows.append([str(n), m.name, "正式" if full else "预备", "", ""])
    for n in range(len(expected) + 1, len(expected) + 4):
        rows.append([str(n), "", "", "", ""])
    story.append(_table(rows, [14 * mm, 32 * mm, 24 * mm, 55 * mm, 55 * mm]))
    story += [Spacer(1, 6 * mm), Paragraph("主持人：____________　　记录人：____________", s["body"])]
    doc.build(story)
    return out.getvalue()


def _year_meetings(branch, year):
    return (
        Meeting.objects.filter(branch=branch, date__year=year)
        .select_related("chair", "recorder", "lecturer", "group")
        .prefetch_related("attendance__member", "resolutions", "attachments")
        .order_by("date", "id")
    )


def _counts(meeting):
    rows = list(meeting.attendance.all())
    present = [a.member.name for a in rows if a.state == Attendance.State.PRESENT]
    leave = [
        f"{a.member.name}（{a.reason or '未写原因'}）" for a in rows if a.state == Attendance.State.LEAVE
    ]
    absent = [
        f"{a.member.name}（{a.reason or '未写原因'}）" for a in rows if a.state == Attendance.State.ABSENT
    ]
    return present, leave, absent


def _lecturer(m: Meeting) -> str:
    return m.lecturer.name if m.lecturer else m.lecturer_text


def handbook_xlsx(branch, year: int) -> bytes:
    meetings = list(_year_meetings(branch, year))
    main, people, votes = [], [], []
    for m in meetings:
        present, leave, absent = _counts(m)
        main.append(
            [
                m.date.isoformat(),
                m.type_label,
                m.topic,
                m.place,
                m.chair.name if m.chair else "",
                m.recorder.name if m.recorder else "",
                _lecturer(m),
                m.group.name if m.group else "",
                len(present),
                len(leave),
                len(absent),
                m.get_status_display(),
                m.submitted.isoformat() if m.submitted else "",
                "、".join(sorted({a.get_kind_display() for a in m.attachments.all()})),
                m.minutes,
            ]
        )
        for a in m.attendance.all():
            people.append(
                [
                    m.date.isoformat(),
                    m.type_label,
                    a.member.name,
                    a.get_state_display(),
                    a.reason,
                    "是" if a.by_proxy else "",
                ]
            )
        for r in m.resolutions.all():
            votes.append(
                [m.date.isoformat(), m.type_label, r.title, r.yes, r.no, r.abstain, r.get_declared_display()]
            )
    return workbook_bytes(
        [
            (
                f"{year}年会议纪实",
                [
                    "日期",
                    "会议类型",
                    "议题",
                    "地点",
                    "主持人",
                    "记录人",
                    "授课人",
                    "党小组",
                    "到会",
                    "请假",
                    "缺席",
                    "状态",
                    "提交日期",
                    "附件",
                    "会议记录",
                ],
                main,
            ),
            ("出缺席登记", ["日期", "会议类型", "姓名", "出席情况", "原因", "代签"], people),
            ("表决事项", ["日期", "会议类型", "表决事项", "赞成", "反对", "弃权", "结果"], votes),
        ]
    )


def handbook_pdf(branch, year: int) -> bytes:
    s = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{branch.name}{year}年工作手册",
    )
    meetings = list(_year_meetings(branch, year))
    story = [
        Spacer(1, 40 * mm),
        Paragraph(_esc(f"{branch.name}"), s["title"]),
        Paragraph(_esc(f"{year}年党支部工作手册"), s["title"]),
        Paragraph(_esc(f"（由平台会议纪实自动生成，共 {len(meetings)} 次会议）"), s["body"]),
        PageBreak(),
    ]
    for m in meetings:
        present, leave, absent = _counts(m)
        story.append(Paragraph(_esc(f"{m.date:%Y年%m月%d日} {m.type_label}"), s["h2"]))
        facts = [
            ("地点", m.place),
            ("议题", m.topic),
            ("主持人", m.chair.name if m.chair else ""),
            ("记录人", m.recorder.name if m.recorder else ""),
            ("授课人", _lecturer(m)),
            ("到会", f"{len(present)} 人：{'、'.join(present)}"),
            ("请假", "；".join(leave) or "无"),
            ("缺席", "；".join(absent) or "无"),
        ]
        rows = [[Paragraph(k, s["cell"]), Paragraph(_esc(v), s["cell"])] for k, v in facts if v]
        story.append(_table(rows, [24 * mm, 150 * mm], header_rows=0))
        if m.resolutions.all():
            story.append(Paragraph("表决事项", s["body"]))
            for r in m.resolutions.all():
                story.append(
                    Paragraph(
                        _esc(
                            f"{r.title}：赞成 {r.yes}，反对 {r.no}，弃权 {r.abstain}，"
                            f"{r.get_declared_display()}"
                        ),
                        s["body"],
                    )
                )
        if m.minutes:
            story.append(Paragraph("会议记录", s["body"]))
            story.append(Paragraph(_esc(m.minutes), s["body"]))
        story.append(Spacer(1, 5 * mm))
    doc.build(story)
    return out.getvalue()
