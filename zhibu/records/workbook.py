"""Import a branch's existing Excel 三会一课 台账: one row per meeting, a per-row error report, all or nothing.

Reading is tolerant (header names that vary, dates as offices write them, names separated by 、，, or
spaces, reasons in brackets); writing is strict: nothing is written unless every row is valid. A row
that matches a record already in the platform (same date, types and topic) is left alone, so importing
the same file twice changes nothing. Imported records count as submitted on their 提交日期 (or the
meeting date) and are sealed into the branch's chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_noop

from zhibu.core.dates import normalise, parse_date
from zhibu.core.xlsx import MAX_ROWS, WorkbookError, open_workbook
from zhibu.orgs.models import Branch, Member

from .models import Attachment, Attendance, Meeting

HEADERS = {
    "date": ["会议日期", "日期", "召开日期", "会议时间", "时间", "活动日期"],
    "types": ["会议类型", "类型", "会议类别", "类别", "活动类型"],
    "place": ["会议地点", "地点", "活动地点"],
    "chair": ["主持人", "主持"],
    "recorder": ["记录人", "记录"],
    "topic": ["议题", "会议议题", "会议主题", "主题", "活动主题"],
    "lecturer": ["授课人", "主讲人", "讲课人"],
    "group": ["党小组"],
    "present": ["到会人员", "实到人员", "参会人员", "出席人员", "到会党员"],
    "leave": ["请假人员", "请假党员"],
    "absent": ["缺席人员", "缺席党员", "未到人员"],
    "minutes": ["会议记录", "会议内容", "主要内容", "记录内容"],
    "submitted": ["提交日期", "上传日期", "报送日期"],
    "attachments": ["附件", "佐证材料", "资料"],
}
LABELS = {key: names[0] for key, names in HEADERS.items()}
_LOOKUP = {normalise(n): key for key, names in HEADERS.items() for n in names}
TYPE_WORDS = [
    ("主题党日", "theme_day"),
    ("党员大会", "general_meeting"),
    ("支委会", "committee_meeting"),
    ("支部委员会", "committee_meeting"),
    ("党小组会", "group_meeting"),
    ("党课", "party_lecture"),
    ("组织生活会", "org_life_meeting"),
    ("民主评议", "democratic_appraisal"),
]
ATTACHMENT_WORDS = [
    ("签到", "signin"),
    ("照片", "photo"),
    ("图片", "photo"),
    ("扫描", "minutes_scan"),
    ("视频", "video"),
    ("录音", "audio"),
    ("音频", "audio"),
]
_SPLIT = re.compile(r"[、，,；;\s/]+")
_REASON = re.compile(r"^(.+?)[（(](.*?)[)）]$")


@dataclass
class Row:
    number: int
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    fate: str = ""
    summary: str = ""
    clean: dict = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.append((LABELS.get(column, column), message))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(fileobj) -> tuple[list[Row], list[str]]:
    wb = open_workbook(fileobj)
    raw = []
    for n, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
        if n > MAX_ROWS:
            raise WorkbookError(f"行数超过 {MAX_ROWS}，请拆分后再导入")
        raw.append(values)
    wb.close()
    best = (-1, {})
    for index, row in enumerate(raw[:15]):
        columns = {}
        for col, cell in enumerate(row):
            key = _LOOKUP.get(normalise(_text(cell)))
            if key and key not in columns.values():
                columns[col] = key
        if len(columns) > len(best[1]):
            best = (index, columns)
    header, columns = best
    if not {"date", "types"} <= set(columns.values()):
        raise WorkbookError("没有找到表头：第一张工作表的前 15 行中应有“会议日期”和“会议类型”列")
    rows = [
        Row(n, {key: values[col] for col, key in columns.items() if col < len(values)})
        for n, values in enumerate(raw[header + 1 :], start=header + 2)
    ]
    return rows, [LABELS[k] for k in columns.values()]


class _People:
    """Names of the branch's members as a 台账 writes them; ambiguous and unknown names are errors."""

    def __init__(self, branch: Branch):
        self.by_name: dict[str, list[Member]] = {}
        for m in Member.objects.filter(branch=branch).order_by("id"):
            self.by_name.setdefault(re.sub(r"\s+", "", m.name), []).append(m)

    def one(self, row: Row, column: str, name: str, day) -> Member | None:
        found = self.by_name.get(re.sub(r"\s+", "", name), [])
        current = [m for m in found if m.joined <= day and (m.left is None or m.left > day)] or found
        if not found:
            row.error(column, f"“{name}”不是本支部党员（请核对姓名）")
        elif len(current) > 1:
            row.error(column, f"本支部有{len(current)}名党员叫“{name}”，无法区分，请在平台上登记")
        return current[0] if len(current) == 1 else None


