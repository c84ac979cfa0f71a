from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("", views.index, name="index"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/towns/<slug:code>/", views.schedule_matrix, name="schedule_matrix"),
    path("branches/<str:code>/", views.branch_records, name="branch"),
    path("branches/<str:code>/new/", views.plan, name="plan"),
    path("branches/<str:code>/handbook/<int:year>.<str:fmt>", views.handbook, name="handbook"),
    path("branches/<str:code>/exclusions/", views.exclusions, name="exclusions"),
    path("branches/<str:code>/import/", views.ledger_import, name="import"),
    path("import/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<uuid:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("<int:pk>/", views.meeting_detail, name="meeting"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/findings/", views.findings, name="findings"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/session/", views.session, name="session"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("<int:pk>/qr/", views.qr_panel, name="qr"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/resolutions/", views.resolution_add, name="resolution_add"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/signin.pdf", views.signin_sheet, name="signin_sheet"),
    path("resolutions/<int:pk>/delete/", views.resolution_delete, name="resolution_delete"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("signin/<str:token>/", views.signin, name="signin"),
]
