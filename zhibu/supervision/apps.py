from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhibu.supervision"
    label = "supervision"
    verbose_name = "督·督导调度"

    def ready(self):
        from . import nav, signals, todos  # noqa: F401

        signals.connect()
