from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "zhibu.notifications"
    label = "notifications"
    verbose_name = "消息"
