"""Evidence uploads: the type is decided by the file's content, never by its name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
TYPES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@dataclass(frozen=True)
class Checked:
    data: bytes
    content_type: str
    extension: str
    sha256: str


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, mime, ext in TYPES:
        if head.startswith(magic):
            return mime, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def check(upload, field: str = "evidence") -> Checked:
    name = getattr(upload, "name", "") or "文件"
    if upload.size > MAX_BYTES:
        raise ValidationError({field: f"“{name}”超过 20 MB，请压缩后再上传"})
    data = upload.read()
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationError({field: f"“{name}”不是 PDF 或图片（JPG、PNG、WebP），请转换后再上传"})
    return Checked(data, kind[0], kind[1], hashlib.sha256(data).hexdigest())
