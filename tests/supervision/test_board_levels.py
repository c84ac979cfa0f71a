"""The board at a city's size: tiles per district or town above the cell limit, drill-down to branches."""

import datetime

import pytest


@pytest.fixture
def city(cast, settings):
    """A second district (D2: town U1, one branch) and a city administrator granted both districts."""
    from zhibu.accounts.models import Grant, Role, User
    from zhibu.orgs.models import Branch, District, Town
    from zhibu.supervision import status
    from zhibu.supervision.models import BranchStatus

    d2 = District.objects.create(code="d2", name="第二区")
    u1 = Town.objects.create(district=d2, code="U1", name="二区一镇")
    Branch.objects.create(town=u1, code="U1-001", name="二区甲支部", domain="rural")
    role = Role.objects.get(code="district_admin")
    user = User.objects.create_user("city_admin", password="x-2026-pass", display_name="全市管理员")
    Grant.objects.create(user=user, role=role, district=cast.a.town.district)
    Grant.objects.create(user=user, role=role, district=d2)
    status.rebuild(compliance=False)
    # Branch A in session, branch B held its meeting this month.
    today = datetime.date.today()
    BranchStatus.objects.filter(branch=cast.a).update(in_session=1)
    BranchStatus.objects.filter(branch=cast.b).update(
        month=f"{today:%Y-%m}", held_in_month=2, last_held=today
    )
    cast.d2, cast.u1, cast.city_admin = d2, u1, user
    settings.ZHIBU_BOARD_CELLS = 2  # the test district's three branches count as "large"
    return cast


def test_district_above_the_cell_limit_shows_one_tile_per_town(city, login):
    data = login("admin").get("/supervision/board/data/").json()
    assert data["level"] == "towns" and data["branches"] == []
    t1, t2 = data["towns"]
    assert (t1["code"], t1["branches"], t1["in_session"]) == ("T1", 2, 1)
    assert t1["states"]["in_session"] == 1 and sum(t1["states"].values()) == 2
    assert (t2["code"], t2["held"], t2["states"]["held"]) == ("T2", 1, 1)
    assert data["figures"]["branches"] == 3 and data["figures"]["meetings_month"] == 2
    assert data["states"]["in_session"] == 1 and sum(data["states"].values()) == 3


def test_town_board_always_shows_its_branches(city, login):
    data = login("admin").get("/supervision/board/data/?town=T1").json()
    assert data["level"] == "branches"
    assert {b["code"]: b["state"] for b in data["branches"]} == {"T1-001": "in_session", "T1-002": "overdue"}


def test_city_board_shows_districts_and_drills_down(city, login):
    client = login("city_admin")
    data = client.get("/supervision/board/data/").json()
    assert data["level"] == "districts"
    assert [(d["code"], d["branches"]) for d in data["districts"]] == [("d1", 3), ("d2", 1)]
    assert data["figures"]["branches"] == 4
    one = client.get("/supervision/board/data/?district=d2").json()
    assert one["level"] == "branches" and [b["code"] for b in one["branches"]] == ["U1-001"]
    page = client.get("/supervision/board/?district=d2")
    assert page.status_code == 200 and "返回全市" in page.content.decode()
    assert "?district=d2" in page.context["data_url"]


def test_district_out_of_reach_is_not_found(city, login):
    assert login("admin").get("/supervision/board/data/?district=d2").status_code == 404
    assert login("admin").get("/supervision/board/?district=d2").status_code == 404


def test_board_data_is_shared_briefly_by_boards_of_the_same_scope(city, login, settings):
    from zhibu.supervision.models import BranchStatus

    settings.ZHIBU_BOARD_DATA_SECONDS = 60
    first = login("admin").get("/supervision/board/data/").json()
    BranchStatus.objects.filter(branch=city.c).update(in_session=1)
    again = login("auditor").get("/supervision/board/data/").json()  # the same district: the same data
    assert again["figures"]["in_session"] == first["figures"]["in_session"] == 1
    settings.ZHIBU_BOARD_DATA_SECONDS = 0
    assert login("admin").get("/supervision/board/data/").json()["figures"]["in_session"] == 2


def test_board_data_queries_do_not_grow_with_branches(city, login, settings):
    from tests.page_queries import page_queries
    from zhibu.orgs.models import Branch, Town
    from zhibu.supervision import status

    settings.ZHIBU_BOARD_CELLS = 1000
    client = login("admin")
    before = page_queries(client, "/supervision/board/data/")
    town = Town.objects.create(district=city.a.town.district, code="T9", name="九号镇")
    Branch.objects.bulk_create(
        Branch(town=town, code=f"T9-{i:03d}", name=f"九号镇第{i}支部", domain="rural") for i in range(30)
    )
    status.rebuild(compliance=False)
    cells = page_queries(client, "/supervision/board/data/")
    assert cells <= before
    settings.ZHIBU_BOARD_CELLS = 2  # tiles: no query for the cells
    assert page_queries(client, "/supervision/board/data/") == cells - 1
