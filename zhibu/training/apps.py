from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "zhibu.training"
    label = "training"
    verbose_name = "练·培训"

    def ready(self):
        from . import nav, todos  # noqa: F401
