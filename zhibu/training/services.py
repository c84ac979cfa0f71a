"""Every write of 练 goes through here: all-or-nothing, refusing bad input with a Chinese message."""

import datetime
import hashlib

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhibu.orgs.models import Member, MemberRole

from . import scoring
from .models import (
    Answer,
    Attempt,
    Attendance,
    Certificate,
    Criterion,
    Drill,
    DrillEntry,
    DrillScript,
    Enrolment,
    Exam,
    Faculty,
    Question,
    Resource,
    Retraining,
    Rubric,
    Score,
    Session,
    TrainingClass,
    new_token,
)

# ---------------------------------------------------------------- audience and roster

AUDIENCE_ROLES = {
    "secretary": "书记",
    "deputy_secretary": "副书记",
    "committee_member": "支委委员",
    "group_leader": "党小组长",
    "affairs": "党务工作者（支委成员）",
}


def audience_members(district, audience: dict, day: datetime.date | None = None):
    """The members an audience rule names, e.g. {"roles": ["secretary"], "domains": ["rural"], "towns": ["BS"]}.

    roles: MemberRole kinds in office on `day` ("affairs" means any committee role); an empty list
    means every member. domains: branch domains; towns: town codes; branches: branch codes;
    elected_since: branches whose committee was elected on or after this date (新一届两委).
    """
    day = day or datetime.date.today()
    qs = Member.objects.filter(branch__town__district=district, joined__lte=day).filter(
        Q(left__isnull=True) | Q(left__gt=day)
    )
    if audience.get("towns"):
        qs = qs.filter(branch__town__code__in=audience["towns"])
    if audience.get("domains"):
        qs = qs.filter(branch__domain__in=audience["domains"])
    if audience.get("branches"):
        qs = qs.filter(branch__code__in=audience["branches"])
    if audience.get("elected_since"):
        qs = qs.filter(branch__committee_elected__gte=audience["elected_since"])
    roles = list(audience.get("roles") or [])
    if roles:
        kinds = set(roles) - {"affairs"}
        if "affairs" in roles:
            kinds |= set(MemberRole.COMMITTEE)
        in_office = MemberRole.objects.filter(role__in=kinds, start__lte=day).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )
        qs = qs.filter(pk__in=in_office.values("member_id"))
    return qs.order_by("branch__code", "id")


def audience_text(audience: dict) -> str:
    from zhibu.orgs.models import Branch, Town

    parts = []
    if audience.get("towns"):
        names = Town.objects.filter(code__in=audience["towns"]).values_list("name", flat=True)
        parts.append("、".join(names))
    if audience.get("domains"):
        labels = dict(Branch.Domain.choices)
        parts.append("、".join(str(labels.get(d, d)) for d in audience["domains"]) + "支部")
    if audience.get("branches"):
        parts.append(f"{len(audience['branches'])} 个指定支部")
    if audience.get("elected_since"):
        parts.append(f"{audience['elected_since']} 以后换届的支部")
    roles = audience.get("roles") or []
    parts.append("的" + "、".join(AUDIENCE_ROLES.get(r, r) for r in roles) if roles else "的全体党员")
    text = "".join(parts)
    return ("全区" + text) if not audience.get("towns") else text


def _clean_class(klass: TrainingClass) -> None:
    if klass.end < klass.start:
        raise ValidationError({"end": "结业日期不能早于开班日期"})


@transaction.atomic
def class_create(*, district, by=None, **fields) -> TrainingClass:
    klass = TrainingClass(district=district, created_by=by, **fields)
    _clean_class(klass)
    klass.full_clean(exclude=["created_by"])
    klass.save()
    return klass


def _users_of(members):
    from zhibu.accounts.models import User

    return User.objects.filter(member__in=members, is_active=True)


def _invite(enrolments) -> None:
    """Tell each trainee who has an account that they are on a roster (once per enrolment)."""
    from zhibu.accounts.models import User
    from zhibu.notifications.services import notify

    by_member = {e.member_id: e for e in enrolments}
    ids = list(by_member)
    users = [
        u
        for i in range(0, len(ids), 900)
        for u in User.objects.filter(member_id__in=ids[i : i + 900], is_active=True)
    ]
    for user in users:
        e = by_member[user.member_id]
        k = e.klass
        notify(
            [user],
            title=f"调训通知：{k.name}",
            body=f"您已列入“{k.name}”（{k.start}—{k.end}）调训名单，请确认参训或请假。",
            url=reverse("training:enrolment", args=[e.pk]),
            kind="training",
            dedupe_key=f"training-invite-{e.pk}",
        )


