"""Backup and restore, verified by restoring into an empty instance and checking its chains."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from zhibu.core import audit

ZHIBU = str(Path(sys.executable).with_name("zhibu"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fresh_instance(tmp_path):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "ZHIBU_VAR_DIR": str(tmp_path / "restored"),
            "ZHIBU_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "ZHIBU_INDEX_KEY": settings.FIELD_INDEX_KEY,
            "ZHIBU_MEDIA_ROOT": str(tmp_path / "restored-media"),
        }
    )
    subprocess.run([ZHIBU, "migrate", "-v0"], env=env, check=True)
    return env


def test_backup_restores_into_an_empty_instance(cast, media, tmp_path):
    default_storage.save("records/2026/photo.jpg", ContentFile(b"\xff\xd8\xff photo bytes"))
    audit.append(username="secretary_a", action="test.before-backup")
    out = tmp_path / "site.zhibu-backup"
    call_command("backup", str(out), stdout=open(os.devnull, "w"))
    assert b"110116" not in out.read_bytes() and "甲党员".encode() not in out.read_bytes()  # encrypted

    env = _fresh_instance(tmp_path)
    run = subprocess.run([ZHIBU, "restore", str(out)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    check = subprocess.run(
        [
            ZHIBU,
            "shell",
            "-c",
            "from zhibu.orgs.models import Member; print(Member.objects.get(name='甲党员').id_number)",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip().splitlines()[-1] == "110116198002020020"
    assert (tmp_path / "restored-media/records/2026/photo.jpg").read_bytes() == b"\xff\xd8\xff photo bytes"
    verify = subprocess.run([ZHIBU, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verify.returncode == 0 and "审计链完整" in verify.stdout
    if "records" in subprocess.run([ZHIBU, "help"], env=env, capture_output=True, text=True).stdout:
        records = subprocess.run([ZHIBU, "records", "verify"], env=env, capture_output=True, text=True)
        assert records.returncode == 0, records.stdout + records.stderr

    again = subprocess.run([ZHIBU, "restore", str(out)], env=env, capture_output=True, text=True)
    assert again.returncode != 0 and "不是空的" in again.stderr


def test_a_backup_needs_the_same_keys(cast, media, tmp_path):
    out = tmp_path / "site.zhibu-backup"
    call_command("backup", str(out), stdout=open(os.devnull, "w"))
    env = _fresh_instance(tmp_path)
    env["ZHIBU_FIELD_KEYS"] = "c2VjcmV0LWtleS10aGF0LWlzLTMyLWJ5dGVzLWxvbmchIQ=="
    run = subprocess.run([ZHIBU, "restore", str(out)], env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "无法解密备份" in run.stderr
