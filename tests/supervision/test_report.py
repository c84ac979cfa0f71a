"""The annual assessment report opens as .xlsx (with its chart) and as PDF, for district, town and branch."""

import io

import pytest
from openpyxl import load_workbook


@pytest.fixture
def evaluated(cast):
    from zhibu.supervision import assess

    assess.evaluate_branches([cast.a, cast.b, cast.c], 2025)
    return cast


def test_xlsx_for_the_district_has_every_branch_and_a_chart(evaluated, login):
    response = login("admin").get("/supervision/report/2025.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["概况", "各乡镇", "支部得分", "扣分明细"]
    assert {row[1] for row in wb["支部得分"].iter_rows(min_row=2, values_only=True)} == {
        "T1-001",
        "T1-002",
        "T2-001",
    }
    assert wb["概况"]._charts
    summary = dict(wb["概况"].iter_rows(min_row=2, values_only=True))
    assert summary["范围"] == "测试区" and summary["参评支部"] == 3


def test_town_supervisor_gets_their_town_only(evaluated, login):
    response = login("supervisor").get("/supervision/report/2025.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert {row[1] for row in wb["支部得分"].iter_rows(min_row=2, values_only=True)} == {"T1-001", "T1-002"}
    assert dict(wb["概况"].iter_rows(min_row=2, values_only=True))["范围"] == "一号镇"
    assert login("supervisor").get("/supervision/report/2025.pdf?branch=T2-001").status_code == 404


def test_pdf_for_a_branch_and_a_town(evaluated, login):
    client = login("admin")
    for query in ("?branch=T1-001", "?town=T2", ""):
        response = client.get(f"/supervision/report/2025.pdf{query}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and len(response.content) > 1500
    assert client.get("/supervision/report/2025.doc").status_code == 404
