"""综合评估 over the database with its explanation; the loop: case proposal → published case,
retraining proposal → class roster. Every proposal waits for a person; decisions are audited."""

import datetime

import pytest
from django.apps import apps


@pytest.fixture
def year():
    return datetime.date.today().year


def _evaluation(branch, year, score, grade):
    from zhibu.supervision.models import Evaluation

    return Evaluation.objects.create(branch=branch, year=year, score=score, grade=grade, result={"lines": []})


def test_evaluation_explains_each_point_lost(cast, login, year):
    from zhibu.supervision import assess, services

    today = datetime.date.today()
    finding = services.finding_create(
        branch=cast.a,
        category="attendance",
        severity="major",
        text="到会人数不足半数",
        fix="补开会议",
        deadline=today,
        by=cast.supervisor,
    )
    late = services.dispatch_create(
        district=cast.a.town.district,
        branches=[cast.a],
        title="报送学习计划",
        body="b",
        priority="normal",
        deadline=today,
    )
    late.deadline = today - datetime.timedelta(days=1)  # its time has passed, nothing was done
    late.save()
    rows = assess.evaluate_branches([cast.a], year)
    assert len(rows) == 1
    lines = {line["key"]: line for line in rows[0].result["lines"]}
    sup = lines["supervision"]
    assert sup["lost"] == 4 and sup["reasons"][0]["ref"] == f"f{finding.pk}"
    assert "到会人数不足半数" in sup["reasons"][0]["text"]
    assert lines["dispatch"]["attained"] == 0 and "报送学习计划" in lines["dispatch"]["reasons"][0]["text"]
    if apps.is_installed("zhibu.records") and today.month > 1:
        assert lines["schedule"]["status"] == "ok" and lines["schedule"]["reasons"]
    assert rows[0].score < 100
    page = login("supervisor").get(f"/supervision/evaluations/{rows[0].pk}/").content.decode()
    assert "到会人数不足半数" in page and "超过标准不加分" in page
    assert login("secretary_b").get(f"/supervision/evaluations/{rows[0].pk}/").status_code == 404


def test_computing_evaluations_makes_proposals_that_wait(cast, login, year):
    from zhibu.supervision.models import Evaluation, Proposal

    response = login("admin").post("/supervision/evaluations/", {"year": year})
    assert response.status_code == 302
    assert Evaluation.objects.filter(year=year).count() == 3
    # Nothing is published or assigned by the computation itself.
    assert not Proposal.objects.exclude(status=Proposal.Status.PENDING).exists()
    assert login("auditor").post("/supervision/evaluations/", {"year": year}).status_code == 403


@pytest.mark.skipif(not apps.is_installed("zhibu.library"), reason="the library area is not installed")
def test_case_proposal_is_finished_by_an_editor_and_published(cast, login, year):
    from zhibu.core.models import AuditEvent
    from zhibu.library.models import Item
    from zhibu.supervision import assess
    from zhibu.supervision.models import Proposal

    made = assess.propose([_evaluation(cast.a, year, 96.5, "优秀")], year)
    proposal = Proposal.objects.get(kind="case", branch=cast.a, year=year)
    assert made == [proposal] and proposal.status == "pending"
    assert proposal.draft["title"].startswith(cast.a.name)
    assert assess.propose([proposal.branch and _reuse(cast.a, year)], year) == []  # once a year

    client = login("admin")
    page = client.get(f"/supervision/proposals/{proposal.pk}/").content.decode()
    assert "发布到案例库" in page
    # An empty field is named, nothing is published.
    client.post(
        f"/supervision/proposals/{proposal.pk}/",
        {"action": "publish", "title": "t", "background": "", "practice": "p", "effect": "e", "lessons": "l"},
    )
    assert not Item.objects.filter(kind="case", branch=cast.a).exists()
    response = client.post(
        f"/supervision/proposals/{proposal.pk}/",
        {
            "action": "publish",
            "title": "甲村党支部：三会一课规范化",
            "background": "农村支部",
            "practice": "每月主题党日按程序开展",
            "effect": "全年无违规",
            "lessons": "程序规范是基础",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(kind="case", branch=cast.a)
    assert item.source == "supervision" and item.approved_by == cast.admin and item.published
    assert item.source_ref == f"proposal-{proposal.pk}"
    proposal.refresh_from_db()
    assert proposal.status == "confirmed" and proposal.outcome["library_item"] == item.pk
    assert AuditEvent.objects.filter(
        action="supervision.case_publish", target=f"Proposal:{proposal.pk}"
    ).exists()
    # The supervisor of another town cannot touch it; a read-only role sees but cannot decide.
    assert login("secretary_b").get(f"/supervision/proposals/{proposal.pk}/").status_code == 404
    assert (
        login("auditor")
        .post(f"/supervision/proposals/{proposal.pk}/", {"action": "reject", "reason": "x"})
        .status_code
        == 403
    )


def _reuse(branch, year):
    from zhibu.supervision.models import Evaluation

    return Evaluation.objects.get(branch=branch, year=year)


@pytest.mark.skipif(not apps.is_installed("zhibu.training"), reason="the training area is not installed")
def test_retraining_proposal_puts_the_committee_on_a_class_roster(cast, login, year):
    from zhibu.orgs.models import Member
    from zhibu.supervision import assess
    from zhibu.supervision.models import Proposal
    from zhibu.training.models import Enrolment, Retraining, TrainingClass

    today = datetime.date.today()
    klass = TrainingClass.objects.create(
        district=cast.a.town.district,
        name="支部书记回炉补训班",
        category="retraining",
        start=today + datetime.timedelta(days=10),
        end=today + datetime.timedelta(days=12),
    )
    assess.propose([_evaluation(cast.a, year, 48.0, "较差")], year)
    proposal = Proposal.objects.get(kind="retraining", branch=cast.a, year=year)
    secretary = Member.objects.get(name="甲书记")
    assert proposal.draft["members"] == [secretary.pk]
    assert not Enrolment.objects.filter(klass=klass).exists()  # waits for a person

    response = login("supervisor").post(
        f"/supervision/proposals/{proposal.pk}/", {"action": "retrain", "members": [secretary.pk]}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(klass=klass, member=secretary)
    assert enrolment.source == "retraining"
    assert Retraining.objects.get(member=secretary, reason="supervision").placed == enrolment
    proposal.refresh_from_db()
    assert proposal.status == "confirmed" and proposal.decided_by == cast.supervisor


def test_rejecting_needs_a_reason_and_is_kept(cast, login, year):
    from zhibu.supervision import assess
    from zhibu.supervision.models import Proposal

    assess.propose([_evaluation(cast.c, year, 40.0, "较差")], year)
    proposal = Proposal.objects.get(branch=cast.c)
    client = login("supervisor")
    client.post(f"/supervision/proposals/{proposal.pk}/", {"action": "reject", "reason": ""})
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    client.post(f"/supervision/proposals/{proposal.pk}/", {"action": "reject", "reason": "已另行约谈"})
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and proposal.outcome["reason"] == "已另行约谈"
