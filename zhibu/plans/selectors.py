"""Reads of 因材施教: training needs by layer and domain, personal learning plans, the effect measure.

Everything is computed on read from the other areas' own data (orgs, training, library, rules, records),
so a plan changes as soon as what it draws on changes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from itertools import groupby
from operator import itemgetter

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from zhibu.accounts.reach import visible
from zhibu.orgs.models import Branch, Member, MemberRole

from . import effect, ranking
from .models import CommitteeListing

VIEW = "plans.view"
LAYER_ROLES = {
    "secretary": ["secretary"],
    "committee": ["deputy_secretary", "committee_member"],
    "group_leader": ["group_leader"],
    "member": [],
}
LAYER_CATEGORY = {
    "secretary": "secretary",
    "committee": "affairs",
    "group_leader": "affairs",
    "member": "rotation",
}
PLAIN_MEMBER = ranking.layer_of(())  # no role in office
WEAK_SHARE = 0.7  # a drill criterion scored below 70% of its full marks is weak


def _in_office(member_ids, day: datetime.date) -> dict[int, frozenset[str]]:
    """Each office holder's roles on `day`. The few combinations are shared, not a set per person:
    a city has 300,000 office holders."""
    combinations: dict[frozenset[str], frozenset[str]] = {}
    roles: dict[int, frozenset[str]] = {}
    rows = (
        MemberRole.objects.filter(member_id__in=member_ids, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .order_by("member_id")  # by person (the model's own order joins members and branches to sort)
        .values_list("member_id", "role")
    )
    for member_id, held in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0)):
        combination = frozenset(role for _, role in held)
        roles[member_id] = combinations.setdefault(combination, combination)
    return roles


def _trained_enrolments():
    """Enrolments that count as having been trained: not excused, attended or passed."""
    from zhibu.training.models import Enrolment

    return Enrolment.objects.exclude(status=Enrolment.Status.EXCUSED).filter(
        Q(result=Enrolment.Result.PASSED) | Q(attendance__gt=0)
    )


def last_trained(member_ids) -> dict[int, datetime.date]:
    rows = (
        _trained_enrolments()
        .filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(last=Max("klass__end"))
    )
    return {r["member_id"]: r["last"] for r in rows}


# -- training needs (分层分类) ------------------------------------------------------------------------


def needs(
    user, years: int = 3, today: datetime.date | None = None, town=None, ids: bool = True
) -> list[dict]:
    """Who has not been trained in `years` years, grouped by layer and domain; never-trained first.

    Each group counts its members (`never`, `stale`, `count`); with `ids` it also lists them
    (`member_ids`, never trained first, then the longest ago), which only turning a group into a class
    needs: the page's copy for a city's 2.5 million members is a few numbers, not millions of ids."""
    today = today or datetime.date.today()
    since = today - datetime.timedelta(days=365 * years)
    members = visible(Member, user, VIEW).filter(Q(left__isnull=True) | Q(left__gt=today), joined__lte=today)
    if town is not None:
        members = members.filter(branch__town=town)
    ids_query = members.values("id")  # a subquery: no long lists of ids for a whole district
    roles = _in_office(ids_query, today)
    last = last_trained(ids_query)
    groups: dict[tuple[str, str], dict] = {}
    # Streamed: a city's members are not held as a list.
    for member_id, domain in members.order_by().values_list("id", "branch__domain").iterator(chunk_size=5000):
        when = last.get(member_id)
        if when is not None and when >= since:
            continue
        member_roles = roles.get(member_id)
        for layer in ranking.layer_of(member_roles) if member_roles else PLAIN_MEMBER:
            g = groups.get((layer, domain))
            if g is None:
                g = groups[(layer, domain)] = {
                    "key": f"{layer}:{domain}",
                    "layer": layer,
                    "domain": domain,
                    "label": f"{ranking.DOMAINS.get(domain, domain)}支部 · {ranking.LAYERS[layer]}",
                    "category": LAYER_CATEGORY[layer],
                    "roles": LAYER_ROLES[layer],
                    "never": 0,
                    "stale": 0,
                    "count": 0,
                }
                if ids:
                    g["member_ids"] = []
            if ids:
                g["member_ids"].append((when or datetime.date.min, member_id))
            g["never" if when is None else "stale"] += 1
            g["count"] += 1
    if ids:
        for g in groups.values():  # never trained first, then the longest ago
            g["member_ids"] = [m for _, m in sorted(g["member_ids"])]
    order = list(ranking.LAYERS)
    return sorted(groups.values(), key=lambda g: (order.index(g["layer"]), g["domain"]))


def newcomers(user, town=None) -> dict:
    """The 新一届两委 listing: members of newly elected committees, placed in a class or waiting."""
    qs = (
        visible(CommitteeListing, user, VIEW)
        .select_related("member__branch__town", "election", "enrolment__klass")
        # only what the listing shows: the members' personal data stays encrypted (not decrypted per row)
        .only(
            *("role", "newcomer", "listed_at", "member_id", "election_id", "enrolment_id"),
            *("member__name", "member__branch__name", "member__branch__town__name"),
            *("election__date", "enrolment__klass__name"),
        )
    )
    if town is not None:
        qs = qs.filter(member__branch__town=town)
    waiting = list(qs.filter(enrolment__isnull=True).values_list("member_id", flat=True))
    return {
        "listings": qs,  # the page shows it page by page
        "waiting": waiting,
        "group": {
            "key": "new_committee",
            "layer": "committee",
            "domain": "",
            "label": "新一届村“两委”",
            "category": "new_committee",
            "roles": ["affairs"],
            "member_ids": waiting,
            "never": len(waiting),
            "stale": 0,
        },
    }


# -- personal learning plans --------------------------------------------------------------------------


def _findings(branch, today: datetime.date) -> tuple[ranking.Finding, ...]:
    """This year's and last year's compliance findings of the branch, one per rule (with how often)."""
    from zhibu.rules.adapter import branch_report
    from zhibu.rules.engine import RULES

    report = branch_report(branch, datetime.date(today.year - 1, 1, 1), today, as_of=today)
    counts: dict[str, int] = defaultdict(int)
    for f in report["findings"]:
        counts[f["rule"]] += 1
    out = []
    for rule, n in sorted(counts.items()):
        title = RULES[rule].title if rule in RULES else rule
        out.append(ranking.Finding(rule, title + (f"（{n} 次）" if n > 1 else "")))
    return tuple(out)


def _wrong_topics(member_id: int) -> dict[str, int]:
    from zhibu.training.models import Answer

    rows = (
        Answer.objects.filter(attempt__enrolment__member_id=member_id, correct=False)
        .values("question__topic")
        .annotate(n=Count("id"))
    )
    return {r["question__topic"]: r["n"] for r in rows}


def _weak_criteria(member_id: int) -> tuple[tuple[str, float], ...]:
    from zhibu.training.models import Score

    rows = (
        Score.objects.filter(entry__enrolments__member_id=member_id)
        .values("criterion__name", "criterion__max_points")
        .annotate(avg=Avg("points"))
    )
    weak = []
    for r in rows:
        share = (r["avg"] or 0) / r["criterion__max_points"] if r["criterion__max_points"] else 1
        if share < WEAK_SHARE:
            weak.append((r["criterion__name"], round(share, 2)))
    return tuple(sorted(weak))


def _candidates(member: Member, user, today: datetime.date) -> tuple[list[ranking.Candidate], dict]:
    from zhibu.library.models import Item, Progress
    from zhibu.training.models import Drill, DrillScript, TrainingClass

    district_id = member.branch.town.district_id
    out: list[ranking.Candidate] = []
    items = (
        Item.objects.filter(district_id=district_id, published=True, kind__in=["video", "document", "case"])
        .prefetch_related("tags")
        .only("id", "title", "summary", "kind", "file", "duration")
    )
    seen = {p.item_id: p.seconds for p in Progress.objects.filter(member=member)}
    for it in items:
        tags = list(it.tags.all())
        done = bool(it.duration) and seen.get(it.pk, 0) >= 0.9 * it.duration
        out.append(
            ranking.Candidate(
                "item",
                f"item:{it.pk}",
                it.title,
                reverse("library:item", args=[it.pk]),
                frozenset(t.code for t in tags),
                " ".join([it.title, it.summary, *(t.name for t in tags)]),
                studied=it.studied,
                done=done,
            )
        )
    upcoming = list(
        TrainingClass.objects.filter(district_id=district_id, end__gte=today)
        .exclude(status=TrainingClass.Status.CLOSED)
        .order_by("start")
    )
    enrolled = set(TrainingClass.objects.filter(enrolments__member=member).values_list("pk", flat=True))
    drills = list(
        Drill.objects.filter(klass__in=upcoming, script__isnull=False).select_related("script").order_by("id")
    )
    seen_classes = set(
        visible(TrainingClass, user, "training.view")
        .filter(pk__in=[k.pk for k in upcoming])
        .values_list("pk", flat=True)
    )
    meetings_of: dict[int, set[str]] = defaultdict(set)
    drill_of: dict[str, Drill] = {}
    for d in drills:
        meetings_of[d.klass_id].add(d.script.meeting)
        if d.klass_id in seen_classes:
            drill_of.setdefault(d.script.meeting, d)
    for k in upcoming:
        out.append(
            ranking.Candidate(
                "class",
                f"class:{k.pk}",
                f"{k.name}（{k.start:%Y-%m-%d} 开班）",
                reverse("training:class", args=[k.pk]) if k.pk in seen_classes else "",
                meeting=" ".join(sorted(meetings_of[k.pk])),
                category=k.category,
                done=k.pk in enrolled,
            )
        )
    scripts = {}
    for s in DrillScript.objects.filter(district_id=district_id).order_by("id"):
        if s.meeting in scripts:
            continue
        scripts[s.meeting] = s
        d = drill_of.get(s.meeting)
        out.append(
            ranking.Candidate(
                "drill",
                f"drill:{s.meeting}",
                f"模拟演练：如何召开{s.meeting}",
                reverse("training:drill", args=[d.pk]) if d else "",
                meeting=s.meeting,
            )
        )
    return out, scripts


def plan_for(member: Member, user, today: datetime.date | None = None) -> dict:
    """The personal learning plan: the facts about the person and the ranked recommendations."""
    from zhibu.library.selectors import member_rows

    today = today or datetime.date.today()
    roles = _in_office([member.pk], today).get(member.pk, frozenset())
    hours = member_rows([member], today.year)[0]
    facts = ranking.Facts(
        layers=ranking.layer_of(roles),
        domain=member.branch.domain,
        wrong_topics=_wrong_topics(member.pk),
        weak_criteria=_weak_criteria(member.pk),
        findings=_findings(member.branch, today),
        hours_owed=hours.owed,
        hours_required=hours.required,
    )
    candidates, scripts = _candidates(member, user, today)
    recs = ranking.recommend(facts, candidates)
    for r in recs:
        if r.kind == "drill":
            script = scripts.get(r.key.split(":", 1)[1])
            r.steps = list(script.steps) if script else []
    return {
        "member": member,
        "facts": facts,
        "layers": [ranking.LAYERS[x] for x in facts.layers],
        "domain": ranking.DOMAINS.get(facts.domain, facts.domain),
        "hours": hours,
        "recommendations": recs,
    }


# -- the effect measure (培训成效) -----------------------------------------------------------------------


def _period_end(key: str) -> datetime.date:
    if "-Q" in key:
        year, q = key.split("-Q")
        month = int(q) * 3
    elif "-" in key:
        year, m = key.split("-")[:2]
        month = int(m)
    else:
        year, month = key, 12
    nxt = datetime.date(int(year) + (month == 12), month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def effect_inputs(branches, start: datetime.date, end: datetime.date):
    """The occurrences of findings and the trainings of the branches' committee members in [start, end]."""
    from zhibu.records.models import Meeting
    from zhibu.rules.adapter import reports
    from zhibu.training.models import Drill

    branches = list(branches.select_related("town"))
    town_of = {b.pk: b.town.name for b in branches}
    found = reports(branches, start, end, as_of=end)
    record_ids = {
        int(r[1:]) for rep in found.values() for f in rep["findings"] for r in f["records"] if r[1:].isdigit()
    }
    meeting_day = dict(Meeting.objects.filter(pk__in=record_ids).values_list("pk", "date"))
    occurrences = []
    for branch_id, rep in found.items():
        for f in rep["findings"]:
            days = [
                meeting_day[int(r[1:])] for r in f["records"] if r[1:].isdigit() and int(r[1:]) in meeting_day
            ]
            day = min(days) if days else _period_end(f["period"])
            occurrences.append(effect.Occurrence(branch_id, town_of[branch_id], f["rule"], day))
    committee = MemberRole.objects.filter(
        member__branch__in=branches, role__in=MemberRole.COMMITTEE, start__lte=end
    ).values("member_id")
    rows = list(
        _trained_enrolments()
        .filter(member_id__in=committee, klass__end__gte=start, klass__end__lte=end)
        .values_list("member__branch_id", "klass_id", "klass__end", "klass__category")
    )
    meetings: dict[int, set[str]] = defaultdict(set)
    for klass_id, meeting in Drill.objects.filter(
        klass_id__in={r[1] for r in rows}, script__isnull=False
    ).values_list("klass_id", "script__meeting"):
        meetings[klass_id].add(meeting)
    trainings = [
        effect.Training(branch_id, day, category, frozenset(meetings[klass_id]))
        for branch_id, klass_id, day, category in rows
    ]
    return occurrences, trainings


