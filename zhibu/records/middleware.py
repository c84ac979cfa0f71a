"""The scan's fast path: the common sign-in of a 主题党日 morning answered without the rest of the stack.

On such a morning every member of the city may scan their room's code within minutes. Almost every scan
is the plain case: a phone with a live session of an active member who belongs to the meeting's branch,
a fresh code, an open meeting. This middleware answers exactly that case with one read and one
transaction (services.scan_sign_in, the same as the view), and hands everything else on to the signin
view, which gives every other answer in full (logging in first, errors, a code that expired while
logging in, a member of another branch, a session that needs its second factor or a new password).

It sits after the session and language middleware in settings.MIDDLEWARE, so its answer still goes back
through them and those before: the session is saved and its cookie set when it changed, the security
headers are added, and a database that went away is answered with the 503 page.

What it skips is what a plain scan does not need: the URL resolver, CSRF (a GET), messages, HTMX, the
write audit (the scan is audited by the service), the rate limit (a valid code and session only ever
write the member's own row once) and the login lock-out. The user is checked as
django.contrib.auth.get_user checks it, against the narrow row read here; any doubt goes to the view.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from zhibu.accounts.middleware import keep_alive
from zhibu.accounts.models import User
from zhibu.core import audit, qr
from zhibu.orgs.models import Branch, Member, Town

from . import services
from .models import Meeting
from .views import PENDING_KEY, signed_in_page

# Who scans and what they scan, in one statement: the user's row as django.contrib.auth checks it, their
# branch, and the meeting with what its page and the board's event show.
READ = f"""
SELECT u.password, u.username, u.is_active, u.must_change_password, u.member_id, m.branch_id,
       mt.status, mt.branch_id, mt.types, mt.date, b.name, b.code, b.town_id, t.name, t.district_id
FROM {User._meta.db_table} u LEFT JOIN {Member._meta.db_table} m ON m.id = u.member_id,
     {Meeting._meta.db_table} mt
     JOIN {Branch._meta.db_table} b ON b.id = mt.branch_id
     JOIN {Town._meta.db_table} t ON t.id = b.town_id
WHERE u.id = %s AND mt.id = %s
"""
_TYPES = Meeting._meta.get_field("types")
_DATE = Meeting._meta.get_field("date")


class SignInFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = reverse("records:signin", args=["-"])[:-2]  # "/records/signin/"

    def __call__(self, request):
        path = request.path_info
        if request.method == "GET" and path.startswith(self.prefix) and path.endswith("/"):
            response = self.sign_in(request, path[len(self.prefix) : -1])
            if response is not None:
                return response
        return self.get_response(request)

    def sign_in(self, request, token: str):
        """The answer for a plain scan, or None: the view will answer."""
        session = request.session
        if "/" in token or not session.session_key:
            return None
        request.get_host()  # as CommonMiddleware would: a host not in ALLOWED_HOSTS is refused
        try:
            meeting_id = qr.read_token(token, "meeting")
        except ValueError:
            return None
        found = self.read(session, meeting_id)
        if found is None:
            return None
        user, meeting = found
        member = Member(pk=user.member_id, branch_id=user.member_branch_id)
        try:
            row = services.scan_sign_in(
                meeting=meeting, member=member, user=user, ip=audit.client_ip(request)
            )
        except ValidationError:  # the meeting has ended: the view says so
            return None
        request.user = user
        keep_alive(session)
        return signed_in_page(request, meeting, row)

    @staticmethod
    def read(session, meeting_id: int) -> tuple[User, Meeting] | None:
        """The session's user and the meeting, if nothing stands between them and signing in, else None."""
        user_id = session.get(SESSION_KEY)
        if (
            not str(user_id).isdigit()
            or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS
            or session.get("zhibu_otp") != "none"  # the second factor is still to be worked out or asked for
            or PENDING_KEY in session  # a scan remembered from before logging in: the view finishes it
        ):
            return None
        with connection.cursor() as cursor:
            cursor.execute(READ, [int(user_id), meeting_id])
            row = cursor.fetchone()
        if row is None:
            return None
        (password, username, is_active, must_change, member_id, member_branch) = row[:6]
        (status, branch_id, types, date, branch_name, branch_code, town_id, town_name, district_id) = row[6:]
        if not is_active or must_change or member_id is None or member_branch != branch_id:
            return None
        user = User(pk=int(user_id), password=password, username=username, member_id=member_id)
        if not constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
            return None  # changed password, or a key rotation the full path knows how to handle
        user.member_branch_id = member_branch
        town = Town(pk=town_id, name=town_name, district_id=district_id)
        branch = Branch(pk=branch_id, name=branch_name, code=branch_code, town=town)
        meeting = Meeting(
            pk=meeting_id,
            branch=branch,
            status=status,
            types=_TYPES.from_db_value(types, None, connection),
            date=_DATE.to_python(date),
        )
        return user, meeting
