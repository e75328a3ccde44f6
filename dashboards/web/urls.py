from django.urls import path
from django.views.generic import RedirectView

from dashboards.web import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard-list-page"), name="home"),
    path("dashboards/", views.dashboard_list_page, name="dashboard-list-page"),
    path("dashboards/<str:dashboard_id>/", views.dashboard_page, name="dashboard-page"),
    # A share link: no login, the token is the credential (docs/sharing.md).
    path("s/<str:token>", views.share_page, name="share-page"),
]
