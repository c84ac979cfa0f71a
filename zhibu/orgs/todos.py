"""What the organisation asks of a person now, for their home page."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import visible
from zhibu.core.nav import registry

from .models import Branch, Member, MemberRole


def term_years(branch: Branch) -> int:
    return 5 if branch.domain in ("rural", "community") else 3


def term_end(branch: Branch) -> datetime.date | None:
    if branch.committee_elected is None:
        return None
    d = branch.committee_elected
    years = term_years(branch)
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


@registry.todos
def organisation_todos(user) -> list[dict]:
    today = datetime.date.today()
    items = []
    managed = list(visible(Branch, user, "members.manage").select_related("town")[:6])
    if len(managed) <= 5:
        for branch in managed:
            url = reverse("orgs:branch", args=[branch.code])
            end = term_end(branch)
            if end and end <= today:
                items.append(
                    {
                        "priority": 10,
                        "title": gettext("%(branch)s支委会任期已满（%(end)s），请按期换届")
                        % {"branch": branch.name, "end": end},
                        "url": url,
                    }
                )
            elif end and (end - today).days <= 90:
                items.append(
                    {
                        "priority": 20,
                        "title": gettext("%(branch)s支委会将于 %(end)s 任期届满，请准备换届")
                        % {"branch": branch.name, "end": end},
                        "url": url,
                    }
                )
            if not MemberRole.objects.filter(
                member__branch=branch, member__left__isnull=True, role="secretary", end__isnull=True
            ).exists():
                items.append(
                    {
                        "priority": 10,
                        "title": gettext("%(branch)s没有在任书记，请补选") % {"branch": branch.name},
                        "url": url,
                    }
                )
            due = Member.objects.filter(
                branch=branch,
                left__isnull=True,
                full_since__isnull=True,
                party_joined__lte=today - datetime.timedelta(days=335),
            ).only("pk", "name")  # the personal data stays encrypted
            for m in due:
                items.append(
                    {
                        "priority": 30,
                        "title": gettext("预备党员%(name)s预备期将满一年，请讨论其转正") % {"name": m.name},
                        "url": reverse("orgs:member", args=[m.pk]),
                    }
                )
            no_phone = Member.objects.filter(branch=branch, left__isnull=True).filter(Q(phone="")).count()
            if no_phone:
                items.append(
                    {
                        "priority": 60,
                        "title": ngettext(
                            "%(branch)s有 %(n)s 名党员未登记联系电话",
                            "%(branch)s有 %(n)s 名党员未登记联系电话",
                            no_phone,
                        )
                        % {"branch": branch.name, "n": no_phone},
                        "url": url,
                    }
                )
    return items