def effect_measure(district_id: int, start: datetime.date, end: datetime.date, progress=None):
    """The effect measure computed now, town by town, telling `progress(done, total, message)` as it goes
    (the job's progress for the page, a bar for the command line)."""
    from zhibu.orgs.models import Town

    towns = list(Town.objects.filter(district_id=district_id).order_by("code"))
    report = progress or (lambda done, total=None, message="": None)
    report(0, len(towns), "正在检查各乡镇（街道）支部的组织生活")
    occurrences, trainings = [], []
    for i, town in enumerate(towns, start=1):
        occ, tr = effect_inputs(Branch.objects.filter(town=town), start, end)
        occurrences += occ
        trainings += tr
        report(i, message=f"已检查 {town.name}")
    return effect.measure(occurrences, trainings)


def effect_rows(
    district, start: datetime.date, end: datetime.date, refresh: bool = False, progress=None
) -> list[effect.Row]:
    """Per rule and town, computed now (the command line and tests); pages use effect_result instead."""
    from .tasks import CACHE_SECONDS, cache_key

    key = cache_key(district.pk, start, end)
    rows = None if refresh else cache.get(key)
    if rows is None:
        rows = effect_measure(district.pk, start, end, progress)
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def effect_result(district, start: datetime.date, end: datetime.date, user, job_id: str | None = None):
    """(rows, job): the rows from the cache or the latest finished job of the last six hours; otherwise
    the job that is computing them (started here when none runs). It checks every branch of the district."""
    from zhibu.core.models import Job

    from .tasks import CACHE_SECONDS, KIND, cache_key, effect_compute

    rows = cache.get(cache_key(district.pk, start, end))
    if rows is not None:
        return rows, None
    params = {"district": district.pk, "start": str(start), "end": str(end)}
    recent = Job.objects.filter(
        kind=KIND,
        params__district=district.pk,
        params__start=params["start"],
        params__end=params["end"],
        created__gte=timezone.now() - datetime.timedelta(seconds=CACHE_SECONDS),
    ).exclude(status=Job.Status.FAILED)
    job = recent.filter(status=Job.Status.DONE).order_by("-created").first()
    if job is not None:
        rows = [effect.Row(**r) for r in job.result.get("rows", [])]
        cache.set(cache_key(district.pk, start, end), rows, CACHE_SECONDS)
        return rows, None
    job = recent.order_by("-created").first()
    if job is None:
        job = Job.objects.create(kind=KIND, owner=user, params=params)
        effect_compute.delay(str(job.pk))
        job.refresh_from_db()
        if job.status == Job.Status.DONE:  # run in-process (no task queue configured)
            return [effect.Row(**r) for r in job.result.get("rows", [])], None
    return None, job.live()
