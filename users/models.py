from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone

# A change to any of these ends every token issued before it (users/revocation.py).
REVOKING_FIELDS = ("password", "is_active", "is_staff", "is_superuser")


class User(AbstractUser):
    """The project's user: integer ids, as the sources show (`"userId": 123`).

    A custom model from the first migration so that fields can be added later without
    the painful swap Django documents for projects that start with auth.User.

    Saving a password change, a deactivation or a demotion (staff or superuser status
    dropped) revokes all the user's tokens, whoever saves it: the admin, `changepassword`,
    a service. Queryset `.update()` bypasses `save()`; change these fields through it.
    """

    # Tokens from logins before this moment are refused (docs/authentication.md).
    tokens_valid_after = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "users_user"
        ordering = ["id"]

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> "User":
        instance = super().from_db(db, field_names, values)
        instance._remember_auth_state()
        return instance

    def _remember_auth_state(self) -> None:
        loaded = self.__dict__
        self._auth_state = {name: loaded[name] for name in REVOKING_FIELDS if name in loaded}

    def check_password(self, raw_password: str) -> bool:
        # Django re-hashes a password when its hasher's parameters change and saves it:
        # the same password, so not a change that should end the user's sessions.
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password: str) -> bool:
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def _revokes_tokens(self, update_fields: Any) -> bool:
        if self._state.adding or self.pk is None:
            return False
        fields = [f for f in REVOKING_FIELDS if update_fields is None or f in update_fields]
        if getattr(self, "_rehashing", False):
            fields = [f for f in fields if f != "password"]
        if not fields:
            return False
        before = dict(getattr(self, "_auth_state", {}))
        missing = [f for f in fields if f not in before]
        if missing:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*missing).first()
            if stored is None:
                return False
            before.update(stored)
        return (
            ("password" in fields and self.password != before["password"])
            or ("is_active" in fields and before["is_active"] and not self.is_active)
            or ("is_staff" in fields and before["is_staff"] and not self.is_staff)
            or ("is_superuser" in fields and before["is_superuser"] and not self.is_superuser)
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        revokes = self._revokes_tokens(kwargs.get("update_fields"))
        if revokes:
            self.tokens_valid_after = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "tokens_valid_after"}
        super().save(*args, **kwargs)
        self._remember_auth_state()
        if revokes:
            from users import revocation  # revocation reads this model

            revocation.publish(self.pk)
            transaction.on_commit(lambda: revocation.publish(self.pk))


class LoginFailure(models.Model):
    """One failed login, counted by users/login_limits.py; rows older than the window go."""

    # client_key(): an IPv4 address or an IPv6 /64.
    address = models.CharField(max_length=64)
    # login_limits.account_digest(): a keyed digest of the casefolded username typed.
    account = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["address", "account", "created_at"]),
            models.Index(fields=["address", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"failed login from {self.address} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class RevokedToken(models.Model):
    """An access token ended before its expiry (logout); kept until it would expire."""

    jti = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "expires_at"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self) -> str:
        return f"revoked token {self.jti}"