@transaction.atomic
def roster_generate(*, klass: TrainingClass, by=None) -> int:
    """Put everyone the audience rule names on the roster (once each) and invite them; the count added."""
    if klass.status == TrainingClass.Status.CLOSED:
        raise ValidationError("已结业的班次不能再调整调训名单")
    if not klass.audience:
        raise ValidationError({"audience": "请先设置调训对象规则"})
    present = set(klass.enrolments.values_list("member_id", flat=True))
    members = [
        m for m in audience_members(klass.district, klass.audience, klass.start) if m.pk not in present
    ]
    if klass.capacity and len(present) + len(members) > klass.capacity:
        raise ValidationError(
            {
                "capacity": f"规则产生 {len(present) + len(members)} 人，超过本班容量 {klass.capacity} 人，请调整规则或容量"
            }
        )
    created = Enrolment.objects.bulk_create(
        [Enrolment(klass=klass, member=m, source=Enrolment.Source.RULE) for m in members]
    )
    created = list(Enrolment.objects.filter(klass=klass, member__in=members).select_related("klass"))
    _invite(created)
    return len(created)


@transaction.atomic
def enrolment_add(*, klass: TrainingClass, member: Member, source=Enrolment.Source.MANUAL) -> Enrolment:
    if klass.status == TrainingClass.Status.CLOSED:
        raise ValidationError("已结业的班次不能再调整调训名单")
    if member.branch.town.district_id != klass.district_id:
        raise ValidationError("该党员不属于本区")
    enrolment, created = Enrolment.objects.get_or_create(
        klass=klass, member=member, defaults={"source": source}
    )
    if created:
        _invite([enrolment])
    return enrolment


@transaction.atomic
def enrolment_confirm(*, enrolment: Enrolment) -> Enrolment:
    if enrolment.status == Enrolment.Status.EXCUSED:
        raise ValidationError("您的请假已获批准，无需确认参训")
    enrolment.status = Enrolment.Status.CONFIRMED
    enrolment.save(update_fields=["status"])
    return enrolment


@transaction.atomic
def leave_request(*, enrolment: Enrolment, reason: str) -> Enrolment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"leave_reason": "请填写请假事由"})
    if enrolment.klass.status == TrainingClass.Status.CLOSED:
        raise ValidationError("班次已结业，不能请假")
    enrolment.status = Enrolment.Status.LEAVE
    enrolment.leave_reason = reason[:200]
    enrolment.leave_refused = False
    enrolment.save(update_fields=["status", "leave_reason", "leave_refused"])
    return enrolment


@transaction.atomic
def leave_decide(*, enrolment: Enrolment, approve: bool, by) -> Enrolment:
    from zhibu.notifications.services import notify

    if enrolment.status != Enrolment.Status.LEAVE:
        raise ValidationError("该学员没有待审批的请假")
    enrolment.status = Enrolment.Status.EXCUSED if approve else Enrolment.Status.INVITED
    enrolment.leave_refused = not approve
    enrolment.leave_decided_by = by
    enrolment.save(update_fields=["status", "leave_refused", "leave_decided_by"])
    users = list(_users_of([enrolment.member_id]))
    if users:
        notify(
            users,
            title=f"请假{'已批准' if approve else '未批准'}：{enrolment.klass.name}",
            body="" if approve else "请按时参训。",
            url=reverse("training:enrolment", args=[enrolment.pk]),
            kind="training",
        )
    return enrolment


# ---------------------------------------------------------------- timetable


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%m-%d %H:%M")


