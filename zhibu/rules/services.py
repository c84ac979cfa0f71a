"""Writes for the rules area: a new version of the rule configuration."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from .engine import ConfigError, settings_from_config
from .models import RuleConfig


@transaction.atomic
def config_save(*, text: str, reason: str, by=None) -> RuleConfig:
    """Validate the overrides (JSON text) and store them as the next version; nothing is saved when invalid."""
    if not reason.strip():
        raise ValidationError({"reason": "请填写修改原因"})
    try:
        overrides = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ValidationError(
            {"overrides": f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有错误（{exc.msg}）"}
        ) from None
    if not isinstance(overrides, dict):
        raise ValidationError({"overrides": "配置必须是一个 JSON 对象（以 { 开头）"})
    try:
        settings_from_config(overrides)
    except ConfigError as exc:
        raise ValidationError({"overrides": f"配置项 {exc.path or '（整体）'} 有误：{exc.message}"}) from None
    latest = RuleConfig.objects.aggregate(v=Max("version"))["v"] or 0
    return RuleConfig.objects.create(
        version=latest + 1, overrides=overrides, reason=reason.strip(), created_by=by
    )
