"""综合评估 over the database: indicator values per branch per year from the areas that exist,
the stored Evaluation rows, and the loop — teaching-case and retraining proposals, confirmed by a person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from . import status
from .evaluation import DEFAULT_MODEL, Item, Value, evaluate
from .models import DispatchTarget, Evaluation, Finding, Proposal

# Rules the compliance indicator leaves to others: learning hours have their own indicator, and the
# committee structure (term, size) is the organisation's set-up, not its organisational life.
OWN_INDICATOR_RULES = ("learning.", "structure.")
SEVERITY_POINTS = {"minor": 2, "major": 4, "serious": 8}
CASE_MIN_SCORE = 90
CASES_PER_YEAR = 5


def _window(year: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 1, 1)
    return start, min(datetime.date(year, 12, 31), today)


def _months(start: datetime.date, end: datetime.date) -> list[str]:
    """The calendar months fully or partly elapsed in [start, end], as YYYY-MM (the current one only if it is over)."""
    months, day = [], start
    while day <= end:
        nxt = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        if nxt - datetime.timedelta(days=1) <= end:
            months.append(f"{day:%Y-%m}")
        day = nxt
    return months


def values_for(branches, year: int, today: datetime.date | None = None) -> dict[int, dict[str, Value]]:
    """Indicator values of each branch; an indicator whose source is not installed stays out ("暂无数据")."""
    today = today or timezone.localdate()
    start, end = _window(year, today)
    branches = list(branches)
    ids = [b.pk for b in branches]
    out: dict[int, dict[str, Value]] = {pk: {} for pk in ids}

    if status.rules_installed():
        from zhibu.rules.adapter import reports

        for pk, report in reports(branches, start, end, end).items():
            items = [
                Item(f["message"], 5 if f["severity"] == "violation" else 1, ",".join(f.get("records") or []))
                for f in report["findings"]
                if not f["rule"].startswith(OWN_INDICATOR_RULES)
            ]
            out[pk]["compliance"] = Value(len(items), items)

    if status.records_installed():
        from zhibu.records.models import Meeting, Review

        held = defaultdict(set)
        for branch_id, day in Meeting.objects.filter(
            branch_id__in=ids, date__gte=start, date__lte=end, status__in=status.HELD
        ).values_list("branch_id", "date"):
            held[branch_id].add(f"{day:%Y-%m}")
        months = _months(start, end)
        for pk in ids:
            if months:
                missing = [m for m in months if m not in held[pk]]
                out[pk]["schedule"] = Value(
                    (len(months) - len(missing)) / len(months),
                    [Item(f"{m[:4]}年{int(m[5:])}月未开展组织生活") for m in missing],
                )
        in_window = Review.objects.filter(
            meeting__branch_id__in=ids, meeting__date__gte=start, meeting__date__lte=end
        )
        counts = dict(
            in_window.values_list("meeting__branch_id")
            .annotate(n=Count("id"))
            .values_list("meeting__branch_id", "n")
        )
        returned = defaultdict(list)
        for r in in_window.filter(decision="returned").select_related("meeting"):
            returned[r.meeting.branch_id].append(
                Item(
                    f"{r.meeting.date} {r.meeting.type_label} 被退回：{r.comment[:60]}",
                    ref=f"r{r.meeting_id}",
                )
            )
        for pk, n in counts.items():
            out[pk]["review"] = Value((n - len(returned[pk])) / n, returned[pk])

    if apps.is_installed("zhibu.library"):
        try:
            from zhibu.library.selectors import member_rows
            from zhibu.orgs.models import Member
        except ImportError:  # pragma: no cover - the library area without its selectors
            member_rows = None
        if member_rows is not None:
            elapsed = max(1, (end - start).days + 1) / (366 if year % 4 == 0 else 365)
            members = (
                Member.objects.filter(branch_id__in=ids, joined__lte=end)
                .filter(Q(left__isnull=True) | Q(left__gt=end))
                .only("id", "branch_id", "name")  # no encrypted field is read
            )
            by_branch = defaultdict(list)
            for row in member_rows(members, year):
                due = row.required * elapsed
                by_branch[row.member.branch_id].append((row, min(1.0, row.total / due) if due else 1.0))
            recorded = any(row.total for rows in by_branch.values() for row, _ in rows)
            for pk, rows in by_branch.items() if recorded else ():
                short = [
                    Item(f"{r.member.name} 学时 {r.total} / 按进度应达 {r.required * elapsed:.1f}")
                    for r, a in rows
                    if a < 1
                ]
                out[pk]["learning"] = Value(sum(a for _, a in rows) / len(rows), short)

    if status.training_installed():
        from zhibu.training.models import Enrolment

        done = defaultdict(lambda: [0, []])
        for e in Enrolment.objects.filter(
            member__branch_id__in=ids,
            klass__end__gte=start,
            klass__end__lte=end,
            result__in=("passed", "failed"),
        ).select_related("member", "klass"):
            entry = done[e.member.branch_id]
            entry[0] += 1
            if e.result == "failed":
                entry[1].append(Item(f"{e.member.name} 在“{e.klass.name}”未结业合格 {e.result_note}".strip()))
        for pk, (n, failed) in done.items():
            out[pk]["training"] = Value((n - len(failed)) / n, failed)

    targets = defaultdict(lambda: [0, []])
    for t in DispatchTarget.objects.filter(
        branch_id__in=ids, dispatch__deadline__gte=start, dispatch__deadline__lte=end
    ).select_related("dispatch"):
        on_time = t.on_time
        if on_time is None and t.dispatch.deadline >= today:
            continue  # still within its time: not judged yet
        entry = targets[t.branch_id]
        entry[0] += 1
        if not on_time:
            entry[1].append(
                Item(
                    f"调度指令“{t.dispatch.title}”{'逾期办结' if t.done_at else '逾期未办结'}",
                    ref=f"d{t.dispatch_id}",
                )
            )
    for pk, (n, late) in targets.items():
        out[pk]["dispatch"] = Value((n - len(late)) / n, late)

    if apps.is_installed("zhibu.targets"):
        from zhibu.targets.selectors import target_attainments

        # Targets due so far this year; one not yet due is not judged yet (like a dispatch in its time).
        for pk, (value, lines) in target_attainments(branches, (start, end)).items():
            if value is None:  # no targets: no data, never an invented score
                out[pk]["targets"] = Value(None, note="；".join(lines))
            else:
                out[pk]["targets"] = Value(value, [Item(line) for line in lines])

    found = defaultdict(list)
    for f in Finding.objects.filter(
        branch_id__in=ids, created_at__date__gte=start, created_at__date__lte=end
    ):
        if f.status != Finding.Status.CLOSED:
            found[f.branch_id].append(
                Item(
                    f"未销号：{f.get_category_display()}（{f.get_severity_display()}）{f.text[:40]}",
                    SEVERITY_POINTS[f.severity],
                    f"f{f.pk}",
                )
            )
        elif f.closed_at and timezone.localtime(f.closed_at).date() > f.deadline:
            found[f.branch_id].append(
                Item(f"逾期销号：{f.get_category_display()} {f.text[:40]}", 1, f"f{f.pk}")
            )
    for pk in ids:
        out[pk]["supervision"] = Value(len(found[pk]), found[pk])
    return out


@transaction.atomic
def evaluate_branches(branches, year: int, today: datetime.date | None = None) -> list[Evaluation]:
    """Compute and store the year's evaluation of each branch (replacing an earlier computation)."""
    today = today or timezone.localdate()
    branches = list(branches)
    values = values_for(branches, year, today)
    now = timezone.now()
    # Written in bulk (a city's branches in chunks): the year's rows read once, then updated or created.
    existing = {
        e.branch_id: e
        for e in Evaluation.objects.select_for_update().filter(
            branch_id__in=[b.pk for b in branches], year=year
        )
    }
    saved, new = [], []
    for b in branches:
        result = evaluate(values[b.pk], DEFAULT_MODEL)
        if result["score"] is None:
            continue
        result["as_of"] = today.isoformat()
        row = existing.get(b.pk)
        if row is None:
            row = Evaluation(branch=b, year=year)
            new.append(row)
        row.score, row.grade, row.result, row.computed_at = result["score"], result["grade"], result, now
        saved.append(row)
    Evaluation.objects.bulk_create(new, batch_size=500)
    Evaluation.objects.bulk_update(
        [r for r in saved if r.branch_id in existing],
        ["score", "grade", "result", "computed_at"],
        batch_size=500,
    )
    return saved


