from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("towns/<slug:code>/", views.town_detail, name="town"),
    path("branches/<str:code>/", views.branch_detail, name="branch"),
    path("branches/<str:code>/members/new/", views.member_edit, name="member_new"),
    path("branches/<str:code>/groups/new/", views.group_new, name="group_new"),
    path("branches/<str:code>/elections/new/", views.election_new, name="election_new"),
    path("members/", views.member_list, name="members"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("import/", views.roster_import, name="import"),
    path("import/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<uuid:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("export.xlsx", views.roster_export, name="export"),
]
