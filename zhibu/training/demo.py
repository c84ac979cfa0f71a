"""The demo district's training centre: rooms, faculty, a question bank, and several years of classes.

Years of rotation classes by town, secretary and party-affairs classes, a class for the new village
committees after the 2021 elections, and 补训 classes, each with roster, sessions, attendance, a drill
scored by two instructors, online exams (from 2023), results, certificates and retraining — about
30,000 person-times, the scale the centre reports. Runs after the demo logins exist (order 95) so the
drills have real scorers. Built with bulk inserts; idempotent (skips if the district has classes).
"""

import datetime
import random
import secrets
from collections import defaultdict
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from zhibu.core.demo import step
from zhibu.orgs.models import District, Member, MemberRole, Town

from . import services
from .models import (
    Answer,
    Attempt,
    Attendance,
    Certificate,
    Criterion,
    DrillEntry,
    Enrolment,
    Exam,
    Faculty,
    LessonPlan,
    Question,
    Resource,
    Retraining,
    Score,
    Session,
    TrainingClass,
)
from .models import Drill as DrillModel

RESOURCES = [
    ("演练室一", "drill_room", 40),
    ("演练室二", "drill_room", 40),
    ("演练室三", "drill_room", 30),
    ("演练室四", "drill_room", 30),
    ("支部规范化建设展厅", "hall", 120),
    ("第一教室", "lecture", 150),
    ("第二教室", "lecture", 80),
]
FACULTY = [
    ("区委组织部部长", "leader", "讲授支部建设总体要求"),
    ("区委党校 王老师", "school", "党章党规"),
    ("区委党校 刘老师", "school", "组织生活制度"),
    ("区委党校 陈老师", "school", "发展党员工作"),
    ("雁栖镇 张书记", "guide", "优秀村党支部书记"),
    ("宝山镇 李书记", "guide", "优秀村党支部书记"),
    ("泉河街道 赵书记", "guide", "优秀社区党支部书记"),
    ("演练员 孙老师", "actor", "模拟会议主持"),
    ("演练员 周老师", "actor", "模拟党员"),
    ("演练员 吴老师", "actor", "模拟记录人"),
]
LESSONS = [
    ("支部规范化建设“一规一表一册”", "掌握组织生活规则、年度计划表和会议纪实册的使用", "讲授—案例—答疑"),
    ("“三会一课”的程序与记录", "会按程序召开三会一课并完整记录", "展厅参观—讲授—分组演练—点评"),
    ("发展党员工作流程", "熟悉发展党员五个阶段二十五个步骤", "讲授—文书填写练习"),
]
# (topic, kind, stem, options, answer, explanation)
QUESTIONS = [
    (
        "三会一课",
        "single",
        "支部党员大会一般多长时间召开一次？",
        ["每季度1次", "每半年1次", "每年1次"],
        0,
        "",
    ),
    (
        "三会一课",
        "single",
        "支部委员会会议一般多长时间召开一次？",
        ["每月1次", "每季度1次", "每半年1次"],
        0,
        "",
    ),
    ("三会一课", "single", "党小组会一般多长时间召开一次？", ["每月1次", "每季度1次", "每年2次"], 0, ""),
    ("三会一课", "single", "党课一般多长时间开展一次？", ["每季度至少1次", "每年1次", "每半年1次"], 0, ""),
    ("支部换届", "single", "村党组织每届任期为几年？", ["3年", "5年", "4年"], 1, ""),
    (
        "支部换届",
        "single",
        "进行选举时，有选举权的到会人数须超过应到会人数的多少，会议有效？",
        ["半数", "三分之二", "五分之四"],
        2,
        "",
    ),
    ("发展党员", "single", "预备党员的预备期为多长时间？", ["半年", "一年", "两年"], 1, ""),
    ("党章党规", "single", "党支部书记一般应具有几年以上党龄？", ["1年", "3年", "5年"], 0, ""),
    (
        "组织生活会",
        "single",
        "民主评议党员一般多长时间开展一次？",
        ["每年1次", "每两年1次", "每季度1次"],
        0,
        "",
    ),
    (
        "发展党员",
        "single",
        "接收预备党员，赞成人数须超过应到会有表决权的正式党员的多少？",
        ["三分之一", "半数", "三分之二"],
        1,
        "",
    ),
    (
        "三会一课",
        "multiple",
        "“三会一课”包括下列哪些？",
        ["支部党员大会", "支部委员会", "党小组会", "党课", "座谈会"],
        [0, 1, 2, 3],
        "",
    ),
    (
        "三会一课",
        "multiple",
        "会议记录应当包括下列哪些内容？",
        ["时间、地点", "主持人和记录人", "应到、实到人数及缺席原因", "议题与表决情况", "与会人员手机号"],
        [0, 1, 2, 3],
        "",
    ),
    (
        "发展党员",
        "multiple",
        "下列哪些属于发展党员的阶段？",
        [
            "入党积极分子的确定和培养教育",
            "发展对象的确定和考察",
            "预备党员的接收",
            "预备党员的教育考察和转正",
            "入党申请人直接转正",
        ],
        [0, 1, 2, 3],
        "",
    ),
    (
        "组织生活会",
        "multiple",
        "召开组织生活会前，应做好哪些准备？",
        ["开展谈心谈话", "广泛征求意见", "撰写对照检查材料", "确定表决结果"],
        [0, 1, 2],
        "",
    ),
    ("党章党规", "judge", "支部党员大会表决时，预备党员有表决权。", [], False, "预备党员没有表决权。"),
    ("三会一课", "judge", "党小组会由党小组长主持。", [], True, ""),
    ("三会一课", "judge", "会议记录可以在会后由记录人凭记忆补写。", [], False, "应当场如实记录。"),
    ("党章党规", "judge", "党员因故不能参加党员大会，应当向党支部请假。", [], True, ""),
    ("支部换届", "judge", "被选举人获得的赞成票超过实到会有选举权人数的一半，始得当选。", [], True, ""),
    ("发展党员", "judge", "预备党员转正须经支部党员大会讨论表决。", [], True, ""),
    ("组织生活会", "judge", "组织生活会可以用集中学习代替批评和自我批评。", [], False, ""),
    ("党章党规", "fill", "党的根本组织原则是____。", [], ["民主集中制"], ""),
    ("三会一课", "fill", "“三会一课”中的“一课”是指____。", [], ["党课"], ""),
    ("发展党员", "fill", "预备党员的预备期为____年。", [], ["一", "1"], ""),
    ("支部换届", "fill", "党支部委员会由党员大会____产生。", [], ["选举"], ""),
]
QUOTAS = [
    {"topic": "", "kind": "single", "count": 5},
    {"topic": "", "kind": "multiple", "count": 2},
    {"topic": "", "kind": "judge", "count": 3},
]


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


