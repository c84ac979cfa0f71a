from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    grants = request.user.grants.select_related("role", "district", "town", "branch")
    return render(request, "accounts/profile.html", {"token": token, "grants": grants})


@login_required
@require_POST
def token_reset(request):
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, _("已生成新的 API 令牌，旧令牌已失效"))
    return redirect("accounts:profile")
