import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from zhibu.accounts.reach import can, get_visible_or_404, has_capability, reaches, require, visible
from zhibu.core import qr
from zhibu.core.figures import shared as shared_figures
from zhibu.core.pagination import Paginator
from zhibu.core.xlsx import XLSX_TYPE, workbook_bytes
from zhibu.orgs.models import District

from . import scoring, selectors, services
from .forms import (
    ClassForm,
    DrillForm,
    DrillScriptForm,
    ExamForm,
    FacultyForm,
    LeaveForm,
    LessonPlanForm,
    QuestionForm,
    ResourceForm,
    SessionForm,
    default_times,
)
from .models import (
    Attempt,
    Certificate,
    Drill,
    DrillEntry,
    DrillScript,
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
    new_token,
)

QR_PURPOSE = "class-session"
QR_MAX_AGE = 180


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return exc.messages


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _district(user) -> District:
    for r in reaches(user):
        return District.objects.get(pk=r.district_id)
    raise Http404


def _class(request, pk) -> TrainingClass:
    return get_visible_or_404(TrainingClass.objects.all(), request.user, "training.view", pk=pk)


def _require_view(user) -> None:
    if not has_capability(user, "training.view"):
        raise Http404


# ---------------------------------------------------------------- classes


@login_required
def index(request):
    classes = selectors.classes_for(request.user)
    category = request.GET.get("category", "")
    year = request.GET.get("year", "")
    if category:
        classes = classes.filter(category=category)
    if year.isdigit():
        classes = classes.filter(start__year=int(year))
    page = Paginator(classes.order_by("-start", "-id"), 30).get_page(request.GET.get("page"))
    selectors.roster_sizes(page, request.user)
    mine = []
    if request.user.member_id:
        mine = (
            Enrolment.objects.filter(member_id=request.user.member_id)
            .exclude(klass__status=TrainingClass.Status.CLOSED)
            .select_related("klass")
        )
    context = {
        "page": page,
        "category": category,
        "year": year,
        "categories": TrainingClass.Category.choices,
        "mine": mine,
        "can_manage": has_capability(request.user, "training.manage"),
    }
    return render(request, "training/index.html", context)