@transaction.atomic
def session_create(
    *,
    klass: TrainingClass,
    title: str,
    kind: str,
    starts,
    ends,
    resource: Resource | None = None,
    faculty=(),
    lesson_plan=None,
    drill_script=None,
) -> Session:
    """Add a timetable entry; a room or a teacher already booked at an overlapping time is refused."""
    errors = {}
    if ends <= starts:
        errors["ends"] = "结束时间必须晚于开始时间"
    if not (klass.start <= timezone.localtime(starts).date() <= klass.end):
        errors["starts"] = f"课程日期须在本班 {klass.start} 至 {klass.end} 之间"
    if errors:
        raise ValidationError(errors)
    # Lock the booked rows so two bookings made at once cannot both pass the check.
    if resource is not None:
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        clash = (
            Session.objects.filter(resource=resource, starts__lt=ends, ends__gt=starts)
            .select_related("klass")
            .first()
        )
        if clash:
            errors["resource"] = (
                f"{resource.name}在该时段已被“{clash.klass.name}·{clash.title}”占用"
                f"（{_local(clash.starts)}–{timezone.localtime(clash.ends):%H:%M}），请换时段或场地"
            )
    faculty = list(Faculty.objects.select_for_update().filter(pk__in=[f.pk for f in faculty]).order_by("pk"))
    for f in faculty:
        clash = (
            Session.objects.filter(faculty=f, starts__lt=ends, ends__gt=starts)
            .select_related("klass")
            .first()
        )
        if clash:
            errors.setdefault("faculty", []).append(
                f"{f.name}在该时段已安排“{clash.klass.name}·{clash.title}”"
                f"（{_local(clash.starts)}–{timezone.localtime(clash.ends):%H:%M}）"
            )
    if errors:
        raise ValidationError(errors)
    session = Session.objects.create(
        klass=klass,
        title=title,
        kind=kind,
        starts=starts,
        ends=ends,
        resource=resource,
        lesson_plan=lesson_plan,
        drill_script=drill_script,
    )
    session.faculty.set(faculty)
    return session


# ---------------------------------------------------------------- sign-in


@transaction.atomic
def sign_in(
    *, session: Session, member_id: int, method=Attendance.Method.QR, at=None
) -> tuple[Attendance, bool]:
    """Record that a trainee is present; signing in twice keeps the first time (idempotent)."""
    enrolment = Enrolment.objects.filter(klass_id=session.klass_id, member_id=member_id).first()
    if enrolment is None:
        raise ValidationError("您不在本班调训名单中，请联系培训中心工作人员")
    at = at or timezone.now()
    if at < session.starts - datetime.timedelta(hours=1) or at > session.ends + datetime.timedelta(hours=1):
        raise ValidationError("不在本节课的签到时间内（开课前 1 小时至下课后 1 小时）")
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                session=session, enrolment=enrolment, defaults={"at": at, "method": method}
            )
    except IntegrityError:  # signed in at the same moment from two devices
        attendance, created = Attendance.objects.get(session=session, enrolment=enrolment), False
    if enrolment.status == Enrolment.Status.INVITED:
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CONFIRMED)
    return attendance, created


# ---------------------------------------------------------------- drills

DEFAULT_CRITERIA = [
    ("程序完整有序", 30, [["优", 30], ["良", 24], ["中", 18], ["差", 8]]),
    ("人数清点与有效性", 20, [["优", 20], ["良", 16], ["中", 12], ["差", 5]]),
    ("表决计票正确", 20, [["优", 20], ["良", 16], ["中", 12], ["差", 5]]),
    ("记录完整", 20, [["优", 20], ["良", 16], ["中", 12], ["差", 5]]),
    ("仪态规范", 10, [["优", 10], ["良", 8], ["中", 6], ["差", 2]]),
]


def meeting_steps() -> dict[str, list[str]]:
    """The procedure of each meeting type, from the record book's data (zhibu/records/procedures.py):
    drills rehearse, and are scored on, the same steps a secretary follows in a real meeting."""
    from zhibu.records.models import MEETING_TYPES
    from zhibu.records.procedures import PROCEDURES

    return {
        str(label): [str(step) for step in PROCEDURES[code]]
        for code, label in MEETING_TYPES
        if code in PROCEDURES
    }


@transaction.atomic
def catalogue_add(*, district, kind: str, data: dict):
    """Add a room, a teacher, a lesson plan or a drill script (steps default to the meeting's procedure)."""
    from .models import LessonPlan

    if kind == "resource":
        if Resource.objects.filter(district=district, name=data["name"]).exists():
            raise ValidationError({"name": f"场地“{data['name']}”已存在"})
        return Resource.objects.create(district=district, **data)
    if kind == "faculty":
        return Faculty.objects.create(district=district, **data)
    if kind == "plan":
        return LessonPlan.objects.create(district=district, **data)
    steps = [line.strip() for line in (data.get("steps") or "").splitlines() if line.strip()]
    return DrillScript.objects.create(
        district=district,
        title=data["title"],
        meeting=data["meeting"],
        roles=data.get("roles", ""),
        steps=steps or meeting_steps()[data["meeting"]],
    )


