"""Personal data at rest: Fernet encryption with key rotation, and a keyed hash for look-ups."""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("无法解密个人信息：密钥不匹配") from exc


def rotate(token: str) -> str:
    """Re-encrypt under the current (first) key."""
    return _fernet().rotate(token.encode()).decode()


def blind_index(text: str) -> str:
    """A keyed hash that finds equal values (duplicate ID numbers) without storing them in clear."""
    key = settings.FIELD_INDEX_KEY.encode()
    return hmac.new(key, text.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the clear text, empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value or ""
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(value)


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    """110************1234 — the masked form shown to those not allowed to see the value."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
