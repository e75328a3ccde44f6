from django.urls import re_path

from dashboards.api.widget_data import views

# Family-1 paths have no trailing slash; one is tolerated rather than redirected (a POST
# cannot follow a redirect with its body).
urlpatterns = [
    re_path(
        r"^projects/(?P<project_id>[^/]+)/metrics/?$",
        views.MetricIngestView.as_view(),
        name="metrics-ingest",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/widgets/(?P<widget_id>[^/]+)/data/?$",
        views.WidgetDataView.as_view(),
        name="widget-data",
    ),
]
