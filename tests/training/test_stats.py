"""Statistics: person-times by category, town and role; pass rates; the chart's data; the .xlsx export."""

import io

from openpyxl import load_workbook

from zhibu.training import services

from .conftest import enrolment_of


def test_person_times_and_export(cast, course, login):
    for name in ("甲书记", "甲党员", "丙党员"):
        services.sign_in(session=course.session, member_id=enrolment_of(course.klass, name).member_id)
    services.class_finalize(klass=course.klass)
    page = login("admin").get("/training/statistics/")
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["chart"]["series"][0]["data"] == [3]
    f = page.context["f"]
    assert f["person_times"] == 3 and f["people"] == 3
    assert ("全员轮训", 3, 3, 1, 75.0) in f["by_category"]
    assert ("一号镇", 3, 3, 1, 75.0) in f["by_town"]
    assert ("书记", 1, 1, 0, 100.0) in f["by_role"]
    assert 'id="chart-data"' in html and "echarts.min.js" in html
    # A supervisor of town T1 sees T1's figures; secretary B sees none of them.
    assert login("secretary_b").get("/training/statistics/").context["f"]["person_times"] == 0
    xlsx = login("admin").get("/training/statistics.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["按类别", "按乡镇", "按职务"]
    assert [c.value for c in wb["按乡镇"][2]] == ["一号镇", 3, 3, 1, 75]
