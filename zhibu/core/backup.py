"""Backup and restore of a whole instance (database and media) as one encrypted file.

The archive is a tar of the database as Django fixtures (portable between SQLite and PostgreSQL)
and every file in the default storage, encrypted with the instance's current personal-data key, so
a stolen backup reveals nothing. For a city-size PostgreSQL, pg_dump and the object store's own
replication are the right tools (docs/deployment.md); this is for districts and for moving.
"""

import io
import json
import tarfile
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

MAGIC = b"ZHIBU-BACKUP-1\n"
EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes.accesslog",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "core.auditpending",
]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in settings.FIELD_ENCRYPTION_KEYS])


def _walk(storage, path=""):
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for d in dirs:
        yield from _walk(storage, f"{path}/{d}" if path else d)


def backup(out: Path) -> dict:
    from .audit import seal

    seal()  # the backup holds the whole audit chain, nothing pending
    with tempfile.TemporaryDirectory() as tmp:
        fixture = Path(tmp) / "data.json"
        call_command(
            "dumpdata",
            "--natural-foreign",
            "--natural-primary",
            exclude=EXCLUDE,
            output=str(fixture),
            verbosity=0,
        )
        buffer = io.BytesIO()
        files = list(_walk(default_storage))
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            tar.add(fixture, arcname="data.json")
            for name in files:
                with default_storage.open(name, "rb") as f:
                    data = f.read()
                info = tarfile.TarInfo(f"media/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            manifest = json.dumps({"files": len(files)}).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(manifest)
            tar.addfile(info, io.BytesIO(manifest))
    out.write_bytes(MAGIC + _fernet().encrypt(buffer.getvalue()))
    return {"files": len(files), "bytes": out.stat().st_size}


def restore(path: Path) -> dict:
    """Restore into an empty instance (migrated, no accounts yet)."""
    from zhibu.accounts.models import User

    raw = path.read_bytes()
    if not raw.startswith(MAGIC):
        raise ValueError("不是 zhibu 备份文件")
    try:
        data = _fernet().decrypt(raw[len(MAGIC) :])
    except Exception as exc:
        raise ValueError("无法解密备份：请使用与备份时相同的 ZHIBU_FIELD_KEYS") from exc
    if User.objects.exists():
        raise ValueError("目标实例不是空的：只能恢复到新建的空实例（已迁移、尚无账号）")
    restored = 0
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name
            if name.startswith("media/"):
                relative = name[len("media/") :]
                if ".." in Path(relative).parts or relative.startswith("/"):
                    raise ValueError(f"备份中有不安全的文件路径：{name}")
                default_storage.save(relative, ContentFile(tar.extractfile(member).read()))
                restored += 1
            elif name == "data.json":
                fixture = Path(tmp) / "data.json"
                fixture.write_bytes(tar.extractfile(member).read())
        from zhibu.accounts.models import Role

        Role.objects.all().delete()  # the fixture carries the roles as they were
        call_command("loaddata", str(fixture), verbosity=0)
    return {"files": restored}
