from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "zhibu.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from . import nav  # noqa: F401
        from .signals import sync_default_roles

        post_migrate.connect(sync_default_roles, sender=self)
