from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("board/data/", views.board_data, name="board_data"),
    path("board/events/", views.board_events, name="board_events"),
    path("wall/", views.wall, name="wall"),
    path("branches/<str:code>/", views.branch, name="branch"),
    path("branches/<str:code>/cameras/", views.cameras, name="cameras"),
    path("cameras/<int:pk>/delete/", views.camera_delete, name="camera_delete"),
    path("branches/<str:code>/findings/new/", views.finding_new, name="finding_new"),
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("findings/<int:pk>/decide/", views.finding_decide, name="finding_decide"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("dispatches/", views.dispatches, name="dispatches"),
    path("dispatches/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatches/<int:pk>/", views.dispatch, name="dispatch"),
    path("targets/<int:pk>/ack/", views.target_ack, name="target_ack"),
    path("targets/<int:pk>/done/", views.target_done, name="target_done"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
    path("report/<int:year>.<str:fmt>", views.annual_report, name="report"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
]
