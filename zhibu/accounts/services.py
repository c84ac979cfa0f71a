"""Accounts and grants: created by the system administrator, within their reach, with 三员分立 enforced."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from .capabilities import SEPARATED_ROLES
from .models import Grant, Role, User
from .reach import forget


@transaction.atomic
def user_create(*, username: str, display_name: str, password: str, member=None, email: str = "") -> User:
    """A new account whose first login must change the initial password."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "该用户名已被使用"})
    user = User(
        username=username, display_name=display_name, member=member, email=email, must_change_password=True
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def check_separation(user: User, role: Role) -> None:
    """三员分立: system, security and audit administration are never held by one account."""
    if role.code not in SEPARATED_ROLES:
        return
    held = set(user.grants.filter(role__code__in=SEPARATED_ROLES).values_list("role__code", flat=True))
    if held - {role.code}:
        names = "、".join(Role.objects.filter(code__in=held).values_list("name", flat=True))
        raise ValidationError({"role": f"三员分立：该账号已是{names}，不能再担任{role.name}"})


@transaction.atomic
def grant_add(*, user: User, role: Role, district=None, town=None, branch=None) -> Grant:
    check_separation(user, role)
    if sum(x is not None for x in (district, town, branch)) != 1:
        raise ValidationError({"unit": "请选择且只选择一个范围：区、乡镇（街道）或支部"})
    grant, _ = Grant.objects.get_or_create(user=user, role=role, district=district, town=town, branch=branch)
    forget(user)
    return grant


@transaction.atomic
def grant_remove(*, grant: Grant) -> None:
    user = grant.user
    grant.delete()
    forget(user)
