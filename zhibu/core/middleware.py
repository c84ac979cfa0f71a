from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.shortcuts import render

from .audit import record


class DatabaseUnavailableMiddleware:
    """When the database is away, a clear 503 page (nothing half-saved: every write is a transaction)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Ask for the connection first: if the database is away, say so before any middleware half-runs.
        try:
            connection.ensure_connection()
        except (OperationalError, InterfaceError) as exc:
            return self._unavailable(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response


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
