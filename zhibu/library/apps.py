from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "zhibu.library"
    label = "library"
    verbose_name = "看·学"
