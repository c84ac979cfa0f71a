"""学时: collective study recorded by secretaries, yearly totals, what members owe, reports, compliance."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from zhibu.library import exports, selectors
from zhibu.library.models import CollectiveStudy, HallVisit, StudyDay


def test_secretary_records_collective_study_for_members(cast, login):
    year = timezone.localdate().year
    before = selectors.learning_hours([cast.member_of_a.pk], year)[cast.member_of_a.pk]
    client = login("secretary_a")
    form = client.get("/library/study/new/").content.decode()
    assert cast.member_of_a.name in form and "乙书记" not in form
    response = client.post(
        "/library/study/new/?branch=T1-001",
        {
            "date": timezone.localdate().isoformat(),
            "topic": "学习新修订的党章",
            "hours": "3",
            "attendees": [cast.member_of_a.pk],
        },
    )
    assert response.status_code == 302
    after = selectors.learning_hours([cast.member_of_a.pk], year)[cast.member_of_a.pk]
    assert after - before == pytest.approx(3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "日期不能晚于今天"),
        ({"hours": "12"}, "学时应在 0.5 到 8 之间"),
        ({"topic": "   "}, "学习主题"),
    ],
)
def test_bad_collective_study_is_refused_whole(cast, login, change, message):
    data = {
        "date": timezone.localdate().isoformat(),
        "topic": "学习",
        "hours": "2",
        "attendees": [cast.member_of_a.pk],
    }
    data.update(change)
    response = login("secretary_a").post("/library/study/new/?branch=T1-001", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not CollectiveStudy.objects.filter(branch=cast.a).exists()


def test_attendees_must_belong_to_the_branch(cast, login):
    from django.core.exceptions import ValidationError

    from zhibu.library import services

    with pytest.raises(ValidationError) as err:
        services.collective_study_record(
            branch=cast.a,
            date=timezone.localdate(),
            topic="学习",
            hours=2,
            attendees=[cast.member_of_a, cast.member_of_b],
            user=cast.secretary_a,
        )
    assert "乙书记" in str(err.value)
    assert not CollectiveStudy.objects.exists()
    # Through the page, a member of another branch is simply not a valid choice.
    response = login("secretary_a").post(
        "/library/study/new/?branch=T1-001",
        {
            "date": timezone.localdate().isoformat(),
            "topic": "学习",
            "hours": "2",
            "attendees": [cast.member_of_b.pk],
        },
    )
    assert response.status_code == 200 and not CollectiveStudy.objects.exists()


def _online(member, item, seconds, day=None):
    StudyDay.objects.create(
        member=member, item=item, kind=item.kind, day=day or timezone.localdate(), seconds=seconds
    )


def test_member_sees_what_they_still_owe(cast, library, login):
    _online(cast.member_of_a, library.video, 2700)  # 45 minutes = 1 学时
    html = login("member_a").get("/library/my/").content.decode()
    # 2 (the library fixture's collective study) + 1 online = 3 of 32 → 29 owed.
    assert "29.0" in html and "32" in html
    row = selectors.member_rows([cast.member_of_a], timezone.localdate().year)[0]
    assert (row.online, row.collective, row.total, row.owed) == (1.0, 2.0, 3.0, 29.0)


def test_committee_members_owe_56(cast):
    year = timezone.localdate().year
    rows = {r.member.name: r for r in selectors.member_rows([cast.member_of_a, cast.member_of_b], year)}
    assert rows["甲党员"].required == 32 and rows["乙书记"].required == 56


def test_summaries_read_a_few_members_at_a_time_add_up_the_same(cast, library, monkeypatch):
    """A city's summary reads its sums in chunks of members (flat memory): the same figures as one read."""
    _online(cast.member_of_a, library.video, 2700)
    year = timezone.localdate().year
    members = selectors.current_members(year)
    for by in ("town", "branch"):
        whole = selectors.summaries(members, year, by, selectors.Hours.read(members, year))
        monkeypatch.setattr(selectors, "SUMMARY_CHUNK", 2)
        chunked = selectors.summaries(members, year, by)
        monkeypatch.undo()
        assert [(s.key, s.members, s.met, round(s.hours, 1)) for s in chunked] == [
            (s.key, s.members, s.met, round(s.hours, 1)) for s in whole
        ]
        assert sum(s.members for s in chunked) == members.count() > 2 and any(s.hours for s in chunked)


