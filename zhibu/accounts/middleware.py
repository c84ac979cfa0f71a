from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .reach import capabilities

ADMIN_CAPABILITIES = {"accounts.manage", "security.manage", "audit.view"}


class AccountSecurityMiddleware:
    """Before anything else: a forced password change, then the second factor where it is set or required."""

    allowed_prefixes = ("/logout/", "/accounts/password/", "/accounts/otp/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.allowed_prefixes):
            if user.must_change_password:
                return redirect(reverse("accounts:password") + "?first=1")
            if user.otp_device_set() and not user.is_verified():
                return redirect(reverse("accounts:otp_verify") + f"?next={request.get_full_path()}")
            if (
                settings.ZHIBU_REQUIRE_OTP_FOR_ADMINS
                and ADMIN_CAPABILITIES & capabilities(user)
                and not user.otp_device_set()
            ):
                return redirect("accounts:otp_setup")
        return self.get_response(request)