def _clean(row: Row, people: _People, groups: dict[str, int]) -> None:
    v = row.values
    if all(_text(x) == "" for x in v.values()):
        row.fate = "skip"
        return
    out = row.clean
    for key in ("date", "submitted"):
        try:
            out[key] = parse_date(v.get(key))
        except ValueError as exc:
            row.error(key, str(exc))
            out[key] = None
    if out.get("date") is None and not any(c == LABELS["date"] for c, _ in row.errors):
        row.error("date", "会议日期不能为空")
    words = _text(v.get("types"))
    out["types"] = list(dict.fromkeys(code for word, code in TYPE_WORDS if word in words))
    if not out["types"]:
        row.error(
            "types",
            f"无法识别的会议类型“{words}”（可写：主题党日、党员大会、支委会、党小组会、党课、组织生活会、民主评议）",
        )
    for key in ("place", "topic", "minutes"):
        out[key] = _text(v.get(key))[: 100 if key == "place" else 200 if key == "topic" else 20000]
    day = out.get("date")
    if day is None:
        return
    for key in ("chair", "recorder"):
        name = _text(v.get(key))
        out[key] = people.one(row, key, name, day) if name else None
    lecturer = _text(v.get("lecturer"))
    out["lecturer"], out["lecturer_text"] = None, ""
    if lecturer:
        if re.sub(r"\s+", "", lecturer) in people.by_name:
            out["lecturer"] = people.one(row, "lecturer", lecturer, day)
        else:
            out["lecturer_text"] = lecturer[:100]
    group = _text(v.get("group"))
    out["group"] = groups.get(group) if group else None
    if group and out["group"] is None:
        row.error("group", f"本支部没有党小组“{group}”")
    if "group_meeting" in out["types"] and not group:
        row.error("group", "党小组会请填写党小组")
    out["attendance"] = []
    seen: set[int] = set()
    for key, state in (("present", "present"), ("leave", "leave"), ("absent", "absent")):
        for item in _SPLIT.split(_text(v.get(key))):
            if not item:
                continue
            match = _REASON.match(item)
            name, reason = (match.group(1), match.group(2)) if match else (item, "")
            member = people.one(row, key, name, day)
            if member is None:
                continue
            if member.pk in seen:
                row.error(key, f"“{name}”在出缺席名单中重复出现")
                continue
            seen.add(member.pk)
            out["attendance"].append((member, state, reason[:200]))
    if not any(s == "present" for _, s, _ in out["attendance"]) and not row.errors:
        row.error("present", "到会人员不能为空")
    words = _text(v.get("attachments"))
    out["attachments"] = sorted({code for word, code in ATTACHMENT_WORDS if word in words})
    if out["submitted"] and out["submitted"] < day:
        row.error("submitted", "提交日期早于会议日期")
    row.summary = f"{day} {'、'.join(w for w, c in TYPE_WORDS if c in out['types'])} {out['topic']}".strip()


CHECKING = gettext_noop("正在核对台账")  # stored untranslated; the job's page translates what it shows
WRITING = gettext_noop("正在写入台账")


def _silent(done: int, total: int, message: str) -> None:
    pass


def plan(fileobj, branch: Branch, *, progress=None) -> dict:
    """Every row's fate (create / same / error / skip); `valid` when the whole file can be imported.

    `progress(done, total, message)` hears of the rows checked."""
    return _plan(fileobj, branch, progress)[0]


def _plan(fileobj, branch: Branch, progress=None) -> tuple[dict, list[Row]]:
    report = progress or _silent
    rows, columns = read_rows(fileobj)
    report(0, len(rows), CHECKING)
    people = _People(branch)
    groups = {g.name: g.pk for g in branch.groups.all()}
    existing = {
        (m.date, tuple(sorted(m.types)), m.topic)
        for m in Meeting.objects.filter(branch=branch).only("date", "types", "topic")
    }
    seen = set()
    for i, row in enumerate(rows, start=1):
        if i % 50 == 0:
            report(i, len(rows), CHECKING)
        _clean(row, people, groups)
        if row.fate == "skip":
            continue
        if row.errors:
            row.fate = "error"
            continue
        key = (row.clean["date"], tuple(sorted(row.clean["types"])), row.clean["topic"])
        if key in seen:
            row.error("date", "与表格中另一行是同一次会议（日期、类型、议题相同）")
            row.fate = "error"
            continue
        seen.add(key)
        row.fate = "same" if key in existing else "create"
    report(len(rows), len(rows), CHECKING)
    counts = {f: sum(1 for r in rows if r.fate == f) for f in ("create", "same", "error")}
    result = {
        "rows": [
            {"number": r.number, "summary": r.summary, "fate": r.fate, "errors": r.errors}
            for r in rows
            if r.fate != "skip"
        ],
        "counts": counts,
        "columns": columns,
        "valid": counts["error"] == 0 and counts["create"] > 0,
    }
    return result, rows


@transaction.atomic
def apply(fileobj, branch: Branch, by=None, *, progress=None) -> dict:
    """Write the file's new records, all or nothing (a file with any error writes nothing).

    `progress(done, total, message)` hears of the rows checked, then of the rows written (those with
    nothing to write count as written from the start)."""
    from .services import seal

    result, rows = _plan(fileobj, branch, progress)
    if result["counts"]["error"]:
        return result
    todo = sorted((r for r in rows if r.fate == "create"), key=lambda r: (r.clean["date"], r.number))
    unchanged = len(rows) - len(todo)
    report = progress or _silent
    report(unchanged, len(rows), WRITING)
    for written, row in enumerate(todo, start=1):
        c = row.clean
        meeting = Meeting.objects.create(
            branch=branch,
            types=c["types"],
            date=c["date"],
            place=c["place"],
            topic=c["topic"],
            minutes=c["minutes"],
            chair=c["chair"],
            recorder=c["recorder"],
            lecturer=c["lecturer"],
            lecturer_text=c["lecturer_text"],
            group_id=c["group"],
            status=Meeting.Status.SUBMITTED,
            submitted=c["submitted"] or c["date"],
            created_by=by,
        )
        Attendance.objects.bulk_create(
            [
                Attendance(meeting=meeting, member=m, state=s, reason=r, imported=True)
                for m, s, r in c["attendance"]
            ]
        )
        Attachment.objects.bulk_create(
            [
                Attachment(
                    meeting=meeting,
                    kind=k,
                    name=f"台账导入：{Attachment.Kind(k).label}（纸质存档）",
                    content_type="",
                    sha256="",
                )
                for k in c["attachments"]
            ]
        )
        seal(meeting)
        report(unchanged + written, len(rows), WRITING)
    result["applied"] = True
    result["valid"] = False
    return result
