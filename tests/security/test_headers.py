"""Web hardening and a corpus of bad input: nothing outside the server, nothing inline, nothing executed."""

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from zhibu.core.models import Job
from zhibu.core.xlsx import workbook_bytes
from zhibu.orgs.models import Member

PAGES = [
    "/",
    "/orgs/",
    "/orgs/members/",
    "/orgs/branches/T1-001/",
    "/inbox/",
    "/accounts/me/",
    "/orgs/import/",
]


def test_security_headers_and_a_strict_policy(cast, login):
    response = login("secretary_a").get("/")
    policy = response["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_and_nothing_from_outside(cast, login, path):
    html = login("secretary_a").get(path).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_script_in_a_name_is_shown_as_text(cast, login):
    Member.objects.filter(pk=cast.member_of_a.pk).update(
        name='<script>alert(1)</script>"><img src=x onerror=1>'
    )
    html = login("secretary_a").get("/orgs/branches/T1-001/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "<img src=x" not in html


def test_exports_neutralise_formula_injection():
    data = workbook_bytes([("s", ["a", "b"], [['=HYPERLINK("http://x")', "+1"], ["@SUM(A1)", "-2+3"]])])
    sheet = load_workbook(io.BytesIO(data)).active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(isinstance(v, str) and v.startswith("'") for v in values)


def _upload(client, name, data):
    f = io.BytesIO(data)
    f.name = name
    response = client.post("/orgs/import/", {"file": f, "branch": "T1-001"})
    if response.status_code != 302:
        return response.content.decode()
    return Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1]).message


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("roster.xlsx", b"", "空文件"),
        ("roster.xlsx", "姓名,身份证号\n张三,1\n".encode("gbk"), "不是 Excel"),
        ("roster.xlsx", b"PK\x03\x04truncated", "已损坏"),
        ("../../etc/passwd.xlsx", b"PK\x03\x04truncated", "已损坏"),
        ("roster.xlsm", b"PK", "请上传 .xlsx"),
    ],
)
def test_bad_spreadsheets_get_a_clear_message(cast, login, name, data, message):
    assert message in _upload(login("secretary_a"), name, data)


def test_a_zip_bomb_dressed_as_xlsx_is_refused(cast, login):
    assert "解压后过大" in _upload(login("secretary_a"), "roster.xlsx", _zip_bomb())


def test_uploaded_names_cannot_escape_the_storage(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _upload(login("secretary_a"), "../../../../tmp/evil.xlsx", b"PK\x03\x04")
    job = Job.objects.latest("created")
    assert ".." not in job.file.name and (tmp_path / job.file.name).exists()