# -- the loop: 好的进教材、差的回炉来 ------------------------------------------------------------------


def _case_draft(branch, year: int) -> dict:
    """A draft teaching case assembled from the branch's own approved records of the year."""
    draft = {
        "title": f"{branch.name}：规范开展组织生活",
        "background": "",
        "practice": "",
        "effect": "",
        "lessons": "",
        "records": [],
    }
    if not status.records_installed():
        return draft
    from zhibu.records.models import Meeting

    meetings = list(
        Meeting.objects.filter(branch=branch, date__year=year, status="approved").order_by("-date")[:6]
    )
    draft["background"] = f"{branch.town.name}{branch.name}，{branch.get_domain_display()}领域党支部。"
    practice = []
    for m in meetings:
        line = f"{m.date:%m月%d日} {m.type_label}：{m.topic or ''}"
        if m.minutes:
            line += f"。{m.minutes[:120]}"
        practice.append(line)
        draft["records"].append(m.pk)
    draft["practice"] = "\n".join(practice)
    resolutions = [r.title for m in meetings for r in m.resolutions.all()[:3]]
    photos = sum(m.attachments.filter(kind="photo").count() for m in meetings)
    draft["effect"] = ("表决通过事项：" + "；".join(resolutions[:6]) + "。" if resolutions else "") + (
        f"留存现场照片 {photos} 张。" if photos else ""
    )
    return draft


