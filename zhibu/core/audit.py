"""The audit trail: sensitive reads and exports, recorded with who, when, what and from where."""

from .models import AuditEvent


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record(request, action: str, target: str = "", detail: dict | None = None) -> AuditEvent:
    user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=user.username if user else "",
        action=action,
        target=target[:200],
        ip=client_ip(request),
        detail=detail or {},
    )


def record_sensitive_read(request, action: str, obj) -> AuditEvent:
    return record(request, action, f"{type(obj).__name__}:{obj.pk}")


def record_export(request, action: str, detail: dict) -> AuditEvent:
    return record(request, action, "", detail)
