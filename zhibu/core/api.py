"""Shared pieces of the REST API."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.views import exception_handler as drf_exception_handler

from zhibu.accounts.reach import can, visible


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        from rest_framework.exceptions import ValidationError

        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return drf_exception_handler(exc, context)


class ReachViewSetMixin:
    """A viewset whose objects are those in the user's reach: out of reach is 404, read-only is 403."""

    view_capability: str = ""
    change_capability: str = ""

    def get_queryset(self):
        return visible(super().get_queryset(), self.request.user, self.view_capability)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in permissions.SAFE_METHODS and not can(
            request.user, self.change_capability, obj
        ):
            self.permission_denied(request, message="您的角色没有此项操作权限")
