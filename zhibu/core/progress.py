"""Progress of long jobs, as the job reports it: `progress(done, total=None, message="")`.

A Job's progress goes to the shared cache (Redis in production, this process's memory in the embedded
default, where tasks run in-process), keyed by the job, so a page sees it while the job's own transaction
is still open; the row has it where no transaction would hide it (a run's start) and at the end
(Job.progress, Job.finish, Job.objects.live). On the command line the same callback draws a bar on
standard error (`Bar`).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from django.core.cache import cache
from django.core.management.base import OutputWrapper
from django.db import transaction

logger = logging.getLogger(__name__)

SECONDS = 24 * 3600  # a job whose worker died without a successor is not shown running for ever


def _key(job_id) -> str:
    return f"job-progress:{job_id}"


# Progress is shown, not kept: a cache that cannot be reached must not fail the job or the page, which
# then shows the row.


def report(job_id, *, done: int, total: int, message: str) -> None:
    try:
        cache.set(_key(job_id), {"done": done, "total": total, "message": message}, SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("job %s: progress not reported, the cache is unreachable", job_id, exc_info=True)


def read(job_id) -> dict | None:
    """The progress last reported for this job, if its run has not finished since."""
    try:
        return cache.get(_key(job_id))
    except Exception:  # noqa: BLE001
        logger.warning("job %s: progress not read, the cache is unreachable", job_id, exc_info=True)
        return None


def finished(job_id) -> None:
    """Forget the job's reported progress once the transaction that records its end has committed (until
    then the page reads the row as it was before the run and must still see the run's progress)."""

    def forget() -> None:
        try:
            cache.delete(_key(job_id))
        except Exception:  # noqa: BLE001 — it expires by itself; a finished row is shown over it anyway
            logger.warning("job %s: progress not dropped, the cache is unreachable", job_id, exc_info=True)

    transaction.on_commit(forget)


class Bar:
    """A progress callback for the command line: a bar redrawn in place on a terminal, otherwise one line
    each time the percentage passes a tenth or the message changes (logs, cron mail)."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None, label: str = "", *, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.label = label
        self.quiet = quiet  # `-v 0`
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done, self.total, self.message = 0, 0, ""
        self.shown: tuple[int, str] | None = None
        self.drawn = False

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        self.done = done
        if total is not None:
            self.total = total
        if message:
            self.message = message
        if self.quiet:
            return
        percent = min(100, 100 * self.done // self.total) if self.total else 0
        text = " ".join(part for part in (self.label, self.message) if part)
        if self.tty:
            filled = self.WIDTH * percent // 100
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            count = f"{self.done}/{self.total}" if self.total else f"{self.done}"
            self._write(f"\r[{bar}] {percent:3d}% {count} {text}\033[K")
            self.drawn = True
        elif self.shown is None or percent // 10 != self.shown[0] // 10 or text != self.shown[1]:
            self._write(f"{percent:3d}% {text}\n")
        self.shown = (percent, text)

    def close(self) -> None:
        """End the bar's line (on a terminal), so what is written next starts on a line of its own."""
        if self.drawn:
            self._write("\n")
            self.drawn = False

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):  # a command's stderr: no added newline, no error colour
            self.stream.write(text, style_func=str, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()
