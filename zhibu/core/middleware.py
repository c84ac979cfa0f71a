import sys

from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

from .audit import record

DATABASE_AWAY = (OperationalError, InterfaceError)


class DatabaseUnavailableMiddleware:
    """When the database is away, a clear 503 page (nothing half-saved: every write is a transaction).

    The database may also go away after this check, while a later middleware or the view runs (a restart
    ends every open connection): whatever turned that into a 500, or into Django's 400 for a session it
    could not save, is answered with the same 503 page. Every retry here is safe (sign-ins, imports and
    answers are idempotent), so "try again" is the right answer even where the view had finished.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Ask for the connection first: if the database is away, say so before any middleware half-runs.
        # A connection kept from an earlier request may have been closed by the server since: check it
        # (the health check Django would make on the first query anyway), so a dead one is opened anew.
        try:
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DATABASE_AWAY:
            return self._unavailable(request, before=True)
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "zhibu_database_away", False):
            return self._unavailable(request)
        if response.status_code == 400 and self._session_save_failed(request):
            return self._unavailable(request)
        return response

    @staticmethod
    def _session_save_failed(request) -> bool:
        """Django answers 400 when saving a changed session fails; it fails so when the database went away."""
        session = getattr(request, "session", None)
        if session is None or not session.modified:
            return False
        try:
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            connection.ensure_connection()
        except DATABASE_AWAY:
            return True
        return False

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_AWAY):
            return self._unavailable(request)
        return None

    def _unavailable(self, request, *, before: bool = False):
        """The 503 page. `before`: the database was away before anything ran, so nothing was saved; later,
        the request's own transaction may have committed before the connection was lost (a session that
        could not be saved afterwards), and the page says so rather than claiming nothing was saved."""
        # Without the context processors: they ask for the user, and so for the database.
        context = {"request": request, "nothing_saved": before}
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = "30"
        return response


def _note_database_away(sender, request=None, **kwargs):
    """An error that became a 500 anywhere in the request: note whether the database going away caused it."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_AWAY):
        request.zhibu_database_away = True


got_request_exception.connect(_note_database_away, dispatch_uid="zhibu.core.middleware.database_away")


class AuditWritesMiddleware:
    """Every successful write (POST, PUT, PATCH, DELETE) goes into the audit trail."""

    WRITE = {"POST", "PUT", "PATCH", "DELETE"}
    skip = ("/i18n/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in self.WRITE
            and response.status_code < 400
            and not request.path.startswith(self.skip)
            and getattr(request, "user", None) is not None
        ):
            match = getattr(request, "resolver_match", None)
            try:
                record(
                    request,
                    f"{request.method} {match.view_name if match else ''}".strip(),
                    request.path,
                    {"status": response.status_code},
                )
            except DatabaseError:
                pass  # the write itself has already been answered; a failing trail must not turn it into an error
        return response


class ChineseFirstMiddleware:
    """Chinese is every page's language unless the person chose another (the footer's language switch).

    The browser's Accept-Language is ignored: a borrowed or English-configured phone must not turn a
    village secretary's pages into another language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
