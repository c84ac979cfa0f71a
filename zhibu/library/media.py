"""Uploaded files: what they really are (by their first bytes, never by name or browser claim),
how large they may be, and HTTP Range requests. Pure Python, no Django."""

import re

MB = 1024 * 1024
LIMITS = {"video": 1024 * MB, "document": 100 * MB, "image": 10 * MB}
KINDS = {
    "video/mp4": "video",
    "video/webm": "video",
    "application/pdf": "document",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
}
EXTENSIONS = {
    "video/mp4": "mp4",
    "video/webm": "webm",
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes (at least 64), or None for anything not accepted."""
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(head: bytes, size: int, expected: str) -> str:
    """The file's type if it is an acceptable `expected` kind (video, document, image); ValueError otherwise."""
    mime = sniff(head)
    names = {"video": "MP4 或 WebM 视频", "document": "PDF 文档", "image": "JPEG、PNG 或 WebP 图片"}
    if mime is None or KINDS[mime] != expected:
        raise ValueError(f"文件内容不是{names[expected]}，请检查后重新上传")
    if size > LIMITS[expected]:
        raise ValueError(f"文件超过 {LIMITS[expected] // MB} MB 的上限")
    if size == 0:
        raise ValueError("文件是空的")
    return mime


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """The (first, last) byte of a single-range request; None: no usable Range, send it all;
    False: not satisfiable (416)."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None  # several ranges or nonsense: answer with the whole file, as RFC 9110 allows
    first, last = m.group(1), m.group(2)
    if not first:  # the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def mp4_duration(read, size: int) -> float | None:
    """The duration in seconds of an MP4 from its moov/mvhd box; `read(offset, n)` returns bytes."""
    offset = 0
    while offset + 8 <= size:
        header = read(offset, 16)
        if len(header) < 8:
            return None
        box = int.from_bytes(header[:4], "big")
        kind = header[4:8]
        head_len = 8
        if box == 1:
            box = int.from_bytes(header[8:16], "big")
            head_len = 16
        elif box == 0:
            box = size - offset
        if box < head_len:
            return None
        if kind == b"moov":
            body = read(offset + head_len, min(box - head_len, 4 * MB))
            at = body.find(b"mvhd")
            if at < 4:
                return None
            v = body[at + 4]
            if v == 1:
                scale = int.from_bytes(body[at + 24 : at + 28], "big")
                length = int.from_bytes(body[at + 28 : at + 36], "big")
            else:
                scale = int.from_bytes(body[at + 16 : at + 20], "big")
                length = int.from_bytes(body[at + 20 : at + 24], "big")
            return length / scale if scale else None
        offset += box
    return None
