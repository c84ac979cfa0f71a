"""Demo logins, one for every role (demo only: the password is printed and in the README)."""

import datetime
import random

from django.db import transaction

from zhibu.core.demo import step
from zhibu.orgs.models import Branch, District, Member, Town

from .models import Grant, Role, User

DEMO_PASSWORD = "zhibu-demo-2026"


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, reach) for every demo account, for printing."""
    rows = []
    for user in (
        User.objects.filter(username__startswith="demo-")
        .prefetch_related("grants__role", "grants__district", "grants__town", "grants__branch")
        .order_by("id")
    ):
        for g in user.grants.all():
            rows.append((user.username, g.role.name, str(g.unit)))
    return rows


@step("演示账号", order=90)
@transaction.atomic
def build(rng: random.Random, today: datetime.date) -> str:
    if User.objects.filter(username="demo-admin").exists():
        return "已存在，跳过"
    district = District.objects.get(code="huairou")
    town = Town.objects.get(code="YQ")
    branch_a = Branch.objects.filter(town=town, domain="rural").order_by("code").first()
    branch_b = Branch.objects.filter(town__code="QH").order_by("code").first()
    roles = {r.code: r for r in Role.objects.all()}

    def secretary_of(branch):
        m = Member.objects.filter(branch=branch, roles__role="secretary", roles__end__isnull=True).first()
        return m or Member.objects.filter(branch=branch).first()

    a_members = list(Member.objects.filter(branch=branch_a, roles__isnull=True, left__isnull=True)[:2])
    cast = [
        ("demo-admin", "区委组织部管理员", "district_admin", {"district": district}, None),
        ("demo-centre", "实训中心 张老师", "centre_staff", {"district": district}, None),
        ("demo-instructor", "党校教师 王老师", "instructor", {"district": district}, None),
        ("demo-auditor", "审计员", "auditor", {"district": district}, None),
        ("demo-supervisor", f"{town.name}督导员", "town_supervisor", {"town": town}, None),
        ("demo-secretary", None, "branch_secretary", {"branch": branch_a}, secretary_of(branch_a)),
        (
            "demo-worker",
            None,
            "affairs_worker",
            {"branch": branch_a},
            a_members[1] if len(a_members) > 1 else None,
        ),
        ("demo-member", None, "member", {"branch": branch_a}, a_members[0] if a_members else None),
        ("demo-secretary2", None, "branch_secretary", {"branch": branch_b}, secretary_of(branch_b)),
        # 三员分立: three administrators, three people.
        ("demo-sysadmin", "系统管理员", "sys_admin", {"district": district}, None),
        ("demo-secadmin", "安全管理员", "security_admin", {"district": district}, None),
        ("demo-auditadmin", "审计管理员", "audit_admin", {"district": district}, None),
    ]
    for username, name, role, reach, member in cast:
        user = User(
            username=username, display_name=name or (member.name if member else username), member=member
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Grant.objects.create(user=user, role=roles[role], **reach)
    return f"{len(cast)} 个演示账号，密码 {DEMO_PASSWORD}"
