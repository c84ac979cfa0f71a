"""Reading a stored file a piece at a time, whatever the storage (local files or an S3-compatible store)."""

from __future__ import annotations

from collections.abc import Iterator

CHUNK = 256 * 1024


def read_range(storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """The bytes [start, start + length) of a stored file, a chunk at a time.

    On S3-compatible storage only that range is fetched (one GET with a Range header): django-storages' own
    file object would first download the whole object, so every seek in a 300 MB video would fetch 300 MB.
    """
    if length <= 0:
        return
    from storages.backends.s3 import S3Storage

    if isinstance(storage, S3Storage):
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(name))  # the object's key, as the storage itself names it
        body = storage.bucket.Object(key).get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            data = fh.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
