"""Family 2 routes, exactly as the source lists them (no trailing slashes).

Ids are taken as strings and parsed in the views, so that a malformed UUID is a 400 that
says so rather than an unknown route. `save` and `list` come before `{dashboard_id}`.
"""

from django.urls import path

from dashboards.api.v1 import history, shares, transfer, views

urlpatterns = [
    path("dashboards/list", views.DashboardListView.as_view(), name="dashboard-list"),
    path(
        "dashboards/<str:project_id>/list",
        views.ProjectDashboardListView.as_view(),
        name="project-dashboard-list",
    ),
    path(
        "dashboards/<str:project_id>/save",
        views.DashboardSaveView.as_view(),
        name="dashboard-save",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>",
        views.DashboardDetailView.as_view(),
        name="dashboard-detail",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/versions",
        history.VersionListView.as_view(),
        name="dashboard-version-list",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/versions/<str:number>",
        history.VersionDetailView.as_view(),
        name="dashboard-version-detail",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/versions/<str:number>/diff",
        history.VersionDiffView.as_view(),
        name="dashboard-version-diff",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/versions/<str:number>/restore",
        history.VersionRestoreView.as_view(),
        name="dashboard-version-restore",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/duplicate",
        transfer.DashboardDuplicateView.as_view(),
        name="dashboard-duplicate",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/shares",
        shares.DashboardShareListView.as_view(),
        name="dashboard-share-list",
    ),
    path(
        "dashboards/<str:project_id>/<str:dashboard_id>/shares/<str:share_id>",
        shares.DashboardShareDetailView.as_view(),
        name="dashboard-share-detail",
    ),
    path("projects/list", views.ProjectListView.as_view(), name="project-list"),
    path("projects/save", views.ProjectSaveView.as_view(), name="project-save"),
    path("projects/<str:project_id>", views.ProjectDetailView.as_view(), name="project-detail"),
    path(
        "projects/<str:project_id>/export",
        transfer.ProjectExportView.as_view(),
        name="project-export",
    ),
    path(
        "projects/<str:project_id>/import",
        transfer.ProjectImportView.as_view(),
        name="project-import",
    ),
    path(
        "projects/<str:project_id>/members",
        views.ProjectMembersView.as_view(),
        name="project-members",
    ),
    path(
        "projects/<str:project_id>/members/<str:user_id>",
        views.ProjectMemberView.as_view(),
        name="project-member",
    ),
    path("users/me", views.MeView.as_view(), name="user-me"),
]