Row = SimpleNamespace


def _enrolment(klass_id, member_id, status, source) -> SimpleNamespace:
    return Row(
        klass_id=klass_id,
        member_id=member_id,
        status=status,
        source=source,
        attendance=None,
        exam_score=None,
        drill_total=None,
        result="",
        result_note="",
        pk=None,
    )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _plan(rng, today, towns, members_by_town, secretaries, committee, rural_committee):
    """The classes of each year: (name, category, members)."""
    plan = []
    first = today.year - 7
    for year in range(first, today.year + 1):
        # Rotation: each town every year, about a fifth of its members.
        for code, name in towns:
            pool = members_by_town[code]
            if not pool:
                continue
            chosen = rng.sample(pool, int(len(pool) * rng.uniform(0.2, 0.24)))
            plan.append((year, f"{year}年{name}党员全员轮训班", TrainingClass.Category.ROTATION, chosen))
        plan.append(
            (year, f"{year}年村（社区）党组织书记专题培训班", TrainingClass.Category.SECRETARY, secretaries)
        )
        half = len(committee) // 2
        pool = committee[:half] if year % 2 else committee[half:]
        plan.append((year, f"{year}年党务工作者培训班", TrainingClass.Category.AFFAIRS, pool))
        plan.append(
            (
                year,
                f"{year}年普通党员示范培训班",
                TrainingClass.Category.MEMBER,
                rng.sample(members_by_town[towns[year % len(towns)][0]], 60),
            )
        )
        if year == 2021:
            plan.append(
                (
                    year,
                    "2021年新一届村“两委”班子成员培训班",
                    TrainingClass.Category.NEW_COMMITTEE,
                    rural_committee,
                )
            )
        plan.append((year, f"{year}年补训班", TrainingClass.Category.RETRAINING, []))
    return plan


