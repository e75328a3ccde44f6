from django.urls import re_path

from dashboards.api.analytics import history, shares, transfer, views

# Family-1 paths have no trailing slash; one is tolerated rather than redirected (a write
# cannot follow a redirect with its body).
urlpatterns = [
    re_path(r"^dashboards/?$", views.DashboardCollectionView.as_view(), name="dashboard-list"),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/?$",
        views.DashboardDetailView.as_view(),
        name="dashboard-detail",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/versions/?$",
        history.VersionListView.as_view(),
        name="dashboard-version-list",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/versions/(?P<number>[^/]+)/?$",
        history.VersionDetailView.as_view(),
        name="dashboard-version-detail",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/versions/(?P<number>[^/]+)/diff/?$",
        history.VersionDiffView.as_view(),
        name="dashboard-version-diff",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/versions/(?P<number>[^/]+)/restore/?$",
        history.VersionRestoreView.as_view(),
        name="dashboard-version-restore",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/export/?$",
        transfer.DashboardExportView.as_view(),
        name="dashboard-export",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/duplicate/?$",
        transfer.DashboardDuplicateView.as_view(),
        name="dashboard-duplicate",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/shares/?$",
        shares.DashboardShareListView.as_view(),
        name="dashboard-share-list",
    ),
    re_path(
        r"^dashboards/(?P<dashboard_id>[^/]+)/shares/(?P<share_id>[^/]+)/?$",
        shares.DashboardShareDetailView.as_view(),
        name="dashboard-share-detail",
    ),
    # Anonymous: the token is the credential (docs/sharing.md).
    re_path(r"^shared/(?P<token>[^/]+)/?$", shares.SharedDashboardView.as_view(), name="shared"),
    re_path(
        r"^projects/(?P<project_id>[^/]+)/export/?$",
        transfer.ProjectExportView.as_view(),
        name="project-export",
    ),
    re_path(
        r"^projects/(?P<project_id>[^/]+)/import/?$",
        transfer.ProjectImportView.as_view(),
        name="project-import",
    ),
    re_path(
        r"^users/(?P<user_id>[^/]+)/dashboards/?$",
        views.UserDashboardsView.as_view(),
        name="user-dashboard-list",
    ),
    # Before the detail route: "order" is not a dashboard id.
    re_path(
        r"^users/(?P<user_id>[^/]+)/dashboards/order/?$",
        views.UserDashboardOrderView.as_view(),
        name="user-dashboard-order",
    ),
    re_path(
        r"^users/(?P<user_id>[^/]+)/dashboards/(?P<dashboard_id>[^/]+)/?$",
        views.UserDashboardDetailView.as_view(),
        name="user-dashboard-detail",
    ),
    re_path(r"^widget-types/?$", views.WidgetTypeListView.as_view(), name="widget-type-list"),
]
