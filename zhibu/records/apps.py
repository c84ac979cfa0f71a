from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "zhibu.records"
    label = "records"
    verbose_name = "一册·会议纪实"

    def ready(self):
        from . import nav  # noqa: F401
