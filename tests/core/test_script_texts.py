"""The page scripts' texts (the board, the exam clock, the charts) follow the chosen language like the pages."""

import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "zhibu/locale/en/LC_MESSAGES/djangojs.mo"
SCRIPTS = sorted((ROOT / "zhibu/static").glob("*/*.js"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_chinese_text_in_a_script_goes_through_gettext():
    for script in SCRIPTS:
        code = re.sub(r"/\*.*?\*/|^\s*//.*$", "", script.read_text(), flags=re.S | re.M)
        for text in re.findall(r'"((?:[^"\\]|\\.)*)"', code):
            if CHINESE.search(text):
                assert f'gettext("{text}")' in code, f"{script.name}: “{text}” is not translatable"


def test_the_english_catalog_translates_every_script_text():
    with CATALOG.open("rb") as f:
        english = gettext.GNUTranslations(f)
    for script in SCRIPTS:
        for text in re.findall(r'gettext\("((?:[^"\\]|\\.)*)"\)', script.read_text()):
            assert english.gettext(text) != text, f"{script.name}: “{text}” has no English in djangojs.po"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_catalog_is_served_in_the_users_language(db, client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get(f"/i18n/js/?lang={language}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    catalog = response.content.decode()
    assert "globals.gettext" in catalog and "private" in response["Cache-Control"]
    # Chinese is the scripts' own text; English comes from the catalog.
    assert ("Present %(present)s / expected %(expected)s" in catalog) == (language == "en")


def test_pages_load_the_catalog_before_their_scripts(cast, login):
    page = login("member_a").get("/").content.decode()
    assert page.index('src="/i18n/js/?lang=zh-hans"') < page.index("zhibu/zhibu.js")