def default_rubric(district) -> Rubric:
    rubric = Rubric.objects.filter(district=district).order_by("id").first()
    if rubric:
        return rubric
    rubric = Rubric.objects.create(district=district, name="支部会议模拟演练评分表")
    Criterion.objects.bulk_create(
        [
            Criterion(rubric=rubric, name=n, max_points=m, levels=levels, order=i)
            for i, (n, m, levels) in enumerate(DEFAULT_CRITERIA)
        ]
    )
    return rubric


def default_scripts(district) -> list[DrillScript]:
    have = {s.meeting for s in DrillScript.objects.filter(district=district)}
    DrillScript.objects.bulk_create(
        [
            DrillScript(district=district, title=f"{meeting}演练范本", meeting=meeting, steps=steps)
            for meeting, steps in meeting_steps().items()
            if meeting not in have
        ]
    )
    return list(DrillScript.objects.filter(district=district))


@transaction.atomic
def drill_create(
    *, klass: TrainingClass, title: str, rubric=None, session=None, script=None, team_size=1
) -> Drill:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "请填写演练名称"})
    if not 1 <= int(team_size) <= 15:
        raise ValidationError({"team_size": "每组人数须在 1 到 15 之间"})
    drill = Drill.objects.create(
        klass=klass,
        title=title,
        rubric=rubric or default_rubric(klass.district),
        session=session,
        script=script,
    )
    trainees = list(
        klass.enrolments.exclude(status=Enrolment.Status.EXCUSED).select_related("member").order_by("id")
    )
    team_size = int(team_size)
    for i in range(0, len(trainees), team_size):
        group = trainees[i : i + team_size]
        name = group[0].member.name if team_size == 1 else f"第{i // team_size + 1}组"
        entry = DrillEntry.objects.create(drill=drill, name=name)
        entry.enrolments.set(group)
    return drill


def criteria_specs(rubric: Rubric) -> list[scoring.CriterionSpec]:
    return [scoring.CriterionSpec(c.pk, c.name, c.max_points) for c in rubric.criteria.all()]


def entry_result(entry: DrillEntry, criteria=None) -> scoring.DrillResult:
    criteria = criteria or criteria_specs(entry.drill.rubric)
    table: dict = {}
    for s in entry.scores.all():
        table.setdefault(s.scorer_id, {})[s.criterion_id] = s.points
    return scoring.combine(criteria, table, entry.drill.rubric.spread_ratio)


@transaction.atomic
def score_save(*, entry: DrillEntry, scorer, points: dict, notes: dict | None = None) -> scoring.DrillResult:
    """One scorer's points for an entry, criterion by criterion; re-entry updates. All checked before any is saved."""
    notes = notes or {}
    criteria = {c.pk: c for c in entry.drill.rubric.criteria.all()}
    clean, errors = {}, []
    for key, value in points.items():
        c = criteria.get(int(key))
        if c is None:
            errors.append("评分项不属于本演练的评分表")
            continue
        if value in ("", None):
            continue
        try:
            clean[c.pk] = scoring.check_points(value, c.max_points, c.name)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError(errors)
    if not clean:
        raise ValidationError("请至少为一个评分项打分")
    for cid, pts in clean.items():
        Score.objects.update_or_create(
            entry=entry,
            scorer=scorer,
            criterion_id=cid,
            defaults={"points": pts, "note": (notes.get(cid) or notes.get(str(cid)) or "")[:300]},
        )
    result = entry_result(
        entry, [scoring.CriterionSpec(c.pk, c.name, c.max_points) for c in criteria.values()]
    )
    entry.total = result.total
    entry.flagged = result.flagged
    entry.save(update_fields=["total", "flagged"])
    return result


# ---------------------------------------------------------------- exams


def bank_pool(district_id: int) -> list[scoring.PoolItem]:
    """The district's active questions, as much of them as drawing a paper needs."""
    rows = Question.objects.filter(district_id=district_id, active=True).values_list("id", "topic", "kind")
    return [scoring.PoolItem(*row) for row in rows]


