import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .reach import capabilities

ADMIN_CAPABILITIES = {"accounts.manage", "security.manage", "audit.view"}
_OTP_STATE = "zhibu_otp"  # per session: "device" (has one, must verify), "required" (must enrol), "none"


class AccountSecurityMiddleware:
    """Before anything else: a forced password change, then the second factor where it is set or required.

    What the second factor asks of a user is worked out once per session, not on every request.
    """

    allowed_prefixes = ("/logout/", "/accounts/password/", "/accounts/otp/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.allowed_prefixes):
            if user.must_change_password:
                return redirect(reverse("accounts:password") + "?first=1")
            if not user.is_verified():
                state = request.session.get(_OTP_STATE)
                if state is None:
                    state = request.session[_OTP_STATE] = self._otp_state(user)
                if state == "device":
                    return redirect(reverse("accounts:otp_verify") + f"?next={request.get_full_path()}")
                if state == "required":
                    return redirect("accounts:otp_setup")
        return self.get_response(request)

    @staticmethod
    def _otp_state(user) -> str:
        if user.otp_device_set():
            return "device"
        if settings.ZHIBU_REQUIRE_OTP_FOR_ADMINS and ADMIN_CAPABILITIES & capabilities(user):
            return "required"
        return "none"


class IdleTimeoutMiddleware:
    """Idle timeout without writing the session on every request: refresh its expiry at most once a minute.

    A session lasts SESSION_COOKIE_AGE after it was last saved, so it ends within a minute of the
    configured idle time after the last request.
    """

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            keep_alive(session)
        return self.get_response(request)


def keep_alive(session) -> None:
    """Mark the session as used now, changing it (so it is saved, renewing its expiry) at most once a minute."""
    now = int(time.time())
    if now - session.get("zhibu_seen", 0) > IdleTimeoutMiddleware.REFRESH_SECONDS:
        session["zhibu_seen"] = now
