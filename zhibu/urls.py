from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from zhibu.accounts.views import LoginView
from zhibu.api import router
from zhibu.core import views as core_views

handler404 = "zhibu.core.api.not_found"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.health, name="health"),
    path("audit/", core_views.audit_log, name="audit"),
    path("exports/<uuid:pk>/", core_views.export_job, name="export"),
    path("exports/<uuid:pk>/file", core_views.export_file, name="export_file"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("zhibu.accounts.urls")),
    path("inbox/", include("zhibu.notifications.urls")),
    path("orgs/", include("zhibu.orgs.urls")),
    path("rules/", include("zhibu.rules.urls")),
    path("records/", include("zhibu.records.urls")),
    path("library/", include("zhibu.library.urls")),
    path("training/", include("zhibu.training.urls")),
    path("supervision/", include("zhibu.supervision.urls")),
    path("targets/", include("zhibu.targets.urls")),
    path("plans/", include("zhibu.plans.urls")),
    # The page scripts' texts in the user's language (gettext() in the scripts); the page asks for it with
    # its language in the address, so a browser keeps one copy per language.
    path(
        "i18n/js/",
        cache_control(private=True, max_age=86400)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
