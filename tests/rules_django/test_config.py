"""The rule configuration is versioned data a district admin edits; invalid input is refused clearly."""

import datetime
import json

from tests.records.helpers import held_meeting
from zhibu.orgs.models import Member
from zhibu.records import services
from zhibu.rules.adapter import branch_report
from zhibu.rules.models import RuleConfig


def test_an_edit_creates_a_version_and_changes_the_findings(cast, login):
    members = list(Member.objects.filter(branch=cast.a).order_by("id"))
    meeting = held_meeting(cast.a, cast.secretary_a, day=datetime.date(2025, 3, 5), present=members[:2])
    services.attendance_set(meeting=meeting, member=members[2], state="leave", reason="外出")
    services.meeting_submit(meeting=meeting, today=datetime.date(2025, 3, 6))

    def rules():
        report = branch_report(cast.a, datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
        return {f["rule"]: f for f in report["findings"]}

    assert "general_meeting.quorum" not in rules()  # 2 of 3 is more than half
    admin = login("admin")
    page = admin.get("/rules/config/").content.decode()
    assert "支部党员大会" in page and "第十一条" in page
    overrides = {"submit_within_days": 0, "messages": {"record.late": {"citation": "本区纪实管理办法第三条"}}}
    response = admin.post(
        "/rules/config/", {"overrides": json.dumps(overrides), "reason": "从严要求当日上传"}
    )
    assert response.status_code == 302
    config = RuleConfig.objects.get()
    assert config.version == 1 and config.created_by == cast.admin
    late = rules()["record.late"]
    assert late["citation"] == "本区纪实管理办法第三条"
    assert "本区纪实管理办法第三条" in admin.get("/rules/config/").content.decode()


def test_invalid_configuration_is_refused_naming_the_problem(cast, login):
    admin = login("admin")
    page = admin.post("/rules/config/", {"overrides": "{bad json", "reason": "试"}).content.decode()
    assert "不是有效的 JSON" in page
    page = admin.post(
        "/rules/config/", {"overrides": '{"frequency": {"theme_day": "weekly"}}', "reason": "试"}
    ).content.decode()
    assert "frequency.theme_day" in page
    page = admin.post("/rules/config/", {"overrides": "{}", "reason": ""}).content.decode()
    assert "修改原因" in page
    assert not RuleConfig.objects.exists()
    assert login("supervisor").post("/rules/config/", {"overrides": "{}", "reason": "x"}).status_code == 403
