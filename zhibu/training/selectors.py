"""Reads of 练: what a user may see, item analysis, statistics."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q

from zhibu.accounts.reach import visible
from zhibu.orgs.models import MemberRole

from . import scoring
from .models import Answer, Attempt, Attendance, Enrolment, TrainingClass


def classes_for(user):
    """Classes in the user's reach: the district's for centre staff, admin, auditors and instructors;
    those with someone of their reach on the roster for secretaries and supervisors; a trainee's own."""
    return visible(TrainingClass.objects.distinct(), user, "training.view")


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
    """Person-times (人次: one person attending one class), by category, year, town and role; pass rates."""
    enrolments = visible(Enrolment, user, "training.view").annotate(
        attended=Exists(Attendance.objects.filter(enrolment=OuterRef("pk")))
    )
    rows = enrolments.values_list(
        "klass__category",
        "klass__start__year",
        "member__branch__town__name",
        "member_id",
        "attended",
        "result",
    )
    secretaries = set(
        MemberRole.objects.filter(role="secretary", end__isnull=True).values_list("member_id", flat=True)
    )
    committee = set(
        MemberRole.objects.filter(Q(role__in=MemberRole.COMMITTEE), end__isnull=True).values_list(
            "member_id", flat=True
        )
    )
    cat_labels = dict(TrainingClass.Category.choices)
    by_cat: dict = defaultdict(lambda: [0, 0, 0])
    by_town: dict = defaultdict(lambda: [0, 0, 0])
    by_role: dict = defaultdict(lambda: [0, 0, 0])
    by_year_cat: dict = defaultdict(lambda: defaultdict(int))
    people = set()
    total = passed_all = failed_all = 0
    for cat, year, town, member_id, attended, result in rows.iterator(chunk_size=5000):
        role = (
            "secretary" if member_id in secretaries else "committee" if member_id in committee else "member"
        )
        p = result == Enrolment.Result.PASSED
        f = result == Enrolment.Result.FAILED
        for table, key in ((by_cat, cat), (by_town, town), (by_role, role)):
            cell = table[key]
            cell[0] += bool(attended)
            cell[1] += p
            cell[2] += f
        if attended:
            total += 1
            people.add(member_id)
            by_year_cat[cat][year] += 1
        passed_all += p
        failed_all += f
    years = sorted({y for d in by_year_cat.values() for y in d})

    def table(d, labels=None):
        out = [(str(labels.get(k, k)) if labels else k, n, p, f, _rate(p, f)) for k, (n, p, f) in d.items()]
        return sorted(out, key=lambda r: -r[1])

    return {
        "person_times": total,
        "people": len(people),
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