def clean_quotas(rows) -> list[dict]:
    quotas = []
    for i, row in enumerate(rows, start=1):
        kind = row.get("kind")
        if kind not in scoring.KINDS:
            raise ValidationError({"quotas": f"抽题规则第 {i} 行的题型无效"})
        try:
            count = int(row.get("count") or 0)
        except (TypeError, ValueError):
            raise ValidationError({"quotas": f"抽题规则第 {i} 行的题数必须是整数"}) from None
        if count < 0 or count > 200:
            raise ValidationError({"quotas": f"抽题规则第 {i} 行的题数须在 0–200 之间"})
        if count:
            quotas.append({"topic": (row.get("topic") or "").strip(), "kind": kind, "count": count})
    if not quotas:
        raise ValidationError({"quotas": "请至少设置一行抽题规则"})
    return quotas


@transaction.atomic
def exam_create(*, klass: TrainingClass, title: str, opens, closes, minutes: int, quotas) -> Exam:
    quotas = clean_quotas(quotas)
    if closes <= opens:
        raise ValidationError({"closes": "截止时间必须晚于开考时间"})
    if not 5 <= int(minutes) <= 240:
        raise ValidationError({"minutes": "答题时长须在 5–240 分钟之间"})
    try:
        scoring.assemble_paper(bank_pool(klass.district_id), quotas, 0)
    except ValueError as exc:
        raise ValidationError({"quotas": str(exc)}) from None
    return Exam.objects.create(
        klass=klass,
        title=(title or "").strip() or "结业考试",
        opens=opens,
        closes=closes,
        minutes=minutes,
        quotas=quotas,
    )


SECOND_BROWSER = (
    "本场考试已在另一个浏览器或设备上开始作答，为防止代考，不能在此继续。如确需更换设备，请联系监考老师解除。"
)


def _locked_attempt(exam: Exam, enrolment: Enrolment) -> Attempt | None:
    return Attempt.objects.select_for_update().filter(exam=exam, enrolment=enrolment).first()


@transaction.atomic
def attempt_start(*, exam: Exam, enrolment: Enrolment, browser_token: str | None, now=None) -> Attempt:
    """Start (or resume, in the same browser) an examinee's paper.

    `browser_token` is the browser's own key for this exam (kept in its session from the start page on):
    the paper is bound to it, so a second press of "start" from the same browser, even one that raced the
    first, resumes the same paper, and any other browser is refused.
    """
    now = now or timezone.now()
    attempt = _locked_attempt(exam, enrolment)
    if attempt is None:
        if now < exam.opens:
            raise ValidationError(f"考试尚未开始，开考时间 {_local(exam.opens)}")
        if now >= exam.closes:
            raise ValidationError("考试已截止")
        if enrolment.status == Enrolment.Status.EXCUSED:
            raise ValidationError("您已请假，不参加本次考试")
        seed = int(hashlib.sha256(f"{exam.pk}:{enrolment.pk}".encode()).hexdigest()[:12], 16)
        try:
            questions = scoring.assemble_paper(bank_pool(exam.klass.district_id), exam.quotas, seed)
        except ValueError as exc:
            raise ValidationError(f"试卷生成失败：{exc}") from None
        deadline = min(now + datetime.timedelta(minutes=exam.minutes), exam.closes)
        token = browser_token or new_token()
        try:
            with transaction.atomic():
                return Attempt.objects.create(
                    exam=exam,
                    enrolment=enrolment,
                    token=token,
                    questions=questions,
                    started=now,
                    deadline=deadline,
                )
        except IntegrityError:  # another request started it first: this browser's, or another one's
            attempt = Attempt.objects.select_for_update().get(exam=exam, enrolment=enrolment)
    if attempt.submitted:
        return attempt
    if not attempt.token:  # released by a proctor: the next browser to open it takes it over
        attempt.token = browser_token or new_token()
        attempt.save(update_fields=["token"])
        return attempt
    if browser_token != attempt.token:
        raise ValidationError(SECOND_BROWSER)
    return attempt


def attempt_release(*, attempt: Attempt) -> Attempt:
    """A proctor lets the examinee continue on another device: the next browser to open the paper
    takes it over, with every answer saved so far; the old browser is then refused."""
    attempt.token = ""
    attempt.save(update_fields=["token"])
    return attempt


GRACE = datetime.timedelta(seconds=5)


def _check_open(attempt: Attempt, token: str | None, now) -> None:
    if not attempt.token or token != attempt.token:
        raise ValidationError(SECOND_BROWSER)
    if attempt.submitted:
        raise ValidationError("试卷已提交，不能再修改答案")
    if now > attempt.deadline + GRACE:
        raise ValidationError("已超过作答时限，答案未保存；此前保存的答案有效")


