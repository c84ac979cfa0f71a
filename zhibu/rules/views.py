"""Pages of 一规: a branch's findings with what to do next, a town's branches × rules table, the rule configuration."""

import datetime
import json
from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from zhibu.accounts.reach import get_visible_or_404, has_capability, require, visible
from zhibu.core import audit, figures
from zhibu.core.audit import record_export
from zhibu.core.pagination import Paginator
from zhibu.core.xlsx import XLSX_TYPE, workbook_bytes
from zhibu.orgs.models import Branch, Town

from . import services
from .adapter import branch_to_do, current_config, reports
from .engine import DEFAULT_CONFIG, RULES, TYPE_NAMES, merge_config
from .signals import TOWN_FIGURES

SEVERITY = {"violation": "不合规", "warning": "提醒"}

# Branches in one page of a town's table (a city's towns average 300; the export has them all): a whole
# town's cells took the page over 100 ms to write.
TOWN_PAGE = 100

# The town table's columns: rule families, in the order a secretary thinks of them.
FAMILIES = [
    ("general_meeting", "党员大会"),
    ("committee_meeting", "支委会"),
    ("group_meeting", "党小组会"),
    ("party_lecture", "党课"),
    ("theme_day", "主题党日"),
    ("org_life_meeting", "组织生活会"),
    ("democratic_appraisal", "民主评议"),
    ("election", "选举"),
    ("record", "纪实规范"),
    ("learning", "学习学时"),
    ("structure", "组织设置"),
]


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _window(year: int, today: datetime.date):
    """The evaluated year: up to today for the current year, the whole year for past years."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return start, end, min(end, today) if year == today.year else end


def family(rule: str) -> str:
    return rule.split(".", 1)[0]


def _record_pk(ids):
    return [int(r[1:]) for r in ids if r.startswith("r") and r[1:].isdigit()]


@login_required
def index(request):
    """Where to start: the towns and branches in reach."""
    if not has_capability(request.user, "rules.view"):
        raise Http404
    towns = visible(Town, request.user, "rules.view").order_by("code")
    branches = visible(Branch, request.user, "rules.view").select_related("town").order_by("code")
    if towns.count() > 1 or not branches.exists():
        branches = branches.none()
    elif towns.count() == 1 and branches.count() > 5:
        return redirect("rules:town", towns.first().code)
    return render(
        request,
        "rules/index.html",
        {"towns": towns, "branches": branches[:50], "can_config": has_capability(request.user, "rules.view")},
    )


@login_required
def branch(request, code):
    branch = get_visible_or_404(Branch.objects.select_related("town"), request.user, "org.view", code=code)
    require(request.user, "rules.view", branch)
    today = timezone.localdate()
    year = _year(request)
    start, end, as_of = _window(year, today)
    report = reports([branch], start, end, min(as_of, today))[branch.pk]
    rule = request.GET.get("rule", "")
    findings = [f for f in report["findings"] if not rule or f["rule"] == rule or family(f["rule"]) == rule]
    for f in findings:
        f["record_pks"] = _record_pk(f["records"])
    # What to do next: periods still open now whose required meetings have not happened yet.
    upcoming = branch_to_do(branch, today) if year == today.year else []
    by_rule = Counter(f["rule"] for f in report["findings"])
    context = {
        "branch": branch,
        "year": year,
        "years": list(range(today.year, today.year - 4, -1)),
        "report": report,
        "findings": findings,
        "rule": rule,
        "upcoming": upcoming,
        "by_rule": sorted((RULES[r].title, r, n) for r, n in by_rule.items()),
    }
    return render(request, "rules/branch.html", context)


def _town_table(request, code):
    town = get_visible_or_404(Town.objects.select_related("district"), request.user, "org.view", code=code)
    branches = (
        visible(Branch, request.user, "rules.view").filter(town=town).select_related("town").order_by("code")
    )
    if not branches.exists():
        raise PermissionDenied("您的角色没有此项操作权限")
    today = timezone.localdate()
    year = _year(request)
    start, end, as_of = _window(year, today)
    severity = request.GET.get("severity", "")
    only = request.GET.get("only", "")
    q = request.GET.get("q", "").strip()
    if q:
        branches = branches.filter(name__contains=q)
    # Every branch's whole year checked: shared for a few minutes by users of the same reach.
    found, computed = figures.shared(
        TOWN_FIGURES,
        request.user,
        "rules.view",
        (town.pk, q, start, end, as_of),
        lambda: _finding_counts(branches, start, end, as_of),
    )
    rows = []
    for b in branches:
        counts = defaultdict(lambda: [0, 0])
        for (rule_family, level), n in found.get(b.pk, {}).items():
            if severity and level != severity:
                continue
            counts[rule_family][0 if level == "violation" else 1] += n
        cells = [(key, counts[key][0], counts[key][1]) for key, _ in FAMILIES]
        total = sum(v for _, v, _ in cells)
        if only == "problems" and not any(v or w for _, v, w in cells):
            continue
        if only and only != "problems" and not counts[only][0] + counts[only][1]:
            continue
        rows.append({"branch": b, "cells": cells, "violations": total})
    return town, year, rows, {"severity": severity, "only": only, "q": q}, computed


def _finding_counts(branches, start, end, as_of) -> dict[int, Counter]:
    """Per branch: how many findings of each rule family and severity."""
    return {
        pk: Counter((family(f["rule"]), f["severity"]) for f in report["findings"])
        for pk, report in reports(branches, start, end, as_of).items()
    }


@login_required
def town(request, code):
    """Branches × rules for a town: judged against the standard (no ranking), drill down to each branch."""
    town, year, rows, f, computed = _town_table(request, code)
    compliant = sum(1 for r in rows if not r["violations"])
    context = {
        "town": town,
        "year": year,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 4, -1)),
        "rows": rows,
        "page": Paginator(rows, TOWN_PAGE).get_page(request.GET.get("page")),
        "families": FAMILIES,
        "f": f,
        "compliant": compliant,
        "computed": computed,
    }
    return render(request, "rules/town.html", context)


@login_required
def town_export(request, code):
    town, year, rows, _f, _computed = _town_table(request, code)
    header = ["支部编码", "支部名称"] + [f"{label}（不合规/提醒）" for _, label in FAMILIES]
    data = [[r["branch"].code, r["branch"].name] + [f"{v}/{w}" for _, v, w in r["cells"]] for r in rows]
    record_export(request, "rules.town_export", {"town": town.code, "year": year, "rows": len(data)})
    response = HttpResponse(
        workbook_bytes([(f"{town.name}{year}年合规检查", header, data)]), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="compliance-{town.code}-{year}.xlsx"'
    return response


@login_required
def config(request):
    """The rule configuration in force: each rule with its Chinese message and citation; admins edit it."""
    if not has_capability(request.user, "rules.view"):
        raise Http404
    can_edit = has_capability(request.user, "rules.manage")
    latest = current_config()
    overrides = latest.overrides if latest else {}
    text = json.dumps(overrides, ensure_ascii=False, indent=2)
    reason = ""
    errors = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("您的角色没有此项操作权限")
        text, reason = request.POST.get("overrides", ""), request.POST.get("reason", "")
        try:
            saved = services.config_save(text=text, reason=reason, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            audit.record(
                request,
                "rules.config",
                f"RuleConfig:{saved.pk}",
                {"version": saved.version, "reason": reason},
            )
            messages.success(request, f"已保存为第 {saved.version} 版规则配置，即时生效")
            return redirect("rules:config")
    merged = merge_config(DEFAULT_CONFIG, overrides)
    texts = merged.get("messages", {})
    rules = [
        {
            "id": r.id,
            "title": r.title,
            "severity": SEVERITY[r.severity],
            "message": texts.get(r.id, {}).get("message", r.message),
            "citation": texts.get(r.id, {}).get("citation", r.citation),
        }
        for r in RULES.values()
    ]
    from .models import RuleConfig

    context = {
        "rules": rules,
        "merged": json.dumps(
            {k: v for k, v in merged.items() if k != "messages"}, ensure_ascii=False, indent=2
        ),
        "text": text,
        "reason": reason,
        "errors": errors,
        "can_edit": can_edit,
        "latest": latest,
        "history": RuleConfig.objects.select_related("created_by")[:20],
        "type_names": TYPE_NAMES,
    }
    return render(request, "rules/config.html", context)
