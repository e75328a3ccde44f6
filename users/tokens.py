"""JWTs that carry who the user is, so reads need no user query (see authentication.py),
and when they logged in, so that a revocation reaches every token of that login
(users/revocation.py)."""

from typing import Any

from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken, Token

USER_CLAIMS = ("username", "is_staff", "is_superuser")


def add_user_claims(token: Token, user: Any) -> None:
    token["username"] = user.get_username()
    token["is_staff"] = bool(user.is_staff)
    token["is_superuser"] = bool(user.is_superuser)


class ClaimsRefreshToken(RefreshToken):
    """A refresh token (and the access tokens made from it) with the user's claims."""

    @classmethod
    def for_user(cls, user: Any) -> "ClaimsRefreshToken":
        token = super().for_user(user)
        add_user_claims(token, user)
        # The moment of login (OpenID Connect's claim), with sub-second precision: kept by
        # rotation and copied into every access token, unlike `iat`.
        token["auth_time"] = timezone.now().timestamp()
        return token
