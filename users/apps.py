from django.apps import AppConfig
from django.db.models.signals import post_delete


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from users import revocation

        # A deleted user's tokens end with the row, however it was deleted (cascades and
        # queryset deletes included): the cached facts must say so at once.
        post_delete.connect(
            revocation.user_deleted, sender=self.get_model("User"), dispatch_uid="revoke"
        )