def _committee(branch, day: datetime.date):
    from zhibu.orgs.models import Member, MemberRole

    ids = (
        MemberRole.objects.filter(member__branch=branch, role__in=MemberRole.COMMITTEE, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .values_list("member_id", flat=True)
    )
    return list(Member.objects.filter(pk__in=ids, left__isnull=True).order_by("id"))


@transaction.atomic
def propose(evaluations, year: int, today: datetime.date | None = None) -> list[Proposal]:
    """Proposals from a year's evaluations: best branches as cases, weakest ones to retraining (each once)."""
    today = today or timezone.localdate()
    evaluations = sorted(evaluations, key=lambda e: (-e.score, e.branch_id))
    made = []
    for e in [e for e in evaluations if e.score >= CASE_MIN_SCORE][:CASES_PER_YEAR]:
        p, created = Proposal.objects.get_or_create(
            kind=Proposal.Kind.CASE,
            branch=e.branch,
            year=year,
            defaults={
                "reason": f"{year}年综合评估 {e.score} 分（{e.grade}）",
                "draft": _case_draft(e.branch, year),
            },
        )
        made += [p] if created else []
    overdue = set(
        Finding.objects.filter(deadline__lt=today)
        .exclude(status=Finding.Status.CLOSED)
        .values_list("branch_id", flat=True)
    )
    for e in evaluations:
        if e.grade != "较差" and e.branch_id not in overdue:
            continue
        reason = (
            f"{year}年综合评估 {e.score} 分（{e.grade}）" if e.grade == "较差" else "有逾期未整改的督导意见"
        )
        committee = _committee(e.branch, today)
        p, created = Proposal.objects.get_or_create(
            kind=Proposal.Kind.RETRAINING,
            branch=e.branch,
            year=year,
            defaults={
                "reason": reason,
                "draft": {"members": [m.pk for m in committee], "names": [m.name for m in committee]},
            },
        )
        made += [p] if created else []
    return made


@transaction.atomic
def proposal_reject(*, proposal: Proposal, by, reason: str) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError("该建议已处理")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明不采纳的理由"})
    proposal.status, proposal.decided_by, proposal.decided_at = Proposal.Status.REJECTED, by, timezone.now()
    proposal.outcome = {"reason": reason.strip()[:300]}
    proposal.save(update_fields=["status", "decided_by", "decided_at", "outcome"])
    return proposal


def library_installed() -> bool:
    try:
        item = apps.get_model("library", "Item")
    except LookupError:
        return False
    return hasattr(item, "Source") and "supervision" in item.Source.values


def training_service():
    try:
        from zhibu.training.services import retraining_assign
    except ImportError:
        return None
    return retraining_assign


@transaction.atomic
def case_publish(
    *, proposal: Proposal, by, title: str, background: str, practice: str, effect: str, lessons: str
):
    """The editor's finished case goes into the library's case collection, linked back to this proposal."""
    proposal = Proposal.objects.select_for_update().select_related("branch__town").get(pk=proposal.pk)
    if proposal.kind != Proposal.Kind.CASE or proposal.status != Proposal.Status.PENDING:
        raise ValidationError("该建议已处理")
    if not library_installed():
        raise ValidationError("案例库尚未启用，暂不能发布")
    fields = {
        "title": title,
        "background": background,
        "practice": practice,
        "effect": effect,
        "lessons": lessons,
    }
    labels = {"title": "标题", "background": "背景", "practice": "做法", "effect": "成效", "lessons": "启示"}
    for key, value in fields.items():
        if not (value or "").strip():
            raise ValidationError({key: f"请填写案例{labels[key]}"})
    from zhibu.library.models import Item as LibraryItem
    from zhibu.library.services import item_save

    branch = proposal.branch
    item = LibraryItem(
        district_id=branch.town.district_id,
        kind=LibraryItem.Kind.CASE,
        title=title.strip()[:120],
        summary=background.strip()[:300],
        background=background.strip(),
        practice=practice.strip(),
        effect=effect.strip(),
        lessons=lessons.strip(),
        domain=branch.domain,
        branch=branch,
        source=LibraryItem.Source.SUPERVISION,
        source_ref=f"proposal-{proposal.pk}",
        approved_by=by,
        approved_at=timezone.now(),
        published=True,
    )
    item_save(item=item)
    proposal.status, proposal.decided_by, proposal.decided_at = Proposal.Status.CONFIRMED, by, timezone.now()
    proposal.draft = {**proposal.draft, **{k: v.strip() for k, v in fields.items()}}
    proposal.outcome = {"library_item": item.pk}
    proposal.save(update_fields=["status", "decided_by", "decided_at", "draft", "outcome"])
    return item


@transaction.atomic
def retraining_confirm(*, proposal: Proposal, by, member_ids) -> list:
    """Send the chosen committee members to retraining through the training area's service."""
    proposal = Proposal.objects.select_for_update().select_related("branch").get(pk=proposal.pk)
    if proposal.kind != Proposal.Kind.RETRAINING or proposal.status != Proposal.Status.PENDING:
        raise ValidationError("该建议已处理")
    assign = training_service()
    if assign is None:
        raise ValidationError("培训模块尚未启用，暂不能安排补训")
    from zhibu.orgs.models import Member

    chosen = list(
        Member.objects.filter(pk__in=[int(i) for i in member_ids], branch=proposal.branch, left__isnull=True)
    )
    if not chosen:
        raise ValidationError({"members": "请至少选择一名需要回炉补训的人员"})
    source = f"督导回炉：{proposal.branch.name} {proposal.year}年（{proposal.reason}）"
    placed = [assign(member=m, reason="supervision", source=source) for m in chosen]
    proposal.status, proposal.decided_by, proposal.decided_at = Proposal.Status.CONFIRMED, by, timezone.now()
    proposal.outcome = {
        "retrainings": [r.pk for r in placed],
        "placed": [r.placed_id for r in placed if getattr(r, "placed_id", None)],
    }
    proposal.save(update_fields=["status", "decided_by", "decided_at", "outcome"])
    return placed
