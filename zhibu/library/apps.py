from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "zhibu.library"
    label = "library"
    verbose_name = "看·学"

    def ready(self):
        from django.db.models.signals import post_migrate

        from zhibu.rules.adapter import LEARNING_SOURCES

        from .search import ensure_sqlite_index

        post_migrate.connect(ensure_sqlite_index, sender=self, dispatch_uid="library-fts")

        from . import nav, todos  # noqa: F401
        from .selectors import learning_hours

        # The compliance engine's `learning.hours` rule reads each member's yearly 学时 from here.
        if learning_hours not in LEARNING_SOURCES:
            LEARNING_SOURCES.append(learning_hours)
