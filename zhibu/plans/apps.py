from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "zhibu.plans"
    label = "plans"
    verbose_name = "因材施教·培训需求与学习计划"

    def ready(self):
        from . import nav, signals  # noqa: F401

        signals.connect()
