"""Reads of 练: what a user may see, item analysis, statistics."""

from collections import defaultdict

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When

from zhibu.accounts.reach import visible
from zhibu.core.pagination import count_related
from zhibu.orgs.models import MemberRole

from . import scoring
from .models import Answer, Attempt, Attendance, Enrolment, TrainingClass


def classes_for(user):
    """Classes in the user's reach: the district's for centre staff, admin, auditors and instructors;
    those with someone of their reach on the roster for secretaries and supervisors; a trainee's own.
    Each once without DISTINCT: the roster is asked in a subquery (accounts.reach)."""
    return visible(TrainingClass.objects.all(), user, "training.view")


def roster_sizes(classes, user) -> None:
    """Set `size` on each of `classes`: the people on its roster whom `user` may see, as its page lists them
    (a town supervisor, their town's)."""
    count_related(classes, visible(Enrolment, user, "training.view"), "klass", "size")


def item_stats(district, exam_id=None) -> dict:
    """Difficulty and discrimination of every question answered in the district's marked papers."""
    attempts = Attempt.objects.filter(exam__klass__district=district, score__isnull=False)
    if exam_id and str(exam_id).isdigit():
        attempts = attempts.filter(exam_id=int(exam_id))
    by_attempt: dict[int, dict] = defaultdict(dict)
    scores = dict(attempts.values_list("pk", "score"))
    for attempt_id, qids in attempts.values_list("pk", "questions"):
        for q in qids:
            by_attempt[attempt_id][q] = False
    for attempt_id, qid, correct in Answer.objects.filter(attempt__in=attempts).values_list(
        "attempt_id", "question_id", "correct"
    ):
        by_attempt[attempt_id][qid] = bool(correct)
    return scoring.item_analysis([(scores[a], items) for a, items in by_attempt.items()])


def _rate(passed: int, failed: int) -> float:
    return round(100 * passed / (passed + failed), 1) if passed + failed else 0.0


ROLE_LABELS = {"secretary": "书记", "committee": "支委委员", "member": "普通党员"}


def statistics(user) -> dict:
    """Person-times (人次: one person attending one class), by category, year, town and role; pass rates.

    Counted by the database, grouped by category, year, town and role (a handful of rows whatever the
    number of enrolments); the role is the member's current one (书记, else 支委委员, else 普通党员)."""
    enrolments = visible(Enrolment, user, "training.view").annotate(
        attended=Exists(Attendance.objects.filter(enrolment=OuterRef("pk")))
    )
    current = MemberRole.objects.filter(member_id=OuterRef("member_id"), end__isnull=True)
    role = Case(
        When(Exists(current.filter(role="secretary")), then=Value("secretary")),
        When(Exists(current.filter(role__in=MemberRole.COMMITTEE)), then=Value("committee")),
        default=Value("member"),
        output_field=CharField(),
    )
    passed, failed = Q(result=Enrolment.Result.PASSED), Q(result=Enrolment.Result.FAILED)
    rows = (
        enrolments.annotate(role=role)
        .order_by()
        .values("klass__category", "klass__start__year", "member__branch__town__name", "role", "attended")
        .annotate(n=Count("pk"), p=Count("pk", filter=passed), f=Count("pk", filter=failed))
    )
    cat_labels = dict(TrainingClass.Category.choices)
    by_cat: dict = defaultdict(lambda: [0, 0, 0])
    by_town: dict = defaultdict(lambda: [0, 0, 0])
    by_role: dict = defaultdict(lambda: [0, 0, 0])
    by_year_cat: dict = defaultdict(lambda: defaultdict(int))
    total = passed_all = failed_all = 0
    for r in rows:
        cat, year, attended = r["klass__category"], r["klass__start__year"], r["attended"]
        keys = ((by_cat, cat), (by_town, r["member__branch__town__name"]), (by_role, r["role"]))
        for table, key in keys:
            cell = table[key]
            cell[0] += r["n"] if attended else 0
            cell[1] += r["p"]
            cell[2] += r["f"]
        if attended:
            total += r["n"]
            by_year_cat[cat][year] += r["n"]
        passed_all += r["p"]
        failed_all += r["f"]
    people = enrolments.filter(attended=True).order_by().values("member_id").distinct().count()
    years = sorted({y for d in by_year_cat.values() for y in d})

    def table(d, labels=None):
        out = [(str(labels.get(k, k)) if labels else k, n, p, f, _rate(p, f)) for k, (n, p, f) in d.items()]
        return sorted(out, key=lambda r: (-r[1], str(r[0])))

    return {
        "person_times": total,
        "people": people,
        "passed": passed_all,
        "failed": failed_all,
        "pass_rate": _rate(passed_all, failed_all),
        "by_category": table(by_cat, cat_labels),
        "by_town": table(by_town),
        "by_role": table(by_role, ROLE_LABELS),
        "years": years,
        "by_year_category": {
            str(cat_labels.get(c, c)): [d.get(y, 0) for y in years] for c, d in sorted(by_year_cat.items())
        },
    }
