from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from users import revocation

        # A session login that succeeded voids its own attempt and that account's failures
        # from that address (the token endpoint does it in its serializer).
        user_logged_in.connect(_session_login_succeeded, dispatch_uid="login-limits")

        # A deleted user's tokens end with the row, however it was deleted (cascades and
        # queryset deletes included): the cached facts must say so at once.
        post_delete.connect(
            revocation.user_deleted, sender=self.get_model("User"), dispatch_uid="revoke"
        )


def _session_login_succeeded(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from users import login_limits

    if request is not None:
        login_limits.login_succeeded(request, user.get_username())
