"""Authentication endpoints (SPEC, "Authentication endpoints"), simplejwt underneath."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.contrib.rest_framework_simplejwt import (
    TokenObtainPairSerializerExtension,
    TokenRefreshSerializerExtension,
    TokenVerifySerializerExtension,
)
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken
from rest_framework_simplejwt.views import (
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from dashboards.exceptions import ValidationFailed
from users import login_limits, revocation
from users.selectors import current_user
from users.tokens import ClaimsRefreshToken, add_user_claims


class TokenObtainSerializer(TokenObtainPairSerializer):
    """Django's authenticate() underneath, so the failed-login limits apply
    (users/login_limits.py); a success voids this account's failures from this address."""

    token_class = ClaimsRefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        data = super().validate(attrs)
        login_limits.login_succeeded(self.context["request"], attrs[self.username_field])
        revocation.publish(self.user.pk)  # the client's first calls then find them cached
        return data


class TokenRefreshClaimsSerializer(TokenRefreshSerializer):
    """Rotate as simplejwt does, with the user's claims re-read from the database first,
    and refuse a token from before the user's revocation point (password change,
    deactivation, demotion). Rotation keeps `auth_time`, so it cannot outrun that check."""

    token_class = ClaimsRefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = (
            get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
            if revocation.valid_user_id(user_id)
            else None
        )
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed("No active account found for the given token.")
        revocation.check_against_user(refresh, user)
        add_user_claims(refresh, user)
        return super().validate({"refresh": str(refresh)})


class TokenObtainView(TokenObtainPairView):
    """`{"username", "password"}` → `{"access", "refresh"}`; wrong password is 401."""

    serializer_class = TokenObtainSerializer


class TokenRefreshRotateView(TokenRefreshView):
    """Rotates: the old refresh token is blacklisted and a new one returned."""

    serializer_class = TokenRefreshClaimsSerializer


class TokenVerifyBlacklistSerializer(TokenVerifySerializer):
    """simplejwt refuses a blacklisted token here with a 400 ValidationError; the refresh
    endpoint calls the same token 401. A TokenError makes the view answer 401 as well."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            data = super().validate(attrs)
        except serializers.ValidationError as error:
            # The only ValidationError upstream's validate() raises: "Token is blacklisted".
            raise TokenError(_first_detail(error)) from error
        # A revoked token is not valid, whatever its signature says.
        token = UntypedToken(attrs["token"])
        try:
            revocation.check(token)
        except InvalidToken as error:
            raise TokenError("Token has been revoked.") from error
        return data


def _first_detail(error: serializers.ValidationError) -> str:
    detail = error.detail
    while isinstance(detail, list | dict):
        detail = next(iter(detail.values() if isinstance(detail, dict) else detail), "")
    return str(detail) or "Token is invalid"


class TokenVerifyOnlyView(TokenVerifyView):
    """200 `{}` for a valid token; 401 for an invalid, expired or blacklisted one."""

    serializer_class = TokenVerifyBlacklistSerializer


# drf-spectacular's simplejwt extensions match simplejwt's own serializers only; without
# these the token endpoints were documented as "200: no response body".
class TokenObtainSchema(TokenObtainPairSerializerExtension):
    target_class = TokenObtainSerializer


class TokenRefreshSchema(TokenRefreshSerializerExtension):
    target_class = TokenRefreshClaimsSerializer


class TokenVerifySchema(TokenVerifySerializerExtension):
    target_class = TokenVerifyBlacklistSerializer


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutView(APIView):
    """Blacklist the refresh token, and revoke the access token that authenticated the
    call, so that neither can be used again."""

    serializer_class = LogoutSerializer

    @extend_schema(
        responses=inline_serializer(
            "LogoutResult",
            {"success": serializers.BooleanField(), "message": serializers.CharField()},
        )
    )
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
            if str(token.get("user_id")) != str(request.user.pk):
                raise TokenError("Token belongs to another user.")
            token.blacklist()
        except TokenError as error:
            raise ValidationFailed(
                f"Invalid refresh token: {error}", details={"refresh": [str(error)]}
            ) from error
        if isinstance(request.auth, AccessToken):  # a session logout has no token to end
            revocation.revoke_access_token(request.auth)
        return Response({"success": True, "message": "Logged out"})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    isStaff = serializers.BooleanField(source="is_staff")


class MeView(APIView):
    """Who the token (or session) belongs to."""

    serializer_class = MeSerializer

    def get(self, request: Request) -> Response:
        return Response(MeSerializer(current_user(request.user)).data)
