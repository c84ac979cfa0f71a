from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhibu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        # The task queue's app, loaded with Django rather than with the package, so the pure cores
        # (zhibu.rules.engine and friends) import without Django or Celery.
        from zhibu import celery  # noqa: F401

        # Shared figures refreshed after a response: its request signals connected from the first request on.
        from zhibu.core import figures  # noqa: F401
