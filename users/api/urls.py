from django.urls import path

from users.api import views

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", views.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/token/verify/", views.TokenVerifyOnlyView.as_view(), name="token-verify"),
    path("auth/logout/", views.LogoutView.as_view(), name="token-logout"),
    path("users/me", views.MeView.as_view(), name="user-me"),
]
