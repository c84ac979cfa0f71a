"""Attachment checks: the type is read from the content, sizes are limited, images are re-encoded.

Accepted: JPEG/PNG/WebP/GIF/HEIF-free images (re-encoded by Pillow, which drops metadata and anything
hidden after the image), PDF without active content, MP4/MOV/WebM video, MP3/M4A/WAV/AMR audio.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MB = 1024 * 1024
LIMITS = {"image": 20 * MB, "pdf": 30 * MB, "video": 500 * MB, "audio": 100 * MB}
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|OpenAction|AA)\b")


@dataclass
class Checked:
    data: bytes
    content_type: str
    extension: str
    family: str
    sha256: str


def sniff(head: bytes) -> tuple[str, str, str] | None:
    """(family, content type, extension) from the first bytes, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "image/png", ".png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "image/webp", ".webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "image/gif", ".gif"
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf", ".pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio", "audio/mp4", ".m4a"
        if brand == b"qt  ":
            return "video", "video/quicktime", ".mov"
        return "video", "video/mp4", ".mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "video/webm", ".webm"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio", "audio/mpeg", ".mp3"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", "audio/wav", ".wav"
    if head.startswith(b"#!AMR"):
        return "audio", "audio/amr", ".amr"
    return None


def check_upload(upload, kind: str) -> Checked:
    """Read, check and (for images) re-encode an uploaded file; ValidationError in Chinese otherwise."""
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    head = upload.read(64)
    found = sniff(head)
    if found is None:
        raise ValidationError(
            {"file": "不支持的文件类型：请上传照片（JPG/PNG）、PDF、视频（MP4）或录音（MP3/M4A/WAV）"}
        )
    family, content_type, extension = found
    if upload.size > LIMITS[family]:
        raise ValidationError({"file": f"文件过大：此类文件不能超过 {LIMITS[family] // MB} MB"})
    if kind == "photo" and family != "image":
        raise ValidationError({"file": "“现场照片”请上传图片文件"})
    if kind == "video" and family != "video":
        raise ValidationError({"file": "“视频”请上传 MP4/MOV/WebM 视频文件"})
    if kind == "audio" and family != "audio":
        raise ValidationError({"file": "“录音”请上传 MP3/M4A/WAV/AMR 音频文件"})
    upload.seek(0)
    data = upload.read()
    if family == "image":
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > 60_000_000:
                    raise ValidationError({"file": "图片像素过大，请压缩后再上传"})
                image.load()
                out = io.BytesIO()
                if image.mode in ("RGBA", "LA", "P"):
                    image.convert("RGBA").save(out, "PNG", optimize=True)
                    content_type, extension = "image/png", ".png"
                else:
                    image.convert("RGB").save(out, "JPEG", quality=88)
                    content_type, extension = "image/jpeg", ".jpg"
                data = out.getvalue()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
            raise ValidationError({"file": "图片文件已损坏或不是有效的图片"}) from None
    elif family == "pdf" and _PDF_ACTIVE.search(data):
        raise ValidationError(
            {"file": "PDF 中含有脚本或自动执行内容，出于安全原因不能上传；请另存为普通 PDF"}
        )
    return Checked(data, content_type, extension, family, hashlib.sha256(data).hexdigest())
