from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("needs/", views.needs, name="needs"),
    path("needs/class/", views.need_class, name="need_class"),
    path("me/", views.mine, name="mine"),
    path("members/<int:pk>/", views.plan, name="plan"),
    path("effect/", views.effect_view, name="effect"),
    path("branches/<str:code>/", views.branch_health, name="health"),
]
