"""A drill scored live by two instructors against the rubric; disagreement flagged; feedback to the trainee."""

from zhibu.training import services
from zhibu.training.models import Score

from .conftest import enrolment_of, make_instructor


def _sheet(entry, values, note=""):
    criteria = list(entry.drill.rubric.criteria.all())
    data = {f"c{c.pk}": v for c, v in zip(criteria, values, strict=True)}
    data.update({f"n{c.pk}": note for c in criteria})
    return data


def test_a_drill_scored_by_two_instructors(cast, course, login):
    from django.test import Client

    drill = services.drill_create(klass=course.klass, title="支部党员大会演练", session=course.session)
    criteria = list(drill.rubric.criteria.all())
    assert [c.name for c in criteria] == [
        "程序完整有序",
        "人数清点与有效性",
        "表决计票正确",
        "记录完整",
        "仪态规范",
    ]
    entry = drill.entries.get(name="甲党员")
    teachers = []
    for name in ("teacher1", "teacher2"):
        client = Client()
        client.force_login(make_instructor(name, course.district))
        teachers.append(client)
    url = f"/training/drills/entries/{entry.pk}/score/"
    page = teachers[0].get(url, HTTP_USER_AGENT="Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)")
    assert (
        page.status_code == 200
        and "程序完整有序" in page.content.decode()
        and "data-points" in page.content.decode()
    )
    assert teachers[0].post(url, _sheet(entry, [24, 16, 16, 16, 8], "程序基本完整")).status_code == 302
    assert teachers[1].post(url, _sheet(entry, [28, 20, 8, 20, 10], "计票有误")).status_code == 302
    result = services.entry_result(entry)
    assert [c.mean for c in result.criteria] == [26, 18, 12, 18, 9]
    assert result.total == 83 and result.scorers == 2
    assert result.criteria[2].flagged and not result.criteria[0].flagged  # 16 vs 8 of 20 > 30%
    entry.refresh_from_db()
    assert entry.total == 83 and entry.flagged
    # Re-entry by the same instructor updates, it never adds a second score.
    teachers[1].post(url, _sheet(entry, [28, 20, 14, 20, 10], "计票有误"))
    assert Score.objects.filter(entry=entry).count() == 10
    assert services.entry_result(entry).criteria[2].mean == 15 and not services.entry_result(entry).flagged
    overview = teachers[0].get(f"/training/drills/{drill.pk}/").content.decode()
    assert "86" in overview or "86.0" in overview
    # The trainee sees the feedback per criterion.
    mine = (
        login("member_a")
        .get(f"/training/enrolments/{enrolment_of(course.klass, '甲党员').pk}/")
        .content.decode()
    )
    assert "演练反馈" in mine and "计票有误" in mine and "表决计票正确" in mine


def test_scores_outside_a_criterion_range_are_refused_and_nothing_saved(cast, course, login):
    drill = services.drill_create(klass=course.klass, title="支委会演练")
    entry = drill.entries.first()
    centre = login("centre")
    response = centre.post(f"/training/drills/entries/{entry.pk}/score/", _sheet(entry, [31, 16, 16, 16, -1]))
    body = response.content.decode()
    assert response.status_code == 400
    assert "“程序完整有序”的分数 31 超出范围（0–30 分）" in body and "仪态规范" in body
    assert not Score.objects.filter(entry=entry).exists()
    assert login("secretary_a").get(f"/training/drills/entries/{entry.pk}/score/").status_code == 403


def test_teams_and_the_careless_threshold(course, login):
    drill = services.drill_create(klass=course.klass, title="组织生活会演练", team_size=2)
    assert [e.name for e in drill.entries.all()] == ["第1组", "第2组"]
    team = drill.entries.first()
    centre = login("centre")
    centre.post(f"/training/drills/entries/{team.pk}/score/", _sheet(team, [10, 8, 8, 8, 4]))
    page = centre.get(f"/training/drills/{drill.pk}/").content.decode()
    assert "演练不认真" in page
