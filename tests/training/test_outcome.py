"""Finalising a class: the pass rule, certificates verified by their QR code, retraining for those who fell short."""

import datetime
import re

from django.test import Client
from django.utils import timezone

from zhibu.training import services
from zhibu.training.models import Attempt, Certificate, Enrolment, Retraining, TrainingClass

from .conftest import enrolment_of, make_bank


def _score_all(drill, scorer, points_for):
    for entry in drill.entries.all():
        criteria = list(drill.rubric.criteria.all())
        pct = points_for(entry.name)
        services.score_save(
            entry=entry, scorer=scorer, points={c.pk: round(c.max_points * pct / 100) for c in criteria}
        )


def test_finalise_certificate_verified_by_qr_and_retraining_for_the_one_who_failed(cast, course, login):
    k = course.klass
    today = timezone.localdate()
    retraining_class = services.class_create(
        district=course.district,
        name="补训班",
        category=TrainingClass.Category.RETRAINING,
        start=k.end + datetime.timedelta(days=10),
        end=k.end + datetime.timedelta(days=11),
    )
    # Everyone signs in except 丙党员; 甲党务 fails the exam; 甲书记 drills carelessly.
    for name in ("甲书记", "甲党员", "甲党务"):
        services.sign_in(session=course.session, member_id=enrolment_of(k, name).member_id)
    drill = services.drill_create(klass=k, title="党员大会演练")
    _score_all(drill, cast.centre, lambda name: 40 if name == "甲书记" else 90)
    make_bank(course.district)
    now = timezone.now()
    exam = services.exam_create(
        klass=k,
        title="结业考试",
        opens=now - datetime.timedelta(minutes=10),
        closes=now + datetime.timedelta(minutes=50),
        minutes=30,
        quotas=[{"topic": "", "kind": "judge", "count": 4}],
    )
    for name in ("甲书记", "甲党员", "甲党务"):
        attempt = services.attempt_start(exam=exam, enrolment=enrolment_of(k, name), browser_token=None)
        right = name != "甲党务"
        for q in attempt.questions:
            services.answer_save(attempt=attempt, token=attempt.token, question_id=q, value=right)
        services.attempt_submit(attempt=attempt, token=attempt.token)
    response = login("centre").post(f"/training/classes/{k.pk}/finalize/", follow=True)
    assert "合格 1 人，不合格 3 人" in response.content.decode()
    k.refresh_from_db()
    assert k.status == TrainingClass.Status.CLOSED
    passed = enrolment_of(k, "甲党员")
    assert (
        passed.result == Enrolment.Result.PASSED and passed.exam_score == 100.0 and passed.attendance == 100.0
    )
    failed = enrolment_of(k, "甲党务")
    assert failed.result == Enrolment.Result.FAILED and "考试成绩 0.0 分低于 60 分" in failed.result_note
    careless = enrolment_of(k, "甲书记")
    assert "演练不认真" in careless.result_note
    absent = enrolment_of(k, "丙党员")
    assert "出勤率 0%" in absent.result_note
    reasons = dict(Retraining.objects.values_list("member__name", "reason"))
    assert reasons == {"甲党务": "exam", "甲书记": "drill", "丙党员": "absent"}
    r = Retraining.objects.get(member__name="甲党务")
    assert r.placed.klass == retraining_class and r.placed.source == Enrolment.Source.RETRAINING
    # Finalising again changes nothing.
    services.class_finalize(klass=k)
    assert Retraining.objects.count() == 3 and Certificate.objects.count() == 1

    # The certificate: a PDF for its holder, whose QR code opens the public verification page.
    cert = Certificate.objects.get(enrolment=passed)
    pdf = login("member_a").get(f"/training/certificates/{cert.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert body.startswith(b"%PDF")
    assert login("member_a").get(f"/training/enrolments/{passed.pk}/").content.decode().count("结业证书") >= 1
    code = services.certificate_code(cert)
    verify = Client().get(f"/training/certificates/verify/{code}/")  # anyone, not logged in
    page = verify.content.decode()
    assert verify.status_code == 200 and "证书真实有效" in page and "甲党员" in page and cert.number in page
    forged = Client().get(f"/training/certificates/verify/{code[:-2]}xx/")
    assert forged.status_code == 404 and "核验码已被篡改" in forged.content.decode()
    assert login("secretary_b").get(f"/training/certificates/{cert.pk}.pdf").status_code == 404
    assert Attempt.objects.filter(exam=exam).count() == 3
    assert today <= cert.issued


def test_the_qr_on_the_certificate_points_at_the_verification_page(cast, course):
    from zhibu.training.certificates import certificate_pdf

    e = enrolment_of(course.klass, "甲党员")
    cert = Certificate.objects.create(enrolment=e, number="HR-TEST-1", issued=timezone.localdate())
    url = "http://testserver/training/certificates/verify/" + services.certificate_code(cert) + "/"
    pdf = certificate_pdf(cert, url)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    found = services.certificate_from_code(re.search(r"verify/([^/]+)/", url).group(1))
    assert found == cert


def test_retraining_sent_by_supervision_lands_in_the_next_suitable_class(cast, course):
    today = timezone.localdate()
    later = services.class_create(
        district=course.district,
        name="书记补训班",
        category=TrainingClass.Category.RETRAINING,
        start=today + datetime.timedelta(days=30),
        end=today + datetime.timedelta(days=31),
    )
    r = services.retraining_assign(
        member=cast.member_of_b, reason="supervision", source="督导发现：三会一课不规范"
    )
    assert r.placed.klass == later and r.get_reason_display() == "督导发现问题"
    assert later.enrolments.filter(member=cast.member_of_b, source="retraining").exists()


def test_retraining_waits_until_a_class_opens(cast, course, login):
    r = services.retraining_assign(member=cast.member_of_c, reason="supervision", source="督导")
    assert r.placed is None
    assert "待安排" in login("supervisor").get("/training/retraining/?waiting=1").content.decode()
    today = timezone.localdate()
    response = login("centre").post(
        "/training/classes/new/",
        {
            "name": "秋季补训班",
            "category": "retraining",
            "start": (today + datetime.timedelta(days=5)).isoformat(),
            "end": (today + datetime.timedelta(days=6)).isoformat(),
            "min_attendance": 80,
            "exam_pass": 60,
            "drill_threshold": 60,
        },
        follow=True,
    )
    assert "安排补训 1 人" in response.content.decode()
    r.refresh_from_db()
    assert r.placed.klass.name == "秋季补训班"
    assert "秋季补训班" not in login("secretary_b").get("/training/retraining/").content.decode()
