"""The effect measure: does a finding recur after its training? Pure, then over records and classes."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Member
from zhibu.plans import effect
from zhibu.plans.selectors import effect_rows
from zhibu.records import services as records
from zhibu.training.models import Enrolment, TrainingClass

D = datetime.date


def test_recurrence_after_training_per_rule_and_town():
    occ = [
        effect.Occurrence(1, "甲镇", "general_meeting.quorum", D(2025, 3, 1)),
        effect.Occurrence(1, "甲镇", "general_meeting.quorum", D(2025, 9, 1)),  # after training: recurred
        effect.Occurrence(2, "甲镇", "general_meeting.quorum", D(2025, 3, 1)),  # trained, did not recur
        effect.Occurrence(3, "乙镇", "general_meeting.quorum", D(2025, 2, 1)),
        effect.Occurrence(3, "乙镇", "general_meeting.quorum", D(2025, 4, 1)),  # untrained: again
        effect.Occurrence(4, "乙镇", "no.such_rule", D(2025, 12, 31)),  # no remedy: not counted
    ]
    trainings = [
        effect.Training(1, D(2025, 5, 1), "secretary"),
        effect.Training(2, D(2025, 5, 1), "member", frozenset({"支部党员大会"})),  # its drill answers it
        effect.Training(3, D(2025, 1, 1), "secretary"),  # before the finding: does not count
    ]
    rows = {(x.rule, x.town): x for x in effect.measure(occ, trainings)}
    assert set(rows) == {("general_meeting.quorum", t) for t in ("甲镇", "乙镇", "合计")}
    a, b, total = (
        rows[("general_meeting.quorum", "甲镇")],
        rows[("general_meeting.quorum", "乙镇")],
        rows[("general_meeting.quorum", "合计")],
    )
    assert (a.branches, a.trained, a.trained_recurred, a.trained_rate) == (2, 2, 1, 50)
    assert (b.trained, b.untrained, b.untrained_recurred, b.untrained_rate) == (0, 1, 1, 100)
    assert (total.branches, total.trained_rate, total.untrained_rate) == (3, 50, 100)
    assert a.remedy == "如何召开支部党员大会"


@pytest.mark.django_db
def test_computed_from_the_database_shown_and_printed(cast, login):
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    year = datetime.date.today().year - 1
    for day in (D(year, 3, 5), D(year, 9, 5)):
        m = held_meeting(cast.a, cast.secretary_a, day=day, present=members[:1])
        records.meeting_submit(meeting=m, today=day)
    klass = TrainingClass.objects.create(
        district=cast.a.town.district,
        name="书记示范班",
        category="secretary",
        start=D(year, 5, 1),
        end=D(year, 5, 3),
        status="closed",
    )
    Enrolment.objects.create(klass=klass, member=members[0], result="passed", attendance=100)
    rows = effect_rows(cast.a.town.district, D(year, 1, 1), D(year, 12, 31), refresh=True)
    row = next(x for x in rows if x.rule == "general_meeting.quorum" and x.town == "一号镇")
    assert (row.trained, row.trained_recurred) == (1, 1)
    out = io.StringIO()
    call_command("training_effect", "--json", "--years", "2", stdout=out)
    data = json.loads(out.getvalue())
    assert any(r["rule"] == "general_meeting.quorum" and r["trained_recurred"] == 1 for r in data["rows"])
    page = login("admin").get("/plans/effect/").content.decode()
    assert "党员大会到会人数不足" in page and "如何召开支部党员大会" in page


@pytest.mark.django_db
def test_the_page_runs_the_measure_as_a_job_and_then_serves_its_result(cast, login, monkeypatch):
    from django.core.cache import cache

    from zhibu.core.models import Job
    from zhibu.plans import tasks

    cache.clear()
    queued = []
    monkeypatch.setattr(tasks.effect_compute, "delay", lambda job_id: queued.append(job_id))
    client = login("admin")
    page = client.get("/plans/effect/").content.decode()
    assert "正在逐个检查全区支部" in page and len(queued) == 1
    client.get("/plans/effect/")
    assert len(queued) == 1  # the running job is shown again, not started twice
    tasks.effect_compute(queued[0])  # what the worker does
    job = Job.objects.get(pk=queued[0])
    assert job.status == "done" and job.done == job.total == 2
    cache.clear()  # another process: the finished job's rows are read back
    page = client.get("/plans/effect/").content.decode()
    assert "对应培训" in page and "正在逐个检查" not in page
