from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zhibu.rules"
    label = "rules"
    verbose_name = "一规·规则"

    def ready(self):
        from . import nav, signals  # noqa: F401

        signals.connect()
