from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit
from rest_framework.authtoken.models import Token

from zhibu.core import qr
from zhibu.core.pagination import Paginator
from zhibu.orgs.models import Branch, District, Town

from . import services
from .forms import GrantForm, OtpForm, RoleForm, UserCreateForm
from .models import Grant, Role, User
from .reach import has_capability, reaches, visible


@method_decorator(ratelimit(key="ip", rate=settings.ZHIBU_LOGIN_RATE, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password.html"
    success_url = "/accounts/me/"

    def form_valid(self, form):
        response = super().form_valid(form)
        User.objects.filter(pk=self.request.user.pk).update(must_change_password=False)
        messages.success(self.request, _("密码已修改"))
        return response


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    grants = request.user.grants.select_related("role", "district", "town", "branch")
    return render(
        request,
        "accounts/profile.html",
        {
            "token": token,
            "grants": grants,
            "has_otp": request.user.otp_device_set(),
        },
    )


@login_required
@require_POST
def token_reset(request):
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, _("已生成新的 API 令牌，旧令牌已失效"))
    return redirect("accounts:profile")


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: scan the QR code, confirm with a first code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="手机验证器", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            messages.success(request, _("已启用两步验证"))
            return redirect("accounts:profile")
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重试"))
    return render(
        request, "accounts/otp_setup.html", {"form": form, "qr": qr.svg(device.config_url, scale=5)}
    )


@login_required
def otp_verify(request):
    form = OtpForm(request.POST or None)
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(next_url)
        form.add_error("token", _("验证码不正确或已使用，请输入最新的验证码"))
    return render(request, "accounts/otp_verify.html", {"form": form})


def _admin_scope(user):
    """The units a system administrator manages: (districts, towns, branches) in reach."""
    if not has_capability(user, "accounts.manage"):
        raise Http404
    return (
        visible(District, user, "accounts.manage"),
        visible(Town, user, "accounts.manage"),
        visible(Branch, user, "accounts.manage"),
    )


def _users_in_reach(user):
    q = Q(grants__isnull=True)
    for r in reaches(user):
        if "accounts.manage" not in r.capabilities:
            continue
        if r.level == "district":
            q |= (
                Q(grants__district_id=r.district_id)
                | Q(grants__town__district_id=r.district_id)
                | Q(grants__branch__town__district_id=r.district_id)
            )
        elif r.level == "town":
            q |= Q(grants__town_id=r.town_id) | Q(grants__branch__town_id=r.town_id)
        else:
            q |= Q(grants__branch_id=r.branch_id)
    return User.objects.filter(q).distinct()


@login_required
def user_list(request):
    _admin_scope(request.user)
    users = _users_in_reach(request.user).order_by("username")
    if q := request.GET.get("q", "").strip():
        users = users.filter(Q(username__icontains=q) | Q(display_name__contains=q))
    page = Paginator(users.prefetch_related("grants__role"), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {"page": page, "q": q})


@login_required
def user_create(request):
    _admin_scope(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("password", exc.messages)]
            ):
                form.add_error(field if field in form.fields else "password", errors)
        else:
            messages.success(request, _("账号已创建，请为其授权"))
            return redirect("accounts:user", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, pk):
    scope = _admin_scope(request.user)
    target = get_object_or_404(_users_in_reach(request.user), pk=pk)
    form = GrantForm(request.POST or None, districts=scope[0], towns=scope[1], branches=scope[2])
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_add(user=target, role=form.cleaned_data["role"], **form.cleaned_data["unit"])
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
        else:
            messages.success(request, _("已授权"))
            return redirect("accounts:user", pk=target.pk)
    grants = target.grants.select_related("role", "district", "town", "branch")
    return render(request, "accounts/user.html", {"target": target, "grants": grants, "form": form})


@login_required
@require_POST
def grant_remove(request, pk):
    _admin_scope(request.user)
    grant = get_object_or_404(Grant.objects.filter(user__in=_users_in_reach(request.user)), pk=pk)
    user_pk = grant.user_id
    services.grant_remove(grant=grant)
    messages.success(request, _("已撤销授权"))
    return redirect("accounts:user", pk=user_pk)


@login_required
@require_POST
def user_toggle_active(request, pk):
    _admin_scope(request.user)
    target = get_object_or_404(_users_in_reach(request.user).exclude(pk=request.user.pk), pk=pk)
    target.is_active = not target.is_active
    target.save(update_fields=["is_active"])
    messages.success(request, _("账号已启用") if target.is_active else _("账号已停用"))
    return redirect("accounts:user", pk=target.pk)


def _security_admin(user):
    if not has_capability(user, "security.manage"):
        raise Http404


@login_required
def role_list(request):
    _security_admin(request.user)
    from axes.models import AccessAttempt

    locked = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).order_by(
        "-attempt_time"
    )
    return render(request, "accounts/roles.html", {"roles": Role.objects.all(), "locked": locked[:100]})


@login_required
def role_edit(request, pk):
    _security_admin(request.user)
    role = get_object_or_404(Role, pk=pk)
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("角色权限已保存"))
        return redirect("accounts:roles")
    return render(request, "accounts/role_form.html", {"form": form, "role": role})


@login_required
@require_POST
def unlock(request):
    _security_admin(request.user)
    from axes.utils import reset

    reset(username=request.POST.get("username", ""))
    messages.success(request, _("已解除锁定"))
    return redirect("accounts:roles")
