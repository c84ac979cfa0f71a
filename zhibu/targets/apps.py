from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "zhibu.targets"
    label = "targets"
    verbose_name = "干·目标任务"

    def ready(self):
        from . import nav  # noqa: F401
