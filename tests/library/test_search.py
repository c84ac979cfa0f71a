"""Chinese search: segmentation, ranking, highlighting, filters, hostile input; on SQLite and PostgreSQL."""

import pytest

from zhibu.library import services
from zhibu.library.models import Item, Tag
from zhibu.library.search import search, snippet

HOSTILE = [
    '"',
    '三会一课"',
    "NEAR(党员 支部)",
    "党员 OR 1=1; DROP TABLE library_item; --",
    "a* AND b^ NOT c:",
    "'); SELECT * FROM accounts_user; --",
    "😀🚩",
    "()[]{}*:^-+~|&!<>",
    "手册" * 200,
    "\x00\x01",
    "<script>alert(1)</script>",
]


@pytest.fixture
def items(cast, library):
    district = cast.a.town.district
    make = lambda **kw: services.item_save(item=Item(district=district, **kw))  # noqa: E731
    return {
        "title": make(kind="case", title="主题党日活动规范化", practice="每月固定一天开展活动"),
        "body": make(kind="exemplar", title="扎根山区的老书记", body="他坚持每月组织主题党日，带领群众修路"),
        "other": make(kind="case", title="村级集体经济发展", practice="发展民宿，壮大集体收入"),
        "xss": make(kind="case", title="<b>加粗</b>标题", practice="<script>alert('x')</script> 主题党日"),
    }


def titles(results):
    return [h.item.title for h in results.hits]


def test_finds_by_chinese_word_ranked_title_first(cast, items):
    results = search(cast.member_a, "主题党日")
    found = titles(results)
    assert found.index("主题党日活动规范化") < found.index("扎根山区的老书记")
    assert "村级集体经济发展" not in found
    body_hit = next(h for h in results.hits if h.item == items["body"])
    assert "<mark>主题党日</mark>" in body_hit.snippet


def test_every_word_must_match(cast, items):
    assert titles(search(cast.member_a, "民宿 集体")) == ["村级集体经济发展"]
    assert titles(search(cast.member_a, "民宿 主题党日")) == []


def test_filters_by_kind_and_tag(cast, library, items):
    assert titles(search(cast.member_a, "主题党日", {"kind": "exemplar"})) == ["扎根山区的老书记"]
    tagged = search(cast.member_a, "", {"tag": "three-one"})
    assert titles(tagged) == [library.video.title]
    assert Tag.objects.filter(kind="role").count() == 4


def test_unpublished_items_are_not_found(cast, library):
    assert titles(search(cast.admin, "未发布")) == []


def test_snippet_escapes_user_text(cast, items):
    hit = next(h for h in search(cast.member_a, "主题党日").hits if h.item == items["xss"])
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<mark>主题党日</mark>" in hit.snippet
    assert snippet("<i>党员</i>", ["党员"]) == "&lt;i&gt;<mark>党员</mark>&lt;/i&gt;"


@pytest.mark.parametrize("query", HOSTILE)
def test_any_input_is_safe(cast, items, login, query):
    search(cast.member_a, query)  # no exception
    page = login("member_a").get("/library/", {"q": query})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert Item.objects.filter(title="主题党日活动规范化").exists()


def test_api_search(cast, items, login):
    data = login("member_a").get("/api/v1/library/items/", {"q": "主题党日"}).json()
    assert data["count"] == 4  # the title, the exemplar, the escaped case and the handbook
    assert data["results"][0]["title"] == "主题党日活动规范化"
    assert "<mark>" in data["results"][1]["snippet"]


@pytest.mark.parametrize("page", ["0", "abc", "2", "227601282651659337728"])
def test_api_search_page_that_is_not_there_is_404(cast, items, login, page):
    # As every other list of the API: the huge one once overflowed the database's OFFSET (a 500).
    response = login("member_a").get("/api/v1/library/items/", {"q": "主题党日", "page": page})
    assert response.status_code == 404 and response.json() == {"detail": "无效页面。"}


def test_search_page_highlights_title(cast, items, login):
    html = login("secretary_b").get("/library/", {"q": "老书记"}).content.decode()
    assert "扎根山区的<mark>老</mark><mark>书记</mark>" in html


def test_sqlite_index_survives_a_table_rebuild(cast, items):
    from django.db import connection

    from zhibu.library.search import ensure_sqlite_index

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 triggers")
    with connection.cursor() as cursor:  # what a table-rebuilding migration does to the triggers
        for name in ("library_item_fts_ai", "library_item_fts_ad", "library_item_fts_au"):
            cursor.execute(f"DROP TRIGGER {name}")
    services.item_save(
        item=Item(district=cast.a.town.district, kind="case", title="重建后新增的冰雪旅游案例")
    )
    assert titles(search(cast.member_a, "冰雪")) == []
    ensure_sqlite_index()
    assert titles(search(cast.member_a, "冰雪")) == ["重建后新增的冰雪旅游案例"]
    services.item_save(item=Item(district=cast.a.town.district, kind="case", title="触发器恢复后的冰雪节"))
    assert len(search(cast.member_a, "冰雪").hits) == 2