def test_an_export_larger_than_a_chunk_reads_its_sums_a_chunk_at_a_time_and_says_the_same(
    cast, library, login, monkeypatch
):
    """A city's 学时 export reads the sums for a few members at a time (flat memory): the same workbook."""
    _online(cast.member_of_a, library.video, 2700)
    client = login("admin")

    def workbook():
        book = load_workbook(io.BytesIO(client.get("/library/hours/export.xlsx").getvalue()))
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}

    whole = workbook()
    spans, read = [], selectors.Hours.read
    monkeypatch.setattr(exports, "READ_ONCE", 2)
    monkeypatch.setattr(selectors, "SUMMARY_CHUNK", 2)
    monkeypatch.setattr(selectors, "ROW_CHUNK", 2)
    monkeypatch.setattr(
        selectors.Hours,
        "read",
        classmethod(lambda cls, m, y, span=None: spans.append(span) or read(m, y, span)),
    )
    assert workbook() == whole
    members = len(whole["党员明细"]) - 1
    # Two readings of the sums (one for both summary sheets, one for the member sheet), each two members at a
    # time: never all at once.
    assert members > 4 and len(spans) == 2 * -(-members // 2) and None not in spans
    rows = {r[2]: r for r in whole["党员明细"][1:]}
    assert rows["甲党员"][3:] == (1.0, 2.0, 3.0, 32, 29.0) and rows["乙书记"][6] == 56


def test_secretary_sees_their_branch_and_reports_export(cast, library, login):
    html = login("secretary_a").get("/library/hours/branches/T1-001/").content.decode()
    assert "甲党员" in html and "甲书记" in html and "登记集中学习" in html
    report = login("admin").get("/library/hours/").content.decode()
    assert "一号镇" in report and "二号街道" in report and 'id="hours-data"' in report
    assert "library/chart.js" in report
    town = login("admin").get("/library/hours/?town=T1").content.decode()
    assert "甲村党支部" in town and "乙社区党支部" not in town
    response = login("supervisor").get("/library/hours/export.xlsx")
    wb = load_workbook(io.BytesIO(response.getvalue()))
    assert wb.sheetnames == ["乡镇汇总", "支部汇总", "党员明细"]
    names = [row[2] for row in wb["党员明细"].iter_rows(min_row=2, values_only=True)]
    assert "甲党员" in names and "乙书记" not in names  # the supervisor's reach is town T1


def test_hall_visit_counts_person_times(cast, login):
    client = login("centre")
    response = client.post(
        "/library/visits/new/?branch=T1-002",
        {
            "date": timezone.localdate().isoformat(),
            "attendees": [cast.member_of_c.pk],
            "guests": "4",
            "guide": "王讲解",
        },
    )
    assert response.status_code == 302
    visit = HallVisit.objects.get(branch=cast.c)
    assert visit.recorded_by == cast.centre
    page = client.get("/library/visits/").content.decode()
    assert "丙村党支部" in page and '<span class="stat">5</span>' in page


def test_provider_is_registered_with_the_compliance_engine():
    adapter = pytest.importorskip("zhibu.rules.adapter")
    assert selectors.learning_hours in adapter.LEARNING_SOURCES


def test_member_short_of_hours_appears_in_the_branch_findings(cast, library):
    adapter = pytest.importorskip("zhibu.rules.adapter")
    year = timezone.localdate().year - 1
    study = CollectiveStudy.objects.create(
        branch=cast.a, date=datetime.date(year, 6, 1), topic="学习", hours=8
    )
    study.attendees.set([cast.member_of_a])
    _online(cast.member_of_a, library.video, 24 * 2700, datetime.date(year, 7, 1))  # 8 + 24 = 32: enough
    end = datetime.date(year, 12, 31)
    report = adapter.branch_report(cast.a, datetime.date(year, 1, 1), end, as_of=end)
    short = {f["subject"] for f in report["findings"] if f["rule"] == "learning.hours"}
    secretary = cast.a.members.get(name="甲书记")
    assert f"m{secretary.pk}" in short  # no hours at all
    assert f"m{cast.member_of_a.pk}" not in short


def test_home_reminds_member_and_secretary(cast, library, login, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: datetime.date(datetime.date.today().year, 11, 20))
    home = login("member_a").get("/").content.decode()
    assert "今年学时还差" in home
    home = login("secretary_a").get("/").content.decode()
    assert "甲村党支部有" in home and "学时未达标" in home


def test_a_town_supervisor_sees_their_town_by_branch(cast, library, login):
    html = login("supervisor").get("/library/hours/").content.decode()
    assert "甲村党支部" in html and "丙村党支部" in html and "乙社区党支部" not in html


def test_secretary_reminder_is_kept_a_minute_and_counts_a_recorded_study_at_once(
    cast, library, login, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from zhibu.library import services
    from zhibu.orgs.models import Member

    settings.ZHIBU_FIGURES_SECONDS = 300
    cache.clear()
    day = datetime.date(datetime.date.today().year, 11, 20)
    monkeypatch.setattr(timezone, "localdate", lambda *a: day)
    client = login("secretary_a")

    def short() -> int:
        home = client.get("/").content.decode()
        found = re.search(r"甲村党支部有 (\d+) 名党员今年学时未达标", home)
        return int(found.group(1)) if found else 0

    before = short()
    members = list(Member.objects.filter(branch=cast.a, left__isnull=True))
    for m in members:
        _online(m, library.video, 24 * 2700, day)  # 24 学时 online each
    assert short() == before  # online learning shows within the minute the count is kept
    with django_capture_on_commit_callbacks(execute=True):
        services.collective_study_record(
            branch=cast.a, date=day, topic="集中学习", hours=8, attendees=members, user=cast.secretary_a
        )
    assert short() < before  # 24 + 8 = 32: members (not the committee) now meet it, counted at once
