"""Roster import as organisation departments really keep their spreadsheets."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from zhibu.core.models import Job
from zhibu.orgs.models import Group, Member

# Valid synthetic ID numbers (check digits correct).
ID1, ID2, ID3, ID4 = "11011619650712001X", "110116197203040023", "110116198811110034", "11011619990101004X"


def xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if len(rows[0]) == 1:
        ws.merge_cells("A1:H1")  # a title banner over the header, as real rosters have
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "roster.xlsx"
    return out


def messy_rows(bad: bool = False):
    return [
        ["甲村党支部党员花名册（2026年）"],
        [],
        [
            "名字",
            "性别",
            "出生年月",
            "公民身份号码",
            "联系电话",
            "入党日期",
            "转正时间",
            "党小组",
            "党内职务",
        ],
        [
            "张 大山",
            "男",
            "1965.07",
            ID1,
            "１３９１２３４５６７８",
            "1990.07",
            "1991年7月",
            "第一党小组",
            "组织委员",
        ],
        ["李秀英", "女", None, ID2, "13800000002", "2001年7月", "2002-7-1", "第一党小组", ""],
        [None, None, None, None, None, None, None, None, None],
        ["王小明", "", "1988-11-11", ID3, "", 40360, None, "第二党小组", ""],  # Excel serial 2010-07-01
        [
            "赵四",
            "男",
            "1999年1月1日",
            ID4 if not bad else "110116199901010049",
            "",
            "２０２１.０７.０１",
            "",
            "",
            "",
        ],
    ]


def _upload(client, rows, branch="T1-001"):
    response = client.post("/orgs/import/", {"file": xlsx(rows), "branch": branch})
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_messy_roster_previews_every_row_then_imports(cast, login):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    assert job.status == "done"
    fates = {r["name"]: r["fate"] for r in job.result["rows"] if r["fate"] != "skip"}
    assert fates == {"张大山": "create", "李秀英": "create", "王小明": "create", "赵四": "create"}
    assert not Member.objects.filter(name="张大山").exists(), "preview writes nothing"

    page = client.get(f"/orgs/import/{job.pk}/")
    assert "确认导入" in page.content.decode()
    client.post(f"/orgs/import/{job.pk}/")
    zhang = Member.objects.get(name="张大山")
    assert zhang.branch == cast.a
    assert zhang.phone == "13912345678"  # full-width digits normalised
    assert zhang.birth_date == datetime.date(1965, 7, 1)
    assert zhang.party_joined == datetime.date(1990, 7, 1)
    assert zhang.full_since == datetime.date(1991, 7, 1)
    assert zhang.roles.get().title == "组织委员"
    wang = Member.objects.get(name="王小明")
    assert wang.party_joined == datetime.date(2010, 7, 1)  # from an Excel serial
    assert wang.gender == "M"  # from the ID number
    assert Member.objects.get(name="李秀英").birth_date == datetime.date(1972, 3, 4)
    assert Member.objects.get(name="赵四").full_since == datetime.date(2022, 7, 1)  # one year after joining
    assert set(Group.objects.filter(branch=cast.a).values_list("name", flat=True)) == {
        "第一党小组",
        "第二党小组",
    }


def test_reimporting_the_same_file_changes_nothing(cast, login):
    client = login("secretary_a")
    job = _upload(client, messy_rows())
    client.post(f"/orgs/import/{job.pk}/")
    count = Member.objects.count()
    again = _upload(client, messy_rows())
    assert {r["fate"] for r in again.result["rows"] if r["fate"] != "skip"} == {"same"}
    client.post(f"/orgs/import/{again.pk}/")
    assert Member.objects.count() == count


def test_one_bad_row_imports_nothing_and_says_where(cast, login):
    client = login("secretary_a")
    before = Member.objects.count()
    job = _upload(client, messy_rows(bad=True))
    bad = [r for r in job.result["rows"] if r["fate"] == "error"]
    assert len(bad) == 1 and bad[0]["number"] == 8
    assert bad[0]["errors"][0][0] == "身份证号" and "校验位" in bad[0]["errors"][0][1]
    response = client.post(f"/orgs/import/{job.pk}/")
    assert response.status_code == 302
    assert Member.objects.count() == before
    report = client.get(f"/orgs/import/{job.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert [c.value for c in sheet[2]] == [8, "赵四", "身份证号", bad[0]["errors"][0][1]]


def test_duplicate_id_numbers_in_a_file_are_errors(cast, login):
    rows = messy_rows()
    rows[4][3] = ID1
    job = _upload(login("secretary_a"), rows)
    errors = {r["number"]: r["errors"] for r in job.result["rows"] if r["errors"]}
    assert "与第 4 行重复" in errors[5][0][1]


def test_a_person_of_another_branch_must_be_transferred_not_imported(cast, login):
    rows = messy_rows()
    rows[3][3] = "110116197505050059"  # 乙书记 of branch B
    job = _upload(login("secretary_a"), rows)
    errors = [e for r in job.result["rows"] for e in r["errors"]]
    assert any("组织关系转接" in msg for _, msg in errors)


def test_unreadable_files_get_a_clear_message(cast, login):
    client = login("secretary_a")
    junk = io.BytesIO(b"not a spreadsheet")
    junk.name = "roster.xlsx"
    response = client.post("/orgs/import/", {"file": junk, "branch": "T1-001"})
    job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert job.status == "failed" and "不是 Excel" in job.message
    wrong = io.BytesIO(b"a,b")
    wrong.name = "roster.csv"
    response = client.post("/orgs/import/", {"file": wrong, "branch": "T1-001"})
    assert "请上传 .xlsx" in response.content.decode()


def test_a_town_wide_roster_needs_the_branch_column(cast, login):
    rows = [
        ["所在支部", "姓名", "身份证号", "入党时间"],
        ["甲村党支部", "钱一", ID3, "2010.07"],
        ["乙社区党支部", "孙二", ID4, "2021.07"],
    ]
    job = _upload(login("admin"), rows, branch="")
    fates = {r["name"]: r["fate"] for r in job.result["rows"]}
    assert fates == {"钱一": "create", "孙二": "create"}
    job = _upload(login("secretary_a"), rows, branch="")
    errors = {r["name"]: r["errors"] for r in job.result["rows"]}
    assert "找不到支部" in errors["孙二"][0][1]


def test_export_round_trips(cast, login):
    client = login("secretary_a")
    data = client.get("/orgs/export.xlsx?branch=T1-001").getvalue()  # a file streamed: read once
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["所在支部", "姓名", "性别"]
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"甲书记", "甲党员", "甲党务"}
    assert all("*" in row[6] for row in sheet.iter_rows(min_row=2, values_only=True))  # masked by default
    out = io.BytesIO(data)
    out.name = "export.xlsx"
    job = Job.objects.get(
        pk=client.post("/orgs/import/", {"file": out, "branch": "T1-001"})["Location"]
        .rstrip("/")
        .rsplit("/", 1)[-1]
    )
    # A masked export cannot be re-imported as identities: it says so row by row rather than corrupting data.
    assert all(r["fate"] == "error" for r in job.result["rows"] if r["fate"] != "skip")
    full = client.get("/orgs/export.xlsx?branch=T1-001&full=1")
    out = io.BytesIO(full.getvalue())
    out.name = "export.xlsx"
    job = Job.objects.get(
        pk=client.post("/orgs/import/", {"file": out, "branch": "T1-001"})["Location"]
        .rstrip("/")
        .rsplit("/", 1)[-1]
    )
    assert {r["fate"] for r in job.result["rows"] if r["fate"] != "skip"} == {"same"}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2001.07", datetime.date(2001, 7, 1)),
        ("2001年7月", datetime.date(2001, 7, 1)),
        ("2001-7-1", datetime.date(2001, 7, 1)),
        ("２００１．０７", datetime.date(2001, 7, 1)),
        (36892, datetime.date(2001, 1, 1)),
        ("20010701", datetime.date(2001, 7, 1)),
        ("2001年7月1日", datetime.date(2001, 7, 1)),
        ("2001/07/01", datetime.date(2001, 7, 1)),
        ("", None),
    ],
)
def test_dates_as_offices_write_them(text, expected):
    from zhibu.core.dates import parse_date

    assert parse_date(text) == expected


def test_unreadable_dates_say_how_to_write_them():
    from zhibu.core.dates import parse_date

    with pytest.raises(ValueError, match="2001-07-01"):
        parse_date("去年七月")
