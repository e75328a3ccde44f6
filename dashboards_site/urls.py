from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dashboards import health
from dashboards.api.docs import OfflineRedocView
from ops.views import metrics_view

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", OfflineRedocView.as_view(url_name="schema"), name="redoc"),
    # v1 before the analytics family: its prefix is the longer one.
    path("api/v1/", include(("dashboards.api.v1.urls", "v1"))),
    path("api/", include("users.api.urls")),
    path("api/", include(("dashboards.api.widget_data.urls", "widget-data"))),
    path("api/", include(("dashboards.api.analytics.urls", "analytics"))),
    path("", include("dashboards.web.urls")),
]

handler404 = "dashboards.api.handlers.not_found"
handler500 = "dashboards.api.handlers.server_error"
