"""JWT authentication without a database query on reads.

Reads (GET/HEAD/OPTIONS) build `request.user` from the access token's claims (id, username,
is_staff, is_superuser), which are written at login and re-read from the database at every
refresh. Writes look the user up, so a deleted or deactivated account can change nothing,
and a change of staff status reaches reads within one access-token lifetime
(docs/authentication.md). Every token is checked against the user's revocation facts
(users/revocation.py): one cache round trip, the database when the cache cannot answer.
"""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from users import revocation
from users.tokens import USER_CLAIMS

# Validated access tokens by their text, per process: a client sends the same token with
# every request until it expires, and checking its signature and claims was a fifth of a
# detail read's CPU. Only the expiry depends on time; it is checked again on every use.
_VALIDATED: dict[bytes, Token] = {}
_VALIDATED_MAX = 4096


class ClaimsJWTAuthentication(JWTAuthentication):
    reads_only = False

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = self._validated(raw_token)
        # On every use, remembered or not: the token may have been revoked since.
        revocation.check(token)
        return token

    def _validated(self, raw_token: bytes) -> Token:
        token = _VALIDATED.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                _VALIDATED.pop(raw_token, None)  # expired: validated afresh, refused below
        token = super().get_validated_token(raw_token)
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        _VALIDATED[raw_token] = token
        return token

    def authenticate(self, request: Request) -> tuple[Any, Token] | None:
        # DRF makes a new authenticator per request, so this flag is per request.
        self.reads_only = request.method in SAFE_METHODS
        return super().authenticate(request)

    def get_user(self, validated_token: Token) -> Any:
        if not self.reads_only or any(c not in validated_token for c in USER_CLAIMS):
            return super().get_user(validated_token)
        try:
            user_id = int(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidToken("Token contained no recognizable user identification") from error
        user = get_user_model()(
            pk=user_id,
            username=validated_token["username"],
            is_staff=bool(validated_token["is_staff"]),
            is_superuser=bool(validated_token["is_superuser"]),
            is_active=True,
        )
        user._state.adding = False  # it is a stored row, as far as the ORM needs to know
        user._state.db = "default"
        return user


class ClaimsJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme (`jwtAuth`) as simplejwt's own authentication."""

    target_class = ClaimsJWTAuthentication
