from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/token/", views.token_reset, name="token_reset"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_new"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/active/", views.user_toggle_active, name="user_active"),
    path("grants/<int:pk>/remove/", views.grant_remove, name="grant_remove"),
    path("roles/", views.role_list, name="roles"),
    path("roles/<int:pk>/", views.role_edit, name="role"),
    path("unlock/", views.unlock, name="unlock"),
]
