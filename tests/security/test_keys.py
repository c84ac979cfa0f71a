"""Key rotation for personal data: a new key first, re-encrypt, then the old key can go."""

import base64
import io
import secrets

from django.core.management import call_command
from django.db import connection

from zhibu.core import crypto
from zhibu.orgs.models import Member


def test_rotation_re_encrypts_under_the_new_key(cast, settings):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    crypto._fernet.cache_clear()
    call_command("rotate-keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key removed
    crypto._fernet.cache_clear()
    try:
        assert Member.objects.get(pk=cast.member_of_a.pk).id_number == "110116198002020020"
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM orgs_member WHERE id = %s", [cast.member_of_a.pk])
            assert "1380000" not in cursor.fetchone()[0]
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old
        crypto._fernet.cache_clear()
