"""Importing a branch's Excel 三会一课 台账: per-row error report, all or nothing, twice changes nothing."""

import io

from openpyxl import Workbook

from zhibu.records.chain import verify
from zhibu.records.models import Attendance, Meeting

HEADER = [
    "序号",
    "会议日期",
    "会议类型",
    "地点",
    "主持人",
    "记录人",
    "议题",
    "到会人员",
    "请假人员",
    "会议记录",
    "提交日期",
    "附件",
]


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["甲村党支部2025年三会一课台账"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    return out


GOOD = [
    [
        1,
        "2025.3.5",
        "主题党日、党员大会、党课",
        "活动室",
        "甲书记",
        "甲党务",
        "学习党章",
        "甲书记、甲党务",
        "甲党员（外出）",
        "书记领学党章。",
        "2025-03-06",
        "签到表、照片",
    ],
    [
        2,
        "2025年4月8日",
        "主题党日",
        "活动室",
        "甲书记",
        "甲党务",
        "志愿服务",
        "甲书记，甲党务，甲党员",
        "",
        "开展志愿服务。",
        "",
        "签到表",
    ],
]


def _upload(client, rows):
    response = client.post("/records/branches/T1-001/import/", {"file": _xlsx(rows)})
    assert response.status_code == 302
    return response["Location"]


def test_bad_rows_are_reported_and_nothing_is_imported(cast, login):
    client = login("secretary_a")
    bad = [
        *GOOD,
        [3, "2025-13-01", "主题党日", "活动室", "甲书记", "", "", "甲书记", "", "", "", ""],
        [4, "2025-05-06", "茶话会", "活动室", "张三", "", "", "甲书记", "", "", "", ""],
    ]
    job_url = _upload(client, bad)
    page = client.get(job_url).content.decode()
    assert "有 2 行有错误" in page and "2025-13-01" in page and "茶话会" in page and "张三" in page
    report = client.get(job_url + "errors.xlsx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    client.post(job_url)  # a confirm is refused
    assert not Meeting.objects.filter(branch=cast.a).exists()


def test_good_file_imports_once(cast, login):
    client = login("secretary_a")
    job_url = _upload(client, GOOD)
    assert "确认导入（新增 2 次会议）" in client.get(job_url).content.decode()
    client.post(job_url)
    meetings = Meeting.objects.filter(branch=cast.a).order_by("date")
    assert meetings.count() == 2
    first = meetings[0]
    assert first.types == ["theme_day", "general_meeting", "party_lecture"] and first.status == "submitted"
    leave = Attendance.objects.get(meeting=first, member=cast.member_of_a)
    assert leave.state == "leave" and leave.reason == "外出"
    assert set(first.attachments.values_list("kind", flat=True)) == {"signin", "photo"}
    assert meetings[1].submitted == meetings[1].date
    assert verify() == []
    again = _upload(client, GOOD)
    page = client.get(again).content.decode()
    assert "确认导入" not in page
    client.post(again)
    assert Meeting.objects.filter(branch=cast.a).count() == 2
