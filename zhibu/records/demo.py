"""Demo records: two years of organisational life for every branch of the demo district.

Mostly compliant, with the gaps real branches have: a missed month, a general meeting short of a
quorum, late submissions, missing photos. Everything is submitted, reviewed and chained (hashes computed
here, exactly as `chain.contents` computes them from the rows); a few meetings are in session today.
Built with bulk_create: a handful of queries per table, not per branch.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections import defaultdict
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from zhibu.core.demo import step
from zhibu.orgs.models import Branch, Group, Member, MemberRole

from . import chain
from .models import Attachment, Attendance, Exclusion, Meeting, Resolution, Review, ScheduleItem, Seal

TOPICS = [
    "学习贯彻党的二十大精神",
    "学习《中国共产党章程》",
    "学习《中国共产党支部工作条例（试行）》",
    "重温入党誓词，开展党性教育",
    "学习习近平总书记关于“三农”工作的重要论述",
    "学习《中国共产党纪律处分条例》",
    "开展“七一”主题党日活动",
    "学习乡村振兴政策，研究村集体经济发展",
    "开展文明实践志愿服务",
    "学习安全生产和防汛工作要求",
    "学习生态文明建设和长城保护要求",
    "学习基层治理“接诉即办”工作要求",
]
PLACES = ["村党群服务中心", "党员活动室", "村委会会议室", "社区党群服务站", "新时代文明实践站"]
ABSENCE = ["因病住院", "外出务工", "在外地照顾老人", "年老体弱行动不便", "值班", "外出就医"]
LECTURERS = ["镇党校 刘老师", "区委党校 王老师", "镇党委 张书记", "区委讲师团 李老师"]


def _day(rng: random.Random, year: int, month: int, lo: int, hi: int) -> datetime.date:
    return datetime.date(year, month, rng.randint(lo, hi))


def _minutes(rng: random.Random, topic: str, kinds: list[str]) -> str:
    lines = [f"主持人清点人数，宣布会议有效并宣布议程：{topic}。"]
    if "party_lecture" in kinds:
        lines.append("授课人结合本村实际讲授党课，党员交流学习体会。")
    if "general_meeting" in kinds:
        lines.append("与会党员逐项讨论议题，按少数服从多数原则表决，主持人宣布表决结果。")
    if "committee_meeting" in kinds:
        lines.append("支委会通报上月工作落实情况，研究本月重点工作并明确分工。")
    lines.append(
        rng.choice(["党员踊跃发言，一致表示要立足岗位发挥先锋模范作用。", "会议对下一步工作作出安排。"])
    )
    return "\n".join(lines)


class _Builder:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.meetings: list[SimpleNamespace] = []
        self.attendance: list[list[tuple]] = []  # per meeting: (member_id, state, reason, by_proxy)
        self.resolutions: list[list[tuple]] = []
        self.attachments: list[list[tuple]] = []  # (kind, name, sha, size)

    def add(
        self,
        branch,
        kinds,
        day,
        people,
        *,
        chair,
        recorder,
        group=None,
        lecturer=None,
        lecturer_text="",
        quorum_miss=False,
        no_photo=False,
        late=False,
        present_rate=0.9,
        status="approved",
        item=None,
        topic=None,
    ):
        rng = self.rng
        topic = topic or rng.choice(TOPICS)
        rows = []
        for m in people:
            p = 0.4 if quorum_miss else present_rate
            if m["id"] in (chair, recorder) or rng.random() < p:
                rows.append((m["id"], "present", "", m["proxy"]))
            else:
                state = "leave" if rng.random() < 0.7 else "absent"
                rows.append((m["id"], state, rng.choice(ABSENCE), False))
        if status == "in_session":
            rows = [r for r in rows if r[1] == "present"]
        submitted = day + datetime.timedelta(days=rng.randint(8, 20) if late else rng.randint(0, 4))
        if status in ("planned", "in_session"):
            submitted = None
        elif submitted > self.today:
            submitted = self.today
        if status == "approved" and submitted and (self.today - submitted).days < 5:
            status = "submitted"
        meeting = SimpleNamespace(
            id=None,
            branch_id=branch.pk,
            town_id=branch.town_id,
            types=kinds,
            date=day,
            start_time=datetime.time(rng.choice([9, 14, 19]), 0),
            place=rng.choice(PLACES),
            chair_id=chair,
            recorder_id=recorder,
            topic=topic,
            minutes="" if status in ("planned", "in_session") else _minutes(rng, topic, kinds),
            lecturer_id=lecturer,
            lecturer_text=lecturer_text if not lecturer else "",
            group_id=group,
            schedule_item_id=item,
            status=status,
            election=False,
            submitted=submitted,
        )
        votes = []
        if "general_meeting" in kinds and rng.random() < 0.5 and status not in ("planned", "in_session"):
            full = {m["id"] for m in people if m["full_since"] and m["full_since"] <= day}
            present = sum(1 for r in rows if r[1] == "present" and r[0] in full)
            title = rng.choice(["讨论通过村集体经济项目实施方案", "讨论接收预备党员", "讨论通过年度工作计划"])
            votes.append((title, present, 0, 0, "passed"))
        files = []
        if status not in ("planned", "in_session"):
            for kind in ("signin", "photo") if "theme_day" in kinds and not no_photo else ("signin",):
                if kind == "signin" or "theme_day" in kinds:
                    seed = f"{branch.pk}-{day}-{kind}-{rng.random()}"
                    files.append(
                        (
                            kind,
                            f"{'签到表' if kind == 'signin' else '活动照片'}.jpg",
                            hashlib.sha256(seed.encode()).hexdigest(),
                            rng.randint(180_000, 2_400_000),
                        )
                    )
        self.meetings.append(meeting)
        self.attendance.append(rows if status != "planned" else [])
        self.resolutions.append(votes)
        self.attachments.append(files)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain SQL for the large tables: bulk_create's per-object cost would dominate the demo build.

    PostgreSQL: COPY (one stream); others: executemany (SQLite runs in-process, so it is fast there).
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join('"' + c.strip('"') + '"' for c in columns)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


@step("一册：两年会议纪实", order=30)
@transaction.atomic
def build(rng: random.Random, today: datetime.date) -> str:
    branches = list(
        Branch.objects.filter(town__district__code="huairou").select_related("town").order_by("code")
    )
    if not branches or Meeting.objects.filter(branch__in=branches[:1]).exists():
        return "已存在，跳过" if branches else "没有演示区，跳过"
    ids = [b.pk for b in branches]
    members = defaultdict(list)
    for m in (
        Member.objects.filter(branch_id__in=ids)
        .order_by("id")
        .values("id", "branch_id", "joined", "left", "full_since", "group_id", "birth_date", "phone")
    ):
        m["proxy"] = not m["phone"] or (m["birth_date"] and today.year - m["birth_date"].year > 75)
        members[m["branch_id"]].append(m)
    committee = defaultdict(list)
    role_start = {}
    secretary = {}
    for r in MemberRole.objects.filter(member__branch_id__in=ids, end__isnull=True).values(
        "member_id", "member__branch_id", "role", "start"
    ):
        if r["role"] in ("secretary", "deputy_secretary", "committee_member"):
            committee[r["member__branch_id"]].append(r["member_id"])
            role_start[r["member_id"]] = r["start"]
        if r["role"] == "secretary":
            secretary[r["member__branch_id"]] = r["member_id"]
    groups = defaultdict(list)
    for g in Group.objects.filter(branch_id__in=ids).values("id", "branch_id"):
        groups[g["branch_id"]].append(g["id"])

    first = datetime.date(today.year - 1, 1, 1)
    district = branches[0].town.district
    plan = []
    for year in (today.year - 1, today.year):
        for month in range(1, 13):
            plan.append(
                ScheduleItem(
                    district=district,
                    year=year,
                    month=month,
                    meeting_type="theme_day",
                    title=TOPICS[(month - 1) % len(TOPICS)],
                    readings="原文学习，支部书记领学，党员交流发言",
                )
            )
            if month in (3, 6, 9, 12):
                plan.append(
                    ScheduleItem(
                        district=district,
                        year=year,
                        month=month,
                        meeting_type="party_lecture",
                        title=f"第{month // 3}季度专题党课：{TOPICS[(month + 5) % len(TOPICS)]}",
                        readings="书记或班子成员讲党课，结合本村（社区）实际",
                    )
                )
    ScheduleItem.objects.bulk_create(plan)
    theme_item = {(i.year, i.month): i.pk for i in plan if i.meeting_type == "theme_day"}
    exclusions = []
    b = _Builder(rng, today)
    live_today = {br.pk for br in [x for x in branches if x.town.code == "YQ" and x.domain == "rural"][:3]}
    for branch in branches:
        people = members[branch.pk]
        if not people:
            continue
        away = [m for m in people if rng.random() < 0.02]
        for m in away:
            exclusions.append(
                Exclusion(
                    member_id=m["id"],
                    start=first,
                    end=datetime.date(today.year, 12, 31),
                    reason="外出务工半年以上，经支部委员会研究不计入应到会人数",
                )
            )
        away_ids = {m["id"] for m in away}
        sec = secretary.get(branch.pk) or people[0]["id"]
        com = committee.get(branch.pk, [])
        recorder = next((c for c in com if c != sec), people[-1]["id"])
        sloppy = rng.random() < 0.12  # a branch with the usual gaps
        missed = {(rng.choice([today.year - 1, today.year]), rng.randint(1, 11))} if sloppy else set()
        quorum_miss_q = rng.choice([2, 3]) if rng.random() < 0.04 else None
        lecture_q = rng.randint(1, 4)

        def in_branch(day, group=None, only=None, people=people, away_ids=away_ids):
            return [
                m
                for m in people
                if m["joined"] <= day
                and (m["left"] is None or m["left"] > day)
                and (group is None or m["group_id"] == group)
                # the committee is expected whoever is away; everyone else only when not excluded
                and (
                    m["id"] in only and role_start[m["id"]] <= day
                    if only is not None
                    else m["id"] not in away_ids
                )
            ]

        month = first
        while month <= today:
            y, mo = month.year, month.month
            last_day = 28
            if (y, mo) not in missed:
                day = _day(rng, y, mo, 5, 15)
                if day < today:
                    kinds = ["theme_day"]
                    quarter_end = mo in (3, 6, 9, 12)
                    if quarter_end:
                        kinds += ["general_meeting", "party_lecture"]
                    lecturer = sec if quarter_end and mo // 3 == lecture_q else None
                    b.add(
                        branch,
                        kinds,
                        day,
                        in_branch(day),
                        chair=sec,
                        recorder=recorder,
                        lecturer=lecturer if "party_lecture" in kinds else None,
                        lecturer_text=rng.choice(LECTURERS) if "party_lecture" in kinds else "",
                        quorum_miss=quorum_miss_q is not None
                        and quarter_end
                        and mo // 3 == quorum_miss_q
                        and y == today.year - 1,
                        no_photo=rng.random() < (0.15 if sloppy else 0.02),
                        late=rng.random() < (0.25 if sloppy else 0.03),
                        # most branches link the record to the month's schedule item; some forget
                        item=theme_item.get((y, mo)) if rng.random() < 0.9 else None,
                        topic=TOPICS[(mo - 1) % len(TOPICS)],
                    )
            if len(com) >= 3:
                day = _day(rng, y, mo, 1, 4)
                if day < today:
                    b.add(
                        branch,
                        ["committee_meeting"],
                        day,
                        in_branch(day, only=set(com)),
                        chair=sec,
                        recorder=recorder,
                        present_rate=0.97,
                        late=rng.random() < 0.02,
                    )
            for g in groups.get(branch.pk, []):
                day = _day(rng, y, mo, 16, last_day)
                ppl = in_branch(day, group=g)
                if day < today and ppl and rng.random() < 0.97:
                    b.add(
                        branch,
                        ["group_meeting"],
                        day,
                        ppl,
                        chair=ppl[0]["id"],
                        recorder=ppl[-1]["id"],
                        group=g,
                    )
            if mo == 1:
                day = _day(rng, y, 1, 18, 28)
                if day < today:
                    b.add(
                        branch,
                        ["org_life_meeting", "democratic_appraisal", "general_meeting"],
                        day,
                        in_branch(day),
                        chair=sec,
                        recorder=recorder,
                        present_rate=0.93,
                    )
            month = (month.replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
        if branch.pk in live_today:
            b.add(
                branch,
                ["theme_day", "party_lecture"],
                today,
                in_branch(today),
                chair=sec,
                recorder=recorder,
                lecturer=sec,
                status="in_session",
                present_rate=0.6,
            )
            b.add(
                branch,
                ["committee_meeting"],
                today + datetime.timedelta(days=6),
                in_branch(today, only=set(com)),
                chair=sec,
                recorder=recorder,
                status="planned",
            )

    Exclusion.objects.bulk_create(exclusions)
    start = (Meeting.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    for n, m in enumerate(b.meetings):
        m.id = m.pk = start + n
    ops = connection.ops
    signed = ops.adapt_datetimefield_value(timezone.now())
    _insert(
        Meeting,
        [
            "id",
            "branch_id",
            "town_id",
            "types",
            "date",
            "start_time",
            "place",
            "chair_id",
            "recorder_id",
            "topic",
            "minutes",
            "lecturer_id",
            "lecturer_text",
            "group_id",
            "election",
            "status",
            "submitted",
            "step",
            "external_id",
            "schedule_item_id",
            "created_at",
        ],
        [
            (
                m.id,
                m.branch_id,
                m.town_id,
                json.dumps(m.types),
                ops.adapt_datefield_value(m.date),
                ops.adapt_timefield_value(m.start_time),
                m.place,
                m.chair_id,
                m.recorder_id,
                m.topic,
                m.minutes,
                m.lecturer_id,
                m.lecturer_text,
                m.group_id,
                False,
                m.status,
                ops.adapt_datefield_value(m.submitted),
                0,
                "",
                m.schedule_item_id,
                signed,
            )
            for m in b.meetings
        ],
    )
    with connection.cursor() as cursor:  # PostgreSQL: the id sequence continues after the ids given here
        for sql in ops.sequence_reset_sql(no_style(), [Meeting]):
            cursor.execute(sql)
    _insert(
        Attendance,
        ["meeting_id", "member_id", "state", "reason", "by_proxy", "signed_at"],
        [
            (m.pk, r[0], r[1], r[2], r[3], signed if r[1] == "present" else None)
            for m, rows in zip(b.meetings, b.attendance, strict=True)
            for r in rows
        ],
    )
    _insert(
        Resolution,
        ["meeting_id", '"order"', "title", "yes", "no", "abstain", "declared"],
        [
            (m.pk, n, *v)
            for m, votes in zip(b.meetings, b.resolutions, strict=True)
            for n, v in enumerate(votes)
        ],
    )
    _insert(
        Attachment,
        ["meeting_id", "kind", "file", "name", "content_type", "extension", "size", "sha256", "uploaded_at"],
        [
            (m.pk, f[0], "", f[1], "image/jpeg", ".jpg", f[3], f[2], signed)
            for m, files in zip(b.meetings, b.attachments, strict=True)
            for f in files
        ],
    )
    # Reviews and the chain: in submission order per branch, hashed as chain.contents would.
    reviews, seals = [], []
    order = sorted(
        (i for i, m in enumerate(b.meetings) if m.submitted),
        key=lambda i: (b.meetings[i].branch_id, b.meetings[i].submitted, b.meetings[i].pk),
    )
    previous: dict[int, str] = {}
    seq: dict[int, int] = defaultdict(int)
    for i in order:
        m = b.meetings[i]
        doc = {f: getattr(m, f) for f in chain.MEETING_FIELDS}
        content = chain._hash(
            chain.canonical(
                doc,
                b.attendance[i],
                [v for v in b.resolutions[i]],
                [(f[0], f[2], f[3]) for f in b.attachments[i]],
            )
        )
        prev = previous.get(m.branch_id, "")
        digest = chain.link(prev, content)
        seq[m.branch_id] += 1
        seals.append((m.branch_id, seq[m.branch_id], m.pk, chain.ALGORITHM, content, prev, digest, signed))
        previous[m.branch_id] = digest
        if m.status == "approved":
            reviews.append((m.pk, "approved", "纪实规范，审核通过", signed))
    _insert(
        Seal,
        ["branch_id", "seq", "meeting_id", "algorithm", "content", "previous", "digest", "created_at"],
        seals,
    )
    _insert(Review, ["meeting_id", "decision", "comment", "created_at"], reviews)
    return f"{len(b.meetings)} 次会议，{sum(len(a) for a in b.attendance)} 条出缺席，{len(seals)} 环存证"
