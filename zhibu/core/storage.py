"""Reading a stored file a piece at a time, whatever the storage (local files or an S3-compatible store);
production's static files."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from whitenoise.storage import CompressedManifestStaticFilesStorage

log = logging.getLogger(__name__)
CHUNK = 256 * 1024


class StaticFiles(CompressedManifestStaticFilesStorage):
    """Production's static files, each named by its content from collectstatic's manifest (zhibu.3f2a….css),
    so browsers keep them a year, compressed beside (gzip, brotli).

    A file the manifest does not list (`zhibu collectstatic` not yet run after an upgrade, or run before the
    file was added) is named plainly, kept an hour, and logged, instead of failing every page that names it
    with a 500 (the sign-in page of a 主题党日 morning among them).
    """

    _unlisted: set[str] = set()  # logged once a process, not on every page

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            if name not in self._unlisted:
                self._unlisted.add(name)
                log.warning("static file %s is not in the manifest: run `zhibu collectstatic`", name)
            return name


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
