from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "zhibu.orgs"
    label = "orgs"
    verbose_name = "组织与党员"

    def ready(self):
        from . import nav, todos  # noqa: F401