@login_required
def class_new(request):
    district = _district(request.user)
    require(request.user, "training.manage", district)
    form = ClassForm(request.POST or None, district=district)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in ClassForm.Meta.fields}
        try:
            klass = services.class_create(
                district=district, by=request.user, audience=form.audience(), **data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            placed = services.retraining_place_waiting(klass)
            messages.success(
                request, f"已创建培训班“{klass.name}”" + (f"，安排补训 {placed} 人" if placed else "")
            )
            return redirect("training:class", pk=klass.pk)
    return render(request, "training/class_form.html", {"form": form})


@login_required
def class_detail(request, pk):
    klass = _class(request, pk)
    roster = (
        visible(Enrolment, request.user, "training.view")
        .filter(klass=klass)
        .select_related("member__branch__town", "certificate")
        .annotate(signed=Count("attendances"))
        .order_by("member__branch__code", "member_id")
    )
    status = request.GET.get("status", "")
    if status:
        roster = roster.filter(status=status)
    counts = dict(klass.enrolments.values_list("status").annotate(n=Count("id")))
    page = Paginator(roster, 100).get_page(request.GET.get("page"))
    context = {
        "klass": klass,
        "audience": services.audience_text(klass.audience) if klass.audience else "",
        "page": page,
        "status": status,
        "statuses": [(c, lbl, counts.get(c, 0)) for c, lbl in Enrolment.Status.choices],
        "counts": counts,
        "total": sum(counts.values()),
        "sessions": klass.sessions.select_related("resource").prefetch_related("faculty"),
        "drills": klass.drills.all(),
        "exams": klass.exams.all(),
        "can_manage": can(request.user, "training.manage", klass),
        "leave_pending": klass.enrolments.filter(status=Enrolment.Status.LEAVE).count(),
        "my_enrolment": klass.enrolments.filter(member_id=request.user.member_id).first()
        if request.user.member_id
        else None,
    }
    return render(request, "training/class.html", context)


@login_required
@require_POST
def roster_generate(request, pk):
    klass = _class(request, pk)
    require(request.user, "training.manage", klass)
    try:
        n = services.roster_generate(klass=klass, by=request.user)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(request, f"按调训规则新增 {n} 人，已发送调训通知")
    return redirect("training:class", pk=klass.pk)


@login_required
@require_POST
def class_finalize(request, pk):
    klass = _class(request, pk)
    require(request.user, "training.manage", klass)
    counts = services.class_finalize(klass=klass)
    messages.success(
        request,
        f"结业完成：合格 {counts['passed']} 人，不合格 {counts['failed']} 人，准假 {counts['excused']} 人；"
        f"安排补训 {counts['retraining']} 人",
    )
    return redirect("training:class", pk=klass.pk)


# ---------------------------------------------------------------- enrolments


def _enrolment(request, pk) -> Enrolment:
    return get_visible_or_404(
        Enrolment.objects.select_related("klass", "member__branch__town"),
        request.user,
        "training.view",
        pk=pk,
    )


def _own_or_manage(request, enrolment) -> None:
    if enrolment.member_id != request.user.member_id and not can(
        request.user, "training.manage", enrolment.klass
    ):
        raise PermissionDenied("只有学员本人或培训中心工作人员可以办理")


@login_required
def enrolment_detail(request, pk):
    e = _enrolment(request, pk)
    entries = []
    for entry in e.drill_entries.select_related("drill__rubric").prefetch_related("scores"):
        result = services.entry_result(entry)
        notes = {}
        for s in entry.scores.all():
            if s.note:
                notes.setdefault(s.criterion_id, []).append(s.note)
        entries.append({"entry": entry, "result": result, "notes": notes})
    attempts = e.attempts.select_related("exam")
    context = {
        "e": e,
        "own": e.member_id == request.user.member_id,
        "can_manage": can(request.user, "training.manage", e.klass),
        "leave_form": LeaveForm(),
        "attendance": e.attendances.select_related("session").order_by("session__starts"),
        "sessions": e.klass.sessions.count(),
        "entries": entries,
        "attempts": attempts,
        "certificate": Certificate.objects.filter(enrolment=e).first(),
        "retrainings": e.retrainings_caused.select_related("placed__klass"),
    }
    return render(request, "training/enrolment.html", context)


@login_required
@require_POST
def enrolment_confirm(request, pk):
    e = _enrolment(request, pk)
    _own_or_manage(request, e)
    try:
        services.enrolment_confirm(enrolment=e)
        messages.success(request, "已确认参训")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("training:enrolment", pk=e.pk)


@login_required
@require_POST
def enrolment_leave(request, pk):
    e = _enrolment(request, pk)
    _own_or_manage(request, e)
    try:
        services.leave_request(enrolment=e, reason=request.POST.get("reason", ""))
        messages.success(request, "请假申请已提交，等待培训中心审批")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("training:enrolment", pk=e.pk)


@login_required
@require_POST
def leave_decide(request, pk):
    e = _enrolment(request, pk)
    require(request.user, "training.manage", e.klass)
    try:
        services.leave_decide(enrolment=e, approve=request.POST.get("approve") == "1", by=request.user)
        messages.success(request, f"已处理{e.member.name}的请假")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect(request.POST.get("next") or reverse("training:class", args=[e.klass_id]))


# ---------------------------------------------------------------- timetable


@login_required
def timetable(request):
    _require_view(request.user)
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    monday = day - datetime.timedelta(days=day.weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))
    end = start + datetime.timedelta(days=7)
    sessions = (
        visible(Session, request.user, "training.view")
        .filter(starts__lt=end, ends__gt=start)
        .select_related("klass", "resource")
        .prefetch_related("faculty")
    )
    resources = visible(Resource, request.user, "training.view")
    rows = [{"resource": r, "sessions": [s for s in sessions if s.resource_id == r.pk]} for r in resources]
    context = {
        "monday": monday,
        "prev": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
        "rows": rows,
        "unroomed": [s for s in sessions if s.resource_id is None],
        "faculty": visible(Faculty, request.user, "training.view").annotate(
            busy=Count("sessions", filter=Q(sessions__starts__lt=end, sessions__ends__gt=start))
        ),
    }
    return render(request, "training/timetable.html", context)