@step("培训班与考核", order=95)
@transaction.atomic
def build(rng: random.Random, today: datetime.date) -> str:
    district = District.objects.filter(code="huairou").first()
    if district is None:
        return "没有演示区，跳过"
    if TrainingClass.objects.filter(district=district).exists():
        return "已存在，跳过"
    from zhibu.accounts.models import User

    instructor = User.objects.filter(username="demo-instructor").first()
    centre = User.objects.filter(username="demo-centre").first()
    scorers = [u for u in (instructor, centre) if u]
    rooms = Resource.objects.bulk_create(
        [Resource(district=district, name=n, kind=k, capacity=c) for n, k, c in RESOURCES]
    )
    faculty = Faculty.objects.bulk_create(
        [Faculty(district=district, name=n, kind=k, title=t) for n, k, t in FACULTY]
    )
    if instructor:
        Faculty.objects.filter(pk=faculty[1].pk).update(user=instructor)
    plans = LessonPlan.objects.bulk_create(
        [LessonPlan(district=district, title=t, objectives=o, outline=x) for t, o, x in LESSONS]
    )
    scripts = sorted(services.default_scripts(district), key=lambda x: x.meeting != "支部党员大会")
    rubric = services.default_rubric(district)
    criteria = list(Criterion.objects.filter(rubric=rubric))
    questions = Question.objects.bulk_create(
        [
            Question(
                district=district, topic=t, kind=k, stem=s, options=o, answer=a, explanation=e, difficulty=d
            )
            for (t, k, s, o, a, e), d in zip(QUESTIONS, [rng.randint(1, 5) for _ in QUESTIONS], strict=True)
        ]
    )
    by_kind = defaultdict(list)
    for q in questions:
        by_kind[q.kind].append(q)

    towns = list(Town.objects.filter(district=district).order_by("code").values_list("code", "name"))
    members = list(
        Member.objects.filter(branch__town__district=district, left__isnull=True).values_list(
            "id", "branch__town__code", "branch__domain"
        )
    )
    members_by_town = defaultdict(list)
    domain = {}
    for mid, town, dom in members:
        members_by_town[town].append(mid)
        domain[mid] = dom
    roles = MemberRole.objects.filter(member__branch__town__district=district, end__isnull=True)
    secretaries = sorted(set(roles.filter(role="secretary").values_list("member_id", flat=True)))
    committee = sorted(set(roles.filter(role__in=MemberRole.COMMITTEE).values_list("member_id", flat=True)))
    rural_committee = [m for m in committee if domain.get(m) == "rural"]

    plan = _plan(rng, today, towns, members_by_town, secretaries, committee, rural_committee)
    # Dates: the year's classes one after another from March, 2–3 days each, so rooms never clash.
    pairs, per_year = [], defaultdict(int)
    for year, name, cat, mids in plan:
        n = per_year[year]
        per_year[year] += 1
        start = datetime.date(year, 3, 1) + datetime.timedelta(days=9 * n)
        if start >= today - datetime.timedelta(days=3):
            continue
        klass = TrainingClass(
            district=district,
            name=name,
            category=cat,
            start=start,
            end=start + datetime.timedelta(days=2),
            status=TrainingClass.Status.CLOSED,
            audience={},
            created_by=centre,
        )
        pairs.append((klass, mids))
    # The current class for the demo logins: 雁栖镇's rural branches, today, with an exam under way.
    current = TrainingClass(
        district=district,
        name=f"{today.year}年雁栖镇支部规范化建设实训班",
        category=TrainingClass.Category.ROTATION,
        start=today,
        end=today + datetime.timedelta(days=2),
        status=TrainingClass.Status.OPEN,
        audience={"towns": ["YQ"], "domains": ["rural"]},
        created_by=centre,
    )
    upcoming = TrainingClass(
        district=district,
        name=f"{today.year}年第四季度补训班",
        category=TrainingClass.Category.RETRAINING,
        start=today + datetime.timedelta(days=20),
        end=today + datetime.timedelta(days=21),
        created_by=centre,
    )
    classes = [c for c, _ in pairs]
    TrainingClass.objects.bulk_create(classes + [current, upcoming])

    kinds = [
        ("支部规范化建设展厅参观", "see", rooms[4], 9, 10),
        ("“三会一课”程序讲授", "learn", rooms[5], 10, 12),
        ("支部党员大会模拟演练", "drill", rooms[0], 14, 17),
    ]
    sessions, session_of = [], defaultdict(list)
    for c in classes + [current]:
        # Earlier years: one day of lecture and drill; from last year on, the hall visit too.
        for i, (title, kind, room, h1, h2) in enumerate(kinds):
            if kind == "see" and c.start.year < today.year - 1:
                continue
            day = c.start + datetime.timedelta(days=0 if i < 2 else 1)
            s = Session(
                klass=c,
                title=title,
                kind=kind,
                starts=_at(day, h1),
                ends=_at(day, h2),
                resource=room,
                lesson_plan=plans[1] if kind == "learn" else None,
                drill_script=scripts[0] if kind == "drill" else None,
            )
            sessions.append(s)
            session_of[c.pk].append(s)
    drills = {
        c.pk: DrillModel(klass=c, title="支部党员大会模拟演练", rubric=rubric, script=scripts[0])
        for c in classes
    }
    exams = {
        c.pk: Exam(
            klass=c, title="结业考试", opens=_at(c.end, 9), closes=_at(c.end, 17), minutes=30, quotas=QUOTAS
        )
        for c in classes
        if c.start.year >= 2023
    }

    enrolments, attendance, entries, teams, scores = [], [], [], [], []
    attempts, answers, certificates, retrainings = [], [], [], []
    pending: list[Retraining] = []
    reasons = {
        "absent": Retraining.Reason.ABSENT,
        "exam": Retraining.Reason.EXAM,
        "drill": Retraining.Reason.DRILL,
    }
    for c, mids in pairs:
        source = Enrolment.Source.RULE
        placing = {}
        if c.category == TrainingClass.Category.RETRAINING:
            source = Enrolment.Source.RETRAINING
            for r in pending:
                placing.setdefault(r.member_id, []).append(r)
            pending = []
            mids = list(placing)
        roster = [_enrolment(c.pk, m, Enrolment.Status.CONFIRMED, source) for m in mids]
        enrolments += roster
        for e in roster:
            for r in placing.get(e.member_id, []):
                r.placed = e
        class_sessions = session_of[c.pk]
        exam = exams.get(c.pk)
        for i in range(0, len(roster), 8):
            team = roster[i : i + 8]
            entry = Row(drill=drills[c.pk], name=f"第{i // 8 + 1}组", total=None, pk=None)
            quality = rng.uniform(0.5, 0.9) if rng.random() < 0.04 else rng.uniform(0.72, 0.98)
            total = 0.0
            for crit in criteria:
                points = []
                for scorer in scorers:
                    p = max(
                        0, min(crit.max_points, round(crit.max_points * (quality + rng.uniform(-0.08, 0.08))))
                    )
                    points.append(p)
                    scores.append((entry, crit.pk, scorer.pk, p))
                total += sum(points) / len(points) if points else 0
            entry.total = round(total, 2)
            entries.append(entry)
            teams.append((entry, team))
            for e in team:
                e.drill_total = entry.total
        for e in roster:
            luck = rng.random()
            if luck < 0.015:  # absent most of the class
                present = class_sessions[:1]
            elif luck < 0.05:  # missed one session
                present = class_sessions[1:] if len(class_sessions) > 2 else class_sessions
            else:
                present = class_sessions
            attendance += [(s, e) for s in present]
            e.attendance = round(100 * len(present) / len(class_sessions), 1)
            if exam is not None:
                e.exam_score = float(min(100, max(20, round(rng.gauss(85, 11) / 10) * 10)))
                picked = [q for quota in QUOTAS for q in rng.sample(by_kind[quota["kind"]], quota["count"])]
                start = _at(c.end, 9) + datetime.timedelta(minutes=rng.randint(0, 20))
                a = Row(
                    token=secrets.token_urlsafe(24),
                    exam=exam,
                    enrolment=e,
                    questions=[q.pk for q in picked],
                    started=start,
                    deadline=start + datetime.timedelta(minutes=30),
                    submitted=start + datetime.timedelta(minutes=rng.randint(12, 29)),
                    correct=round(e.exam_score / 10),
                    score=e.exam_score,
                )
                attempts.append(a)
                if c.start.year >= today.year:
                    right = set(rng.sample(range(len(picked)), a.correct))
                    answers += [(a, q.pk, j in right, start) for j, q in enumerate(picked)]
            result = services.scoring.outcome(
                services._rule(c),
                attendance=e.attendance,
                exam_score=e.exam_score,
                has_exam=exam is not None,
                drill_total=e.drill_total,
                has_drill=True,
            )
            e.result = Enrolment.Result.PASSED if result.passed else Enrolment.Result.FAILED
            e.result_note = "；".join(result.messages)[:200]
            if result.passed:
                certificates.append((e, f"HR{c.start.year}-{c.pk:04d}-{len(certificates) + 1:06d}", c.end))
            else:
                r = Row(
                    member_id=e.member_id,
                    reason=reasons[result.reasons[0]],
                    source=f"{c.name}：{e.result_note}"[:200],
                    from_enrolment=e,
                    placed=None,
                )
                retrainings.append(r)
                pending.append(r)
    # Those still waiting go to the coming 补训 class.
    later = []
    for m in dict.fromkeys(r.member_id for r in pending):
        later.append(_enrolment(upcoming.pk, m, Enrolment.Status.INVITED, Enrolment.Source.RETRAINING))
    by_member = {e.member_id: e for e in later}
    for r in pending:
        r.placed = by_member[r.member_id]

    Session.objects.bulk_create(sessions, batch_size=2000)
    through = Session.faculty.through
    through.objects.bulk_create(
        [
            through(
                session_id=s.pk,
                faculty_id={"see": faculty[4], "learn": faculty[1 + s.klass_id % 3], "drill": faculty[7]}[
                    s.kind
                ].pk,
            )
            for s in sessions
        ],
        batch_size=5000,
    )
    DrillModel.objects.bulk_create(list(drills.values()))
    Exam.objects.bulk_create(list(exams.values()))
    fields = ["status", "source", "attendance", "exam_score", "drill_total", "result", "result_note"]
    _insert(
        Enrolment,
        ["klass_id", "member_id", "leave_reason", "leave_refused"] + fields,
        [
            (e.klass_id, e.member_id, "", False) + tuple(getattr(e, f) for f in fields)
            for e in enrolments + later
        ],
    )
    ids = {
        (k, m): pk
        for pk, k, m in Enrolment.objects.filter(klass__district=district).values_list(
            "pk", "klass_id", "member_id"
        )
    }
    for e in enrolments + later:
        e.pk = e.id = ids[(e.klass_id, e.member_id)]
    # The large tables go in as plain rows (model instances would take most of the build's time).
    ops = connection.ops
    when = {s.pk: ops.adapt_datetimefield_value(s.starts) for s in sessions}
    _insert(
        Attendance,
        ["session_id", "enrolment_id", "at", "method"],
        [(s.pk, e.pk, when[s.pk], "qr") for s, e in attendance],
    )
    _insert(
        DrillEntry,
        ["drill_id", "name", "total", "flagged"],
        [(x.drill.pk, x.name, x.total, False) for x in entries],
    )
    ids = {
        (d, n): pk
        for pk, d, n in DrillEntry.objects.filter(drill__klass__district=district).values_list(
            "pk", "drill_id", "name"
        )
    }
    for x in entries:
        x.pk = x.id = ids[(x.drill.pk, x.name)]
    _insert(
        DrillEntry.enrolments.through,
        ["drillentry_id", "enrolment_id"],
        [(entry.pk, e.pk) for entry, team in teams for e in team],
    )
    stamp = ops.adapt_datetimefield_value(timezone.now())
    _insert(
        Score,
        ["entry_id", "criterion_id", "scorer_id", "points", "note", "updated_at"],
        [(entry.pk, cid, uid, p, "", stamp) for entry, cid, uid, p in scores],
    )
    questions_field = Attempt._meta.get_field("questions")
    dt = ops.adapt_datetimefield_value
    _insert(
        Attempt,
        [
            "exam_id",
            "enrolment_id",
            "token",
            "questions",
            "started",
            "deadline",
            "submitted",
            "correct",
            "score",
        ],
        [
            (
                a.exam.pk,
                a.enrolment.pk,
                a.token,
                questions_field.get_db_prep_save(a.questions, connection),
                dt(a.started),
                dt(a.deadline),
                dt(a.submitted),
                a.correct,
                a.score,
            )
            for a in attempts
        ],
    )
    ids = {
        (x, e): pk
        for pk, x, e in Attempt.objects.filter(exam__klass__district=district).values_list(
            "pk", "exam_id", "enrolment_id"
        )
    }
    for a in attempts:
        a.pk = a.id = ids[(a.exam.pk, a.enrolment.pk)]
    _insert(
        Answer,
        ["attempt_id", "question_id", "value", "correct", "saved"],
        [(a.pk, qid, None, ok, ops.adapt_datetimefield_value(at)) for a, qid, ok, at in answers],
    )
    _insert(
        Certificate,
        ["enrolment_id", "number", "issued"],
        [(e.pk, number, ops.adapt_datefield_value(day)) for e, number, day in certificates],
    )
    _insert(
        Retraining,
        ["member_id", "reason", "source", "from_enrolment_id", "placed_id", "created"],
        [(r.member_id, r.reason, r.source, r.from_enrolment.pk, r.placed.pk, stamp) for r in retrainings],
    )

    # The class under way: roster by its rule (invitations), and an exam open all week.
    services.roster_generate(klass=current)
    now = timezone.now()
    Exam.objects.create(
        klass=current,
        title="结业考试",
        opens=now - datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(days=7),
        minutes=30,
        quotas=QUOTAS,
    )
    services.drill_create(klass=current, title="支部党员大会模拟演练", script=scripts[0], team_size=6)
    person_times = len({e.pk for _, e in attendance})
    return (
        f"{len(classes) + 2} 个培训班，调训 {len(enrolments)} 人次，参训 {person_times} 人次，"
        f"{len(certificates)} 张结业证书，{len(retrainings)} 人次补训"
    )
