"""An online exam taken on a phone: papers by quota, answers saved as given, one browser, the time limit, marking."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from zhibu.training import services
from zhibu.training.models import Answer, Attempt, Question

from .conftest import enrolment_of, make_bank

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}
JSON = {"HTTP_ACCEPT": "application/json"}


def _exam(course, minutes=30):
    make_bank(course.district)
    now = timezone.now()
    return services.exam_create(
        klass=course.klass,
        title="结业考试",
        opens=now - datetime.timedelta(minutes=5),
        closes=now + datetime.timedelta(hours=2),
        minutes=minutes,
        quotas=[
            {"topic": "党章", "kind": "single", "count": 2},
            {"topic": "党章", "kind": "multiple", "count": 1},
            {"topic": "条例", "kind": "judge", "count": 1},
            {"topic": "", "kind": "fill", "count": 1},
        ],
    )


def _right(q):
    if q.kind == "multiple":
        return {"value": [str(v) for v in q.answer]}
    if q.kind == "judge":
        return {"value": "true" if q.answer else "false"}
    if q.kind == "fill":
        return {"value": q.answer[0]}
    return {"value": str(q.answer)}


def test_an_exam_taken_on_a_phone_and_marked(cast, course, login):
    exam = _exam(course)
    phone = login("member_a")
    start = phone.get(f"/training/exams/{exam.pk}/take/", **PHONE)
    assert start.status_code == 200 and "开始答题" in start.content.decode()
    assert 'name="viewport"' in start.content.decode()
    page = phone.post(f"/training/exams/{exam.pk}/take/", **PHONE)
    assert page.status_code == 200
    attempt = Attempt.objects.get(exam=exam)
    assert len(attempt.questions) == 5
    questions = [Question.objects.get(pk=q) for q in attempt.questions]
    assert [q.kind for q in questions] == ["single", "single", "multiple", "judge", "fill"]
    url = f"/training/attempts/{attempt.pk}/answer/"
    for q in questions[:4]:
        r = phone.post(url, {"question": q.pk, "kind": q.kind, **_right(q)}, **JSON, **PHONE)
        assert r.status_code == 200 and r.json()["ok"]
    wrong = phone.post(url, {"question": questions[4].pk, "kind": "fill", "value": "错的"}, **JSON)
    assert wrong.json()["ok"]
    # Saving the same answer again (a retry after a lost connection) replaces it, never duplicates it.
    phone.post(url, {"question": questions[0].pk, "kind": "single", **_right(questions[0])}, **JSON)
    assert Answer.objects.filter(attempt=attempt).count() == 5
    # A reload shows the saved answers.
    reload = phone.get(f"/training/exams/{exam.pk}/take/", **PHONE).content.decode()
    assert "已答 5 / 5 题" in reload and "checked" in reload and 'value="错的"' in reload
    assert phone.post(url, {"question": 999999, "kind": "single", "value": "1"}, **JSON).status_code == 409
    done = phone.post(f"/training/attempts/{attempt.pk}/submit/", follow=True)
    assert "已交卷，成绩 80.0 分" in done.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == 80.0 and attempt.correct == 4
    late = phone.post(url, {"question": questions[4].pk, "kind": "fill", "value": "三会一课"}, **JSON)
    assert late.status_code == 409 and "试卷已提交" in late.json()["error"]
    # The bank editors see the item analysis.
    analysis = login("centre").get(f"/training/bank/analysis/?exam={exam.pk}").content.decode()
    assert questions[0].stem in analysis


def test_a_second_browser_is_refused_with_a_clear_message(cast, course, login):
    exam = _exam(course)
    first = login("member_a")
    first.post(f"/training/exams/{exam.pk}/take/")
    attempt = Attempt.objects.get(exam=exam)
    q = Question.objects.get(pk=attempt.questions[0])
    first.post(
        f"/training/attempts/{attempt.pk}/answer/", {"question": q.pk, "kind": q.kind, "value": "1"}, **JSON
    )
    second = Client()
    second.force_login(cast.member_a)
    refused = second.get(f"/training/exams/{exam.pk}/take/")
    assert refused.status_code == 409 and "另一个浏览器或设备" in refused.content.decode()
    r = second.post(
        f"/training/attempts/{attempt.pk}/answer/", {"question": q.pk, "kind": q.kind, "value": "0"}, **JSON
    )
    assert r.status_code == 409 and "另一个浏览器或设备" in r.json()["error"]
    assert Answer.objects.get(attempt=attempt).value == 1  # nothing lost, nothing overwritten
    # A proctor releases the paper to the new device; then the old browser is the one refused.
    login("centre").post(f"/training/attempts/{attempt.pk}/release/")
    resumed = second.get(f"/training/exams/{exam.pk}/take/")
    assert resumed.status_code == 200 and "已答 1 / 5 题" in resumed.content.decode()
    assert first.get(f"/training/exams/{exam.pk}/take/").status_code == 409


def test_pressing_start_twice_in_one_browser_resumes_the_same_paper(cast, course, login):
    """A slow phone's double tap sends "start" twice: both presses get the one paper, and the browser
    stays bound to it (the paper takes the browser's own key, so the second press is not "another browser")."""
    exam = _exam(course)
    phone = login("member_a")
    url = f"/training/exams/{exam.pk}/take/"
    assert "开始答题" in phone.get(url).content.decode()
    first = phone.post(url)
    second = phone.post(url)
    assert first.status_code == second.status_code == 200
    attempt = Attempt.objects.get(exam=exam)
    assert attempt.token == phone.session[f"training-exam-{exam.pk}"]
    assert f"/training/attempts/{attempt.pk}/answer/" in second.content.decode()


def test_two_starts_racing_resolve_by_the_browser_key(cast, course, monkeypatch):
    """Two presses whose lookups both found no paper: the one that loses the insert resumes the winner's
    paper when it came from the same browser and is refused when it came from another."""
    exam = _exam(course)
    enrolment = enrolment_of(course.klass, cast.member_a.member.name)
    won = services.attempt_start(exam=exam, enrolment=enrolment, browser_token="browser-1")
    monkeypatch.setattr(services, "_locked_attempt", lambda exam, enrolment: None)
    again = services.attempt_start(exam=exam, enrolment=enrolment, browser_token="browser-1")
    assert again.pk == won.pk and Attempt.objects.filter(exam=exam).count() == 1
    with pytest.raises(ValidationError, match="另一个浏览器或设备"):
        services.attempt_start(exam=exam, enrolment=enrolment, browser_token="browser-2")


def test_answers_after_the_time_limit_are_refused(cast, course, login):
    exam = _exam(course, minutes=10)
    phone = login("member_a")
    phone.post(f"/training/exams/{exam.pk}/take/")
    attempt = Attempt.objects.get(exam=exam)
    q = Question.objects.get(pk=attempt.questions[0])
    url = f"/training/attempts/{attempt.pk}/answer/"
    assert phone.post(url, {"question": q.pk, "kind": q.kind, "value": str(q.answer)}, **JSON).json()["ok"]
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    late = phone.post(url, {"question": q.pk, "kind": q.kind, "value": "0"}, **JSON)
    assert late.status_code == 409 and "已超过作答时限" in late.json()["error"]
    assert Answer.objects.get(attempt=attempt).value == q.answer
    # Opening the page after time marks the paper with what was saved in time.
    phone.get(f"/training/exams/{exam.pk}/take/")
    attempt.refresh_from_db()
    assert attempt.submitted and attempt.correct == 1 and attempt.score == 20.0


def test_window_and_quota_are_checked(cast, course, login):
    make_bank(course.district)
    now = timezone.now()
    try:
        services.exam_create(
            klass=course.klass,
            title="x",
            opens=now,
            closes=now + datetime.timedelta(hours=1),
            minutes=30,
            quotas=[{"topic": "党章", "kind": "single", "count": 50}],
        )
    except Exception as exc:  # noqa: BLE001
        assert "需要 50 题，题库只有 6 题" in str(exc)
    else:
        raise AssertionError("a quota the bank cannot fill must be refused")
    later = services.exam_create(
        klass=course.klass,
        title="补考",
        opens=now + datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(hours=2),
        minutes=30,
        quotas=[{"topic": "", "kind": "judge", "count": 2}],
    )
    r = login("member_a").post(f"/training/exams/{later.pk}/take/")
    assert r.status_code == 409 and "考试尚未开始" in r.content.decode()
    assert not Attempt.objects.filter(exam=later).exists()
    e = enrolment_of(course.klass, "甲党员")
    assert e.attempts.count() == 0


def test_an_exam_stays_on_the_home_page_until_the_persons_own_paper_is_handed_in(cast, course, login):
    from zhibu.training.todos import training_todos

    exam = _exam(course)

    def in_progress(user) -> bool:
        return any("考试进行中" in item["title"] for item in training_todos(user))

    member, classmate = login("member_a"), login("worker_a")
    member.post(f"/training/exams/{exam.pk}/take/", **PHONE)  # started, not handed in
    classmate.post(f"/training/exams/{exam.pk}/take/", **PHONE)
    theirs = Attempt.objects.get(exam=exam, enrolment__member=cast.worker_a.member)
    classmate.post(f"/training/attempts/{theirs.pk}/submit/")
    assert in_progress(cast.member_a) and not in_progress(cast.worker_a)
    mine = Attempt.objects.get(exam=exam, enrolment__member=cast.member_a.member)
    member.post(f"/training/attempts/{mine.pk}/submit/")
    assert not in_progress(cast.member_a)
