"""Shared pieces of the REST API."""

import copy

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.views import exception_handler as drf_exception_handler

from zhibu.accounts.reach import can, visible


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        from rest_framework.exceptions import ValidationError

        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """Django's 404 handler: under /api/ an address that matches nothing answers in JSON, like the API."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)


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


class ErrorSerializer(serializers.Serializer):
    """What DRF answers when it refuses a request: one message, in Chinese."""

    detail = serializers.CharField()


# A validation error names each field ({"field": ["message"]}), or is a list of messages.
VALIDATION_ERROR = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ]
}

ERRORS = {
    "400": "请求有误：响应体按字段列出错误",
    "401": "未登录或令牌无效",
    "403": "没有此项操作权限",
    "404": "不存在，或不在您的可见范围内（页码无效时也是 404）",
    "429": "请求过于频繁，请稍后再试",
}

VALIDATION_ERROR_RESPONSE = OpenApiResponse(response=VALIDATION_ERROR, description=ERRORS["400"])


class AutoSchema(SpectacularAutoSchema):
    """The OpenAPI schema of an operation documents the errors it can answer with, not only its success.

    401 and 429 (authentication and throttling) and 403 (permissions) apply to every operation; 404 to those
    naming an object in the path or taking a page number; 400 to writes. A read that validates its query
    parameters declares its 400 itself (`extend_schema(responses={400: VALIDATION_ERROR_RESPONSE})`).
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        parameters = operation.get("parameters", [])
        in_path = any(p["in"] == "path" for p in parameters)
        query = {p["name"] for p in parameters if p["in"] == "query"}
        codes = ["401", "403", "429"]
        if in_path or "page" in query:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        responses = operation["responses"]
        for code in sorted(codes):
            body = VALIDATION_ERROR if code == "400" else ErrorSerializer
            response = OpenApiResponse(response=body, description=ERRORS[code])
            responses.setdefault(code, self._get_response_for_code(response, code))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops allow_blank from read-only model fields, so a choice the model allows to be blank ("" for
        # a member whose education is not recorded) would be missing from the schema's enum.
        if (
            type(field) is serializers.ChoiceField
            and field.read_only
            and not field.allow_blank
            and _model_field(field) is not None
            and _model_field(field).blank
        ):
            field = copy.copy(field)
            field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _model_field(field):
    """The model field a serializer field of a ModelSerializer reads, or None."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property or method of the model
        return None
