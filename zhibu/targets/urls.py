from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/assign/", views.assign, name="assign"),
    path("branches/<str:code>/", views.branch_detail, name="branch"),
    path("<int:pk>/", views.target_detail, name="target"),
    path("<int:pk>/report/", views.report_new, name="report_new"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/nominate/", views.report_nominate, name="report_nominate"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]