def answer_save(*, attempt: Attempt, token: str | None, question_id: int, value, now=None) -> Answer:
    """Save one answer as given (insert or replace); refused after the time limit or from another browser."""
    now = now or timezone.now()
    _check_open(attempt, token, now)
    if int(question_id) not in attempt.questions:
        raise ValidationError("该题不在您的试卷中")
    # One statement (INSERT … ON CONFLICT DO UPDATE): a retry after a lost connection replaces, never duplicates.
    answer = Answer(attempt=attempt, question_id=int(question_id), value=value, saved=now)
    Answer.objects.bulk_create(
        [answer],
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["value", "saved"],
    )
    return answer


@transaction.atomic
def attempt_mark(attempt: Attempt, now=None) -> Attempt:
    """Mark every answer and the paper (on submit, or once the time is up)."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.questions)}
    answers = {a.question_id: a for a in attempt.answers.all()}
    correct = 0
    for qid in attempt.questions:
        a = answers.get(qid)
        ok = bool(a) and scoring.mark(questions[qid].kind, questions[qid].answer, a.value)
        correct += ok
        if a and a.correct != ok:
            a.correct = ok
            a.save(update_fields=["correct"])
    attempt.correct = correct
    attempt.score = scoring.percent(correct, len(attempt.questions))
    attempt.submitted = attempt.submitted or min(now or timezone.now(), attempt.deadline)
    attempt.save(update_fields=["correct", "score", "submitted"])
    return attempt


def attempt_submit(*, attempt: Attempt, token: str | None, now=None) -> Attempt:
    now = now or timezone.now()
    if attempt.submitted:
        return attempt
    if token != attempt.token:
        raise ValidationError(SECOND_BROWSER)
    return attempt_mark(attempt, now=min(now, attempt.deadline))


def mark_expired(exam: Exam, now=None) -> int:
    now = now or timezone.now()
    n = 0
    for attempt in exam.attempts.filter(submitted__isnull=True, deadline__lt=now - GRACE):
        attempt_mark(attempt, now)
        n += 1
    return n


# ---------------------------------------------------------------- outcome, certificates, retraining

_CERT_SALT = "zhibu.training.certificate"


def certificate_code(cert: Certificate) -> str:
    return signing.Signer(salt=_CERT_SALT).sign(cert.number).replace(":", ".")


def certificate_from_code(code: str) -> Certificate | None:
    try:
        number = signing.Signer(salt=_CERT_SALT).unsign(code.replace(".", ":"))
    except signing.BadSignature:
        return None
    return (
        Certificate.objects.select_related("enrolment__klass", "enrolment__member")
        .filter(number=number)
        .first()
    )


def _rule(klass: TrainingClass) -> scoring.PassRule:
    return scoring.PassRule(klass.min_attendance, klass.exam_pass, klass.drill_threshold)


@transaction.atomic
def class_finalize(*, klass: TrainingClass, today=None) -> dict:
    """结业: mark outstanding papers, judge every trainee by the pass rule, issue certificates, order retraining."""
    today = today or timezone.localdate()
    for exam in klass.exams.all():
        mark_expired(exam, now=max(timezone.now(), exam.closes + GRACE + datetime.timedelta(seconds=1)))
    session_ids = list(klass.sessions.values_list("pk", flat=True))
    attended: dict[int, int] = {}
    for eid in Attendance.objects.filter(session_id__in=session_ids).values_list("enrolment_id", flat=True):
        attended[eid] = attended.get(eid, 0) + 1
    exams = list(klass.exams.all())
    best: dict[int, float] = {}
    for eid, score in Attempt.objects.filter(exam__in=exams, score__isnull=False).values_list(
        "enrolment_id", "score"
    ):
        best[eid] = max(score, best.get(eid, 0))
    drills = list(klass.drills.select_related("rubric"))
    drill_pct: dict[int, float] = {}
    for d in drills:
        max_total = sum(c.max_points for c in d.rubric.criteria.all()) or 100
        for entry in d.entries.prefetch_related("enrolments"):
            if entry.total is None:
                continue
            pct = round(100 * entry.total / max_total, 1)
            for e in entry.enrolments.all():
                drill_pct[e.pk] = max(pct, drill_pct.get(e.pk, 0))
    rule = _rule(klass)
    counts = {"passed": 0, "failed": 0, "excused": 0, "retraining": 0}
    year = klass.start.year
    for e in klass.enrolments.select_related("member").order_by("id"):
        if e.status == Enrolment.Status.EXCUSED:
            counts["excused"] += 1
            e.result, e.result_note = Enrolment.Result.PENDING, "准假，另行补训"
            e.save(update_fields=["result", "result_note"])
            retraining_assign(
                member=e.member,
                reason=Retraining.Reason.ABSENT,
                source=f"{klass.name}（请假）",
                from_enrolment=e,
            )
            counts["retraining"] += 1
            continue
        rate = 100.0 * attended.get(e.pk, 0) / len(session_ids) if session_ids else 100.0
        result = scoring.outcome(
            rule,
            attendance=rate,
            exam_score=best.get(e.pk),
            has_exam=bool(exams),
            drill_total=drill_pct.get(e.pk),
            has_drill=bool(drills),
        )
        e.attendance = round(rate, 1)
        e.exam_score = best.get(e.pk)
        e.drill_total = drill_pct.get(e.pk)
        e.result = Enrolment.Result.PASSED if result.passed else Enrolment.Result.FAILED
        e.result_note = "；".join(result.messages)[:200]
        e.save(update_fields=["attendance", "exam_score", "drill_total", "result", "result_note"])
        if result.passed:
            counts["passed"] += 1
            Certificate.objects.get_or_create(
                enrolment=e, defaults={"number": f"HR{year}-{klass.pk:04d}-{e.pk:06d}", "issued": today}
            )
        else:
            counts["failed"] += 1
            reason = {"absent": "absent", "exam": "exam", "drill": "drill"}[result.reasons[0]]
            retraining_assign(
                member=e.member, reason=reason, source=f"{klass.name}：{e.result_note}", from_enrolment=e
            )
            counts["retraining"] += 1
    klass.status = TrainingClass.Status.CLOSED
    klass.save(update_fields=["status"])
    return counts


def next_class_for(member: Member, category: str | None, after: datetime.date, district_id: int):
    """The next class a retrainee can join: not closed, starting after `after`, same category or a 补训 class."""
    cats = [TrainingClass.Category.RETRAINING] + ([category] if category else [])
    return (
        TrainingClass.objects.filter(district_id=district_id, category__in=cats, start__gt=after)
        .exclude(status=TrainingClass.Status.CLOSED)
        .exclude(enrolments__member=member)
        .order_by("start", "id")
        .first()
    )


@transaction.atomic
def retraining_assign(
    *, member: Member, reason: str, source: str = "", from_enrolment: Enrolment | None = None
):
    """Order 补训 for a member and place them into the next suitable class (if one is planned).

    Called by class finalisation and by other areas (supervision: reason "supervision").
    Idempotent per (member, reason, enrolment that caused it).
    """
    if reason not in Retraining.Reason.values:
        raise ValidationError({"reason": "补训原因无效"})
    if from_enrolment is not None:
        existing = Retraining.objects.filter(
            member=member, reason=reason, from_enrolment=from_enrolment
        ).first()
        if existing:
            return existing
    r = Retraining.objects.create(
        member=member, reason=reason, source=source[:200], from_enrolment=from_enrolment
    )
    retraining_place(r)
    return r


def retraining_place(r: Retraining) -> Retraining:
    if r.placed_id:
        return r
    after = r.from_enrolment.klass.end if r.from_enrolment else timezone.localdate()
    category = r.from_enrolment.klass.category if r.from_enrolment else None
    klass = next_class_for(r.member, category, after, r.member.branch.town.district_id)
    if klass is not None:
        e, created = Enrolment.objects.get_or_create(
            klass=klass, member=r.member, defaults={"source": Enrolment.Source.RETRAINING}
        )
        r.placed = e
        r.save(update_fields=["placed"])
        if created:
            _invite([Enrolment.objects.select_related("klass").get(pk=e.pk)])
    return r


def retraining_place_waiting(klass: TrainingClass) -> int:
    """Place retrainees still waiting into a newly opened class that suits them."""
    n = 0
    waiting = Retraining.objects.filter(placed__isnull=True, member__branch__town__district=klass.district_id)
    for r in waiting.select_related("from_enrolment__klass", "member__branch__town"):
        if klass.category == TrainingClass.Category.RETRAINING or (
            r.from_enrolment and r.from_enrolment.klass.category == klass.category
        ):
            retraining_place(r)
            n += r.placed_id is not None
    return n
