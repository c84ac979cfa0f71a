from django.urls import path

from . import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("hall/", views.hall, name="hall"),
    path("new/", views.item_new, name="item_new"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/file/", views.item_file, name="file"),
    path("items/<int:pk>/image/", views.item_image, name="image"),
    path("items/<int:pk>/beat/", views.beat, name="beat"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("my/", views.my_hours, name="my"),
    path("hours/", views.hours, name="hours"),
    path("hours/export.xlsx", views.hours_export, name="hours_export"),
    path("hours/branches/<str:code>/", views.hours_branch, name="hours_branch"),
    path("study/", views.study_list, name="study"),
    path("study/new/", views.study_new, name="study_new"),
    path("visits/", views.visits, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
]