CATALOGUE_FORMS = {
    "resource": (ResourceForm, "场地"),
    "faculty": (FacultyForm, "师资"),
    "plan": (LessonPlanForm, "教案"),
    "script": (DrillScriptForm, "演练范本"),
}


@login_required
def catalogue(request):
    """Rooms, faculty, lesson plans and drill scripts of the centre; managers add to them here."""
    _require_view(request.user)
    district = _district(request.user)
    forms = {key: cls(prefix=key) for key, (cls, _label) in CATALOGUE_FORMS.items()}
    if request.method == "POST":
        require(request.user, "training.manage", district)
        key = request.POST.get("form", "")
        if key not in CATALOGUE_FORMS:
            messages.error(request, "请选择要添加的项目")
            return redirect("training:catalogue")
        cls, label = CATALOGUE_FORMS[key]
        form = forms[key] = cls(request.POST, prefix=key)
        if form.is_valid():
            try:
                services.catalogue_add(district=district, kind=key, data=form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"已添加{label}")
                return redirect("training:catalogue")
    context = {
        "forms": forms,
        "can_manage": can(request.user, "training.manage", district),
        "resources": visible(Resource, request.user, "training.view"),
        "faculty": visible(Faculty, request.user, "training.view"),
        "plans": LessonPlan.objects.filter(district=district),
        "scripts": DrillScript.objects.filter(district=district),
    }
    return render(request, "training/catalogue.html", context)


