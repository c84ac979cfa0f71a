"""What the rules still ask of a branch now appears on its secretary's home page and compliance page."""


def test_secretary_sees_what_is_still_to_do(cast, login):
    home = login("secretary_a").get("/").content.decode()
    assert "主题党日" in home  # nothing held yet this month
    page = login("secretary_a").get("/rules/branches/T1-001/").content.decode()
    assert "接下来要做" in page
    assert "主题党日" not in login("member_a").get("/").content.decode()
