from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dashboards import health
from dashboards.api.docs import OfflineRedocView, SwaggerView, redoc_bundle
from ops.views import metrics_view

urlpatterns = [
    # Django tries these in order, each miss costing a prefix test or a regular
    # expression: the API's reads first (v1 misses any other path on its prefix, widget
    # data on two patterns), then the rest. No two families match the same path, so the
    # order decides only what routing costs: the detail's 26 µs before, 17 µs now
    # (docs/performance.md; tests/api/test_routing.py).
    path("api/v1/", include(("dashboards.api.v1.urls", "v1"))),
    path("api/", include(("dashboards.api.widget_data.urls", "widget-data"))),
    path("api/", include(("dashboards.api.analytics.urls", "analytics"))),
    path("api/", include("users.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", OfflineRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    # Login, logout and password change only: no password reset, since the service sends
    # no email (docs/security.md).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("dashboards.web.urls")),
]

handler400 = "dashboards.api.handlers.bad_request"
handler404 = "dashboards.api.handlers.not_found"
handler500 = "dashboards.api.handlers.server_error"
