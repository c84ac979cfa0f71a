"""zhibu — 支部规范化建设实训与督导平台."""

from .celery import app as celery_app

__all__ = ["celery_app"]
