from django.urls import path

from . import views

app_name = "rules"
urlpatterns = [
    path("", views.index, name="index"),
    path("config/", views.config, name="config"),
    path("branches/<str:code>/", views.branch, name="branch"),
    path("towns/<slug:code>/", views.town, name="town"),
    path("towns/<slug:code>/export.xlsx", views.town_export, name="town_export"),
]
