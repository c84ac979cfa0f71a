"""Reach matrix rows for every URL of 练 (see tests/reach.py)."""

import datetime

import pytest
from django.utils import timezone

from tests.reach import ALL_200, ROLES, expect, run_matrix

from .conftest import enrolment_of, make_bank

MANAGE_GET = expect(403, admin=200, centre=200, secretary_b=404)
MANAGE_POST = expect(403, admin=302, centre=302, secretary_b=404)
CLASS_VIEW = expect(200, secretary_b=404)
OWN_OR_MANAGE = expect(403, member_a=302, admin=302, centre=302, secretary_b=404)
VIEWERS = expect(200, member_a=404)
BANK = expect(403, admin=200, centre=200)

MATRIX = [
    ("training:index", "get", lambda w: "/training/", ALL_200),
    ("training:class_new", "get", lambda w: "/training/classes/new/", BANK),
    ("training:class", "get", lambda w: f"/training/classes/{w.klass.pk}/", CLASS_VIEW),
    ("training:session_new", "get", lambda w: f"/training/classes/{w.klass.pk}/sessions/new/", MANAGE_GET),
    ("training:drill_new", "get", lambda w: f"/training/classes/{w.klass.pk}/drills/new/", MANAGE_GET),
    ("training:exam_new", "get", lambda w: f"/training/classes/{w.klass.pk}/exams/new/", MANAGE_GET),
    ("training:enrolment", "get", lambda w: f"/training/enrolments/{w.e_a.pk}/", CLASS_VIEW),
    (
        "training:enrolment",
        "get",
        lambda w: f"/training/enrolments/{w.e_c.pk}/",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    (
        "training:enrolment_confirm",
        "post",
        lambda w: f"/training/enrolments/{w.e_a.pk}/confirm/",
        OWN_OR_MANAGE,
    ),
    ("training:enrolment_leave", "post", lambda w: f"/training/enrolments/{w.e_a.pk}/leave/", OWN_OR_MANAGE),
    (
        "training:leave_decide",
        "post",
        lambda w: f"/training/enrolments/{w.e_a.pk}/leave/decide/",
        MANAGE_POST,
    ),
    ("training:timetable", "get", lambda w: "/training/timetable/", VIEWERS),
    ("training:catalogue", "get", lambda w: "/training/catalogue/", VIEWERS),
    (
        "training:catalogue",
        "post",
        lambda w: "/training/catalogue/",
        expect(403, admin=302, centre=302, member_a=404),
    ),
    ("training:session", "get", lambda w: f"/training/sessions/{w.session.pk}/", CLASS_VIEW),
    ("training:session_qr", "get", lambda w: f"/training/sessions/{w.session.pk}/qr/", MANAGE_GET),
    ("training:session_qr_code", "get", lambda w: f"/training/sessions/{w.session.pk}/qr/code/", MANAGE_GET),
    ("training:session_mark", "post", lambda w: f"/training/sessions/{w.session.pk}/mark/", MANAGE_POST),
    ("training:signin", "get", lambda w: f"/training/signin/{w.token}/", ALL_200),
    ("training:drill", "get", lambda w: f"/training/drills/{w.drill.pk}/", CLASS_VIEW),
    (
        "training:drill_score",
        "get",
        lambda w: f"/training/drills/entries/{w.entry.pk}/score/",
        expect(403, centre=200, secretary_b=404),
    ),
    ("training:exam", "get", lambda w: f"/training/exams/{w.exam.pk}/", CLASS_VIEW),
    (
        "training:exam_take",
        "get",
        lambda w: f"/training/exams/{w.exam.pk}/take/",
        expect(404, member_a=409, secretary_a=200, worker_a=200),
    ),
    # member_a's paper was started in another browser: this client is refused, others see nothing.
    (
        "training:exam_answer",
        "post",
        lambda w: f"/training/attempts/{w.attempt.pk}/answer/",
        expect(404, member_a=400),
    ),
    (
        "training:exam_submit",
        "post",
        lambda w: f"/training/attempts/{w.attempt.pk}/submit/",
        expect(404, member_a=302),
    ),
    (
        "training:attempt_release",
        "post",
        lambda w: f"/training/attempts/{w.attempt.pk}/release/",
        MANAGE_POST,
    ),
    ("training:bank", "get", lambda w: "/training/bank/", BANK),
    ("training:question_new", "get", lambda w: "/training/bank/new/", BANK),
    ("training:item_analysis", "get", lambda w: "/training/bank/analysis/", BANK),
    ("training:certificate", "get", lambda w: f"/training/certificates/{w.cert_a.pk}.pdf", CLASS_VIEW),
    (
        "training:certificate",
        "get",
        lambda w: f"/training/certificates/{w.cert_c.pk}.pdf",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    ("training:verify", "get", lambda w: f"/training/certificates/verify/{w.code}/", ALL_200),
    ("training:retraining", "get", lambda w: "/training/retraining/", ALL_200),
    ("training:stats", "get", lambda w: "/training/statistics/", VIEWERS),
    ("training:stats_xlsx", "get", lambda w: "/training/statistics.xlsx", VIEWERS),
    # The API (read-only).
    ("training-class-list", "get", lambda w: "/api/v1/training/classes/", ALL_200),
    ("training-class-detail", "get", lambda w: f"/api/v1/training/classes/{w.klass.pk}/", CLASS_VIEW),
    ("training-enrolment-list", "get", lambda w: f"/api/v1/training/enrolments/?klass={w.klass.pk}", ALL_200),
    ("training-enrolment-detail", "get", lambda w: f"/api/v1/training/enrolments/{w.e_a.pk}/", CLASS_VIEW),
    (
        "training-enrolment-detail",
        "get",
        lambda w: f"/api/v1/training/enrolments/{w.e_c.pk}/",
        expect(404, supervisor=200, admin=200, auditor=200, centre=200),
    ),
    # Last: it closes the class.
    ("training:roster_generate", "post", lambda w: f"/training/classes/{w.klass.pk}/roster/", MANAGE_POST),
    ("training:finalize", "post", lambda w: f"/training/classes/{w.klass.pk}/finalize/", MANAGE_POST),
]


@pytest.fixture
def world(cast, course):
    from zhibu.core import qr
    from zhibu.training import services
    from zhibu.training.models import Certificate

    w = cast
    w.klass, w.session = course.klass, course.session
    w.e_a = enrolment_of(course.klass, "甲党员")
    w.e_c = enrolment_of(course.klass, "丙党员")
    w.token = qr.make_token("class-session", course.session.pk)
    w.drill = services.drill_create(klass=course.klass, title="党员大会演练")
    w.entry = w.drill.entries.first()
    make_bank(course.district)
    now = timezone.now()
    w.exam = services.exam_create(
        klass=course.klass,
        title="结业考试",
        opens=now - datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(hours=1),
        minutes=30,
        quotas=[{"topic": "", "kind": "single", "count": 2}],
    )
    w.attempt = services.attempt_start(exam=w.exam, enrolment=w.e_a, browser_token=None)
    w.cert_a = Certificate.objects.create(enrolment=w.e_a, number="T-1", issued=now.date())
    w.cert_c = Certificate.objects.create(enrolment=w.e_c, number="T-2", issued=now.date())
    w.code = services.certificate_code(w.cert_a)
    return w


@pytest.mark.parametrize("role", ROLES)
def test_training_reach(world, login, role):
    failures = run_matrix(MATRIX, world, login(role), role)
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_except_verification(world, client):
    for name, method, build, _ in MATRIX:
        response = getattr(client, method)(build(world))
        if name == "training:verify":
            assert response.status_code == 200
        elif name.startswith("training-"):
            assert response.status_code in (401, 403), name
        else:
            assert response.status_code == 302 and "/login/" in response["Location"], name


def test_api_lists_only_what_is_in_reach(world, login):
    member = login("member_a").get(f"/api/v1/training/enrolments/?klass={world.klass.pk}").json()
    assert [r["member_name"] for r in member["results"]] == ["甲党员"]
    supervisor = login("supervisor").get(f"/api/v1/training/enrolments/?klass={world.klass.pk}").json()
    assert supervisor["count"] == 4
    classes = login("secretary_b").get("/api/v1/training/classes/").json()
    assert classes["count"] == 0
    assert (
        login("supervisor").get("/api/v1/training/classes/").json()["count"] == 1
    )  # once, not once per trainee


def test_a_class_is_seen_once_through_its_roster_and_read_without_joining_it(cast, course):
    """Reach through a class's roster is a semi-join: each class once, however many of the branch are on it,
    with no join (and no DISTINCT) that a city's rosters would multiply."""
    from zhibu.accounts.reach import visible
    from zhibu.orgs.models import Member
    from zhibu.training.models import Enrolment, TrainingClass

    klass = course.klass
    on_roster = set(klass.enrolments.values_list("member__name", flat=True))
    for m in Member.objects.filter(branch=cast.a).exclude(name__in=on_roster):
        Enrolment.objects.create(klass=klass, member=m)
    assert klass.enrolments.filter(member__branch=cast.a).count() >= 3
    for user in (cast.secretary_a, cast.member_a, cast.supervisor):
        classes = visible(TrainingClass.objects.all(), user, "training.view")
        assert list(classes.values_list("pk", flat=True)) == [klass.pk]
        outer = str(classes.query).split(" WHERE ")[0]  # the roster is read in the IN (SELECT ...) only
        assert 'FROM "training_trainingclass"' in outer and "JOIN" not in outer
    assert not visible(TrainingClass.objects.all(), cast.secretary_b, "training.view").exists()


def test_own_rows_a_grant_already_shows_are_not_asked_for_again_and_still_shown_when_it_does_not(
    cast, course
):
    """A secretary's own roster rows: shown by the grant over their branch (no second condition OR-ed across
    two tables, which no index serves); a secretary whose grant lies elsewhere (moved branch) still sees them.
    """
    from zhibu.accounts.reach import forget, visible
    from zhibu.training.models import Enrolment

    mine = enrolment_of(course.klass, "甲书记")
    user = cast.secretary_a
    rows = visible(Enrolment.objects.all(), user, "training.view")
    assert mine in rows and '"training_enrolment"."member_id" =' not in str(rows.query).split(" WHERE ")[1]
    assert rows.filter(member__branch=cast.a).count() > 1

    member = user.member
    member.branch = cast.c  # moved to another branch; the grant still names the old one
    member.save()
    forget(user)
    rows = visible(Enrolment.objects.all(), user, "training.view")
    assert '"training_enrolment"."member_id" =' in str(rows.query).split(" WHERE ")[1]
    assert list(rows.filter(member=member)) == [mine] and rows.filter(member__branch=cast.a).exists()