@login_required
def session_new(request, pk):
    klass = _class(request, pk)
    require(request.user, "training.manage", klass)
    starts, ends = default_times(klass)
    form = SessionForm(
        request.POST or None, district=klass.district, initial={"starts": starts, "ends": ends}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.session_create(klass=klass, **d)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已排课“{d['title']}”")
            return redirect("training:class", pk=klass.pk)
    return render(request, "training/session_form.html", {"form": form, "klass": klass})


def _session(request, pk) -> Session:
    session = get_object_or_404(Session.objects.select_related("klass", "resource"), pk=pk)
    _class(request, session.klass_id)
    return session


@login_required
def session_detail(request, pk):
    session = _session(request, pk)
    signed = (
        visible(Enrolment, request.user, "training.view")
        .filter(attendances__session=session)
        .select_related("member__branch")
        .order_by("member__branch__code")
    )
    context = {
        "session": session,
        "signed": signed,
        "signed_total": session.attendances.count(),
        "roster_total": session.klass.enrolments.exclude(status=Enrolment.Status.EXCUSED).count(),
        "can_manage": can(request.user, "training.manage", session.klass),
        "steps": session.drill_script.steps if session.drill_script else [],
        "unsigned": session.klass.enrolments.exclude(attendances__session=session)
        .exclude(status=Enrolment.Status.EXCUSED)
        .select_related("member")
        .order_by("member__name"),
    }
    return render(request, "training/session.html", context)


def _qr_context(request, session):
    token = qr.make_token(QR_PURPOSE, session.pk)
    url = request.build_absolute_uri(reverse("training:signin", args=[token]))
    return {"session": session, "svg": qr.svg(url), "url": url, "rotate": qr.ROTATE_SECONDS}


@login_required
def session_qr(request, pk):
    session = _session(request, pk)
    require(request.user, "training.manage", session.klass)
    context = _qr_context(request, session)
    context["signed_total"] = session.attendances.count()
    return render(request, "training/session_qr.html", context)


@login_required
def session_qr_code(request, pk):
    session = _session(request, pk)
    require(request.user, "training.manage", session.klass)
    context = _qr_context(request, session)
    context["signed_total"] = session.attendances.count()
    return render(request, "training/_qr_code.html", context)


@ratelimit(key="user_or_ip", rate=settings.ZHIBU_SIGNIN_RATE, block=True)
@login_required
def signin(request, token):
    """The page a trainee's phone opens from the code on the screen: confirm and sign in."""
    error, session, done = "", None, False
    try:
        session = Session.objects.select_related("klass").get(pk=qr.read_token(token, QR_PURPOSE, QR_MAX_AGE))
    except (ValueError, Session.DoesNotExist) as exc:
        error = str(exc) if isinstance(exc, ValueError) else "课程不存在"
    if session and not request.user.member_id:
        error = "您的账号没有关联党员信息，请由工作人员登记签到"
    if session and not error and request.method == "POST":
        try:
            attendance, created = services.sign_in(session=session, member_id=request.user.member_id)
        except ValidationError as exc:
            error = _errors(exc)[0]
        else:
            done = attendance
    return render(request, "training/signin.html", {"session": session, "error": error, "done": done})


@login_required
@require_POST
def session_mark(request, pk):
    """Staff record a trainee present by hand (no phone)."""
    session = _session(request, pk)
    require(request.user, "training.manage", session.klass)
    pk = request.POST.get("enrolment", "")
    e = Enrolment.objects.filter(pk=pk, klass_id=session.klass_id).first() if pk.isdigit() else None
    if e is None:
        messages.error(request, "请选择要登记签到的学员")
        return redirect("training:session", pk=session.pk)
    try:
        services.sign_in(session=session, member_id=e.member_id, method="manual", at=session.starts)
        messages.success(request, f"已登记{e.member.name}签到")
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("training:session", pk=session.pk)


# ---------------------------------------------------------------- drills


@login_required
def drill_new(request, pk):
    klass = _class(request, pk)
    require(request.user, "training.manage", klass)
    services.default_scripts(klass.district)
    form = DrillForm(request.POST or None, klass=klass)
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.drill_create(klass=klass, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("training:drill", pk=drill.pk)
    return render(request, "training/drill_form.html", {"form": form, "klass": klass})


def _drill(request, pk) -> Drill:
    drill = get_object_or_404(Drill.objects.select_related("klass", "rubric", "script"), pk=pk)
    _class(request, drill.klass_id)
    return drill


@login_required
def drill_detail(request, pk):
    drill = _drill(request, pk)
    mine = visible(Enrolment, request.user, "training.view").filter(klass=drill.klass)
    entries = (
        drill.entries.filter(enrolments__in=mine).distinct().prefetch_related("scores", "enrolments__member")
    )
    criteria = services.criteria_specs(drill.rubric)
    rows = [{"entry": e, "result": services.entry_result(e, criteria)} for e in entries]
    context = {
        "drill": drill,
        "criteria": drill.rubric.criteria.all(),
        "rows": rows,
        "can_score": can(request.user, "training.score", drill.klass),
        "threshold": drill.klass.drill_threshold,
    }
    return render(request, "training/drill.html", context)


@login_required
def drill_score(request, pk):
    """The tablet page: one entry, every criterion, this scorer's points; saving again updates."""
    entry = get_object_or_404(DrillEntry.objects.select_related("drill__klass", "drill__rubric"), pk=pk)
    _class(request, entry.drill.klass_id)
    require(request.user, "training.score", entry.drill.klass)
    criteria = list(entry.drill.rubric.criteria.all())
    mine = {s.criterion_id: s for s in Score.objects.filter(entry=entry, scorer=request.user)}
    errors = []
    if request.method == "POST":
        points = {c.pk: request.POST.get(f"c{c.pk}", "") for c in criteria}
        notes = {c.pk: request.POST.get(f"n{c.pk}", "") for c in criteria}
        try:
            services.score_save(entry=entry, scorer=request.user, points=points, notes=notes)
        except ValidationError as exc:
            errors = _errors(exc)
            mine = {c.pk: Score(points=points[c.pk] or None, note=notes[c.pk]) for c in criteria}
        else:
            messages.success(request, f"已保存对“{entry.name}”的评分")
            nxt = entry.drill.entries.filter(pk__gt=entry.pk).order_by("pk").first()
            return (
                redirect("training:drill_score", pk=nxt.pk)
                if nxt
                else redirect("training:drill", pk=entry.drill_id)
            )
    rows = [{"c": c, "mine": mine.get(c.pk)} for c in criteria]
    context = {
        "entry": entry,
        "rows": rows,
        "errors": errors,
        "members": entry.enrolments.select_related("member"),
    }
    return render(request, "training/drill_score.html", context, status=400 if errors else 200)


# ---------------------------------------------------------------- exams


@login_required
def exam_new(request, pk):
    klass = _class(request, pk)
    require(request.user, "training.manage", klass)
    starts, _ends = default_times(klass)
    topics = Question.objects.filter(district=klass.district, active=True).values("topic", "kind")
    topics = topics.annotate(n=Count("id")).order_by("topic", "kind")
    form = ExamForm(
        request.POST or None, initial={"opens": starts, "closes": starts + datetime.timedelta(days=1)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.exam_create(klass=klass, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已设置考试“{exam.title}”")
            return redirect("training:exam", pk=exam.pk)
    labels = scoring.KIND_LABELS
    bank = [{"topic": t["topic"], "kind": labels[t["kind"]], "n": t["n"]} for t in topics]
    return render(request, "training/exam_form.html", {"form": form, "klass": klass, "bank": bank})


def _exam(request, pk) -> Exam:
    exam = get_object_or_404(Exam.objects.select_related("klass"), pk=pk)
    _class(request, exam.klass_id)
    return exam


@login_required
def exam_detail(request, pk):
    exam = _exam(request, pk)
    mine = visible(Enrolment, request.user, "training.view").filter(klass=exam.klass)
    attempts = (
        exam.attempts.filter(enrolment__in=mine)
        .select_related("enrolment__member__branch")
        .annotate(saved=Count("answers"))
        .order_by("-score")
    )
    own = (
        Enrolment.objects.filter(klass=exam.klass, member_id=request.user.member_id).first()
        if request.user.member_id
        else None
    )
    context = {
        "exam": exam,
        "quotas": [
            (q.get("topic") or "任意专题", scoring.KIND_LABELS.get(q["kind"], q["kind"]), q["count"])
            for q in exam.quotas
        ],
        "attempts": attempts,
        "own": own,
        "can_manage": can(request.user, "training.manage", exam.klass),
        "now": timezone.now(),
    }
    return render(request, "training/exam.html", context)


def _session_key(exam_pk) -> str:
    return f"training-exam-{exam_pk}"


@login_required
def exam_take(request, pk):
    """The examinee's page (phone first): start or resume in the same browser; refused in another.

    Only a member on the class's roster takes its exam, and that roster row is what lets a member see the
    class at all (TrainingClass.reach_self), so the row is the whole check: anyone else gets not found.
    """
    exam = get_object_or_404(Exam.objects.select_related("klass"), pk=pk)
    enrolment = Enrolment.objects.filter(klass=exam.klass, member_id=request.user.member_id or 0).first()
    if enrolment is None:
        raise Http404
    key = _session_key(exam.pk)
    if key not in request.session:  # this browser's key for the exam: the paper it starts is bound to it
        request.session[key] = new_token()
    # A press of "start" looks the paper up itself; opening the page resumes one already started.
    attempt = (
        None if request.method == "POST" else Attempt.objects.filter(exam=exam, enrolment=enrolment).first()
    )
    error = ""
    if request.method == "POST" or attempt is not None:
        try:
            attempt = services.attempt_start(
                exam=exam, enrolment=enrolment, browser_token=request.session[key]
            )
        except ValidationError as exc:
            error = _errors(exc)[0]
            attempt = None
        else:
            if request.session[key] != attempt.token:
                request.session[key] = attempt.token
    if attempt is not None and not attempt.submitted and attempt.deadline + services.GRACE < timezone.now():
        services.attempt_mark(attempt)
    if attempt is None:
        status = 409 if error else 200
        return render(request, "training/exam_start.html", {"exam": exam, "error": error}, status=status)
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.questions)}
    answers = {a.question_id: a for a in attempt.answers.all()}
    items = [_paper_item(n, questions[qid], answers.get(qid)) for n, qid in enumerate(attempt.questions, 1)]
    context = {"exam": exam, "attempt": attempt, "items": items, "answered": len(answers)}
    return render(request, "training/exam_take.html", context)


def _paper_item(n: int, q: Question, answer) -> dict:
    """One question of the paper as its form shows it, with the examinee's saved answer marked."""
    value = answer.value if answer else None
    chosen = {str(v) for v in value} if isinstance(value, list) else set() if value is None else {str(value)}
    return {
        "n": n,
        "pk": q.pk,
        "kind": q.kind,
        "label": q.get_kind_display(),
        "stem": q.stem,
        "explanation": q.explanation,
        "options": [("ABCDEFGH"[i], i, str(i) in chosen, text) for i, text in enumerate(q.options)],
        "value": value if q.kind == "fill" and value is not None else "",
        "judge": "" if value is None else ("true" if value in (True, "true") else "false"),
        "correct": answer.correct if answer else None,
    }


def _attempt(request, pk) -> Attempt:
    return get_object_or_404(Attempt, pk=pk, enrolment__member_id=request.user.member_id or 0)


def _value(request):
    kind = request.POST.get("kind")
    if kind == "multiple":
        return sorted(int(v) for v in request.POST.getlist("value") if v.isdigit())
    raw = request.POST.get("value", "")
    if kind == "single":
        return int(raw) if raw.isdigit() else None
    if kind == "judge":
        return None if raw == "" else raw == "true"
    return raw.strip()[:200]


@login_required
@require_POST
def exam_answer(request, pk):
    """Save one answer as it is given (the page's script posts each change); idempotent."""
    attempt = _attempt(request, pk)
    token = request.session.get(_session_key(attempt.exam_id))
    qid = request.POST.get("question", "")
    if not qid.isdigit():
        return JsonResponse({"ok": False, "error": "缺少题号"}, status=400)
    try:
        answer = services.answer_save(
            attempt=attempt, token=token, question_id=int(qid), value=_value(request)
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": _errors(exc)[0]}, status=409)
    saved = timezone.localtime(answer.saved).strftime("%H:%M:%S")
    if request.headers.get("Accept", "").startswith("application/json") or request.htmx:
        return JsonResponse({"ok": True, "saved": saved})
    return redirect("training:exam_take", pk=attempt.exam_id)


@login_required
@require_POST
def exam_submit(request, pk):
    attempt = _attempt(request, pk)
    try:
        attempt = services.attempt_submit(
            attempt=attempt, token=request.session.get(_session_key(attempt.exam_id))
        )
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(request, f"已交卷，成绩 {attempt.score:.1f} 分")
    return redirect("training:exam_take", pk=attempt.exam_id)


@login_required
@require_POST
def attempt_release(request, pk):
    attempt = get_object_or_404(Attempt.objects.select_related("exam__klass", "enrolment__member"), pk=pk)
    _class(request, attempt.exam.klass_id)
    require(request.user, "training.manage", attempt.exam.klass)
    services.attempt_release(attempt=attempt)
    messages.success(request, f"已解除{attempt.enrolment.member.name}的设备绑定，可在新设备上继续作答")
    return redirect("training:exam", pk=attempt.exam_id)


@login_required
def bank(request):
    district = _district(request.user)
    require(request.user, "training.manage", district)
    questions = Question.objects.filter(district=district)
    topic = request.GET.get("topic", "")
    kind = request.GET.get("kind", "")
    if topic:
        questions = questions.filter(topic=topic)
    if kind:
        questions = questions.filter(kind=kind)
    topics = (
        Question.objects.filter(district=district)
        .values_list("topic", flat=True)
        .distinct()
        .order_by("topic")
    )
    page = Paginator(questions, 50).get_page(request.GET.get("page"))
    context = {"page": page, "topics": topics, "topic": topic, "kind": kind, "kinds": Question.Kind.choices}
    return render(request, "training/bank.html", context)


@login_required
def question_new(request):
    district = _district(request.user)
    require(request.user, "training.manage", district)
    form = QuestionForm(request.POST or None, instance=Question(district=district))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "已加入题库")
        return redirect("training:bank")
    return render(request, "training/question_form.html", {"form": form})


@login_required
def item_analysis(request):
    district = _district(request.user)
    require(request.user, "training.manage", district)
    stats = selectors.item_stats(district, request.GET.get("exam"))
    questions = {q.pk: q for q in Question.objects.filter(pk__in=stats)}
    rows = sorted(
        ({"q": questions[qid], "s": s} for qid, s in stats.items() if qid in questions),
        key=lambda r: (r["s"].discrimination if r["s"].discrimination is not None else 9, r["s"].difficulty),
    )
    exams = Exam.objects.filter(klass__district=district).select_related("klass").order_by("-opens")[:50]
    context = {"rows": rows, "exams": exams, "exam": request.GET.get("exam", "")}
    return render(request, "training/item_analysis.html", context)


# ---------------------------------------------------------------- certificates, retraining, statistics


@login_required
def certificate_pdf(request, pk):
    cert = get_visible_or_404(
        Certificate.objects.select_related("enrolment__klass", "enrolment__member__branch__town"),
        request.user,
        "training.view",
        pk=pk,
    )
    from .certificates import certificate_pdf as build

    url = request.build_absolute_uri(reverse("training:verify", args=[services.certificate_code(cert)]))
    response = HttpResponse(build(cert, url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{cert.number}.pdf"'
    return response


def certificate_verify(request, code):
    """Public: what the QR code on a certificate opens. Shows only what the paper itself shows."""
    cert = services.certificate_from_code(code)
    return render(request, "training/verify.html", {"cert": cert}, status=200 if cert else 404)


@login_required
def retraining_list(request):
    items = (
        visible(Retraining, request.user, "training.view")
        .select_related("member__branch__town", "from_enrolment__klass", "placed__klass")
        .defer("member__phone", "member__id_number")  # not shown: not decrypted for every row
    )
    waiting = request.GET.get("waiting") == "1"
    if waiting:
        items = items.filter(placed__isnull=True)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "training/retraining.html", {"page": page, "waiting": waiting})


@login_required
def stats(request):
    _require_view(request.user)
    user = request.user
    f, computed = shared_figures(
        "training-stats", user, "training.view", (), lambda: selectors.statistics(user)
    )
    chart = {
        "years": [str(y) for y in f["years"]],
        "series": [{"name": name, "data": data} for name, data in f["by_year_category"].items()],
    }
    return render(request, "training/stats.html", {"f": f, "chart": chart, "computed": computed})


@login_required
def stats_xlsx(request):
    _require_view(request.user)
    f = selectors.statistics(request.user)
    sheets = [
        ("按类别", ["类别", "人次", "合格", "不合格", "合格率（%）"], [list(r) for r in f["by_category"]]),
        (
            "按乡镇",
            ["乡镇（街道）", "人次", "合格", "不合格", "合格率（%）"],
            [list(r) for r in f["by_town"]],
        ),
        ("按职务", ["职务", "人次", "合格", "不合格", "合格率（%）"], [list(r) for r in f["by_role"]]),
    ]
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="training-statistics.xlsx"'
    return response


def chart_json(chart) -> str:
    return json.dumps(chart, ensure_ascii=False)


__all__ = ["Prefetch"]
