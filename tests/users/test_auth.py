"""Authentication endpoints (SPEC, "Authentication endpoints"): JWT token, refresh with
rotation and blacklist, verify, logout, and who-am-I."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.conftest import bearer_client
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"
LOGOUT = "/api/auth/logout/"
ME = "/api/users/me"


def obtain(api_client: APIClient, username: str, password: str = PASSWORD) -> dict:
    response = api_client.post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def assert_not_authenticated(response) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == "NOT_AUTHENTICATED"
    assert body["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def with_bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- Token ----------------------------------------------------------------------------


def test_token_for_good_credentials_gives_access_and_refresh(api_client, alice):
    tokens = obtain(api_client, "alice")
    assert set(tokens) == {"access", "refresh"}
    assert AccessToken(tokens["access"])["user_id"] == str(alice.pk)
    assert RefreshToken(tokens["refresh"])["user_id"] == str(alice.pk)


def test_the_access_token_authenticates_api_calls(api_client, alice):
    tokens = obtain(api_client, "alice")
    response = with_bearer(tokens["access"]).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password"), ("nobody", PASSWORD), ("ALICE", PASSWORD)],
)
def test_wrong_credentials_are_401_in_the_family_1_format(api_client, alice, username, password):
    response = api_client.post(TOKEN, {"username": username, "password": password}, format="json")
    assert_not_authenticated(response)
    assert response.json() == {
        "error": {
            "code": "NOT_AUTHENTICATED",
            "message": "No active account found with the given credentials",
            "details": None,
        }
    }


def test_inactive_user_gets_no_token(api_client):
    UserFactory(username="gone", is_active=False)
    response = api_client.post(TOKEN, {"username": "gone", "password": PASSWORD}, format="json")
    assert_not_authenticated(response)


def test_token_without_password_is_a_validation_error(api_client, alice):
    response = api_client.post(TOKEN, {"username": "alice"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "password" in error["details"]


def test_token_with_malformed_json_is_a_validation_error(api_client):
    response = api_client.post(TOKEN, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


# --- Refresh (rotation) and blacklist -------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_is_then_refused(api_client, alice):
    first = obtain(api_client, "alice")
    response = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    rotated = response.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != first["refresh"]
    assert with_bearer(rotated["access"]).get(ME).status_code == 200

    replayed = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert_not_authenticated(replayed)
    assert "blacklisted" in replayed.json()["error"]["message"]

    # The rotated token is the one that now works.
    again = api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_refresh_with_a_garbage_token_is_401(api_client, token):
    assert_not_authenticated(api_client.post(REFRESH, {"refresh": token}, format="json"))


def test_refresh_without_a_token_is_a_validation_error(api_client):
    response = api_client.post(REFRESH, {"refresh": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "refresh" in response.json()["error"]["details"]


def test_an_access_token_cannot_be_used_to_refresh(api_client, alice):
    tokens = obtain(api_client, "alice")
    assert_not_authenticated(api_client.post(REFRESH, {"refresh": tokens["access"]}, format="json"))


def test_an_expired_refresh_token_is_refused(api_client, alice):
    refresh = RefreshToken.for_user(alice)
    refresh.set_exp(from_time=timezone.now() - timedelta(days=30))
    assert_not_authenticated(api_client.post(REFRESH, {"refresh": str(refresh)}, format="json"))


# --- Verify ---------------------------------------------------------------------------


def test_verify_accepts_a_valid_token(api_client, alice):
    tokens = obtain(api_client, "alice")
    for token in tokens.values():
        response = api_client.post(VERIFY, {"token": token}, format="json")
        assert response.status_code == 200
        assert response.json() == {}


def test_verify_refuses_garbage_and_expired_tokens(api_client, alice):
    expired = AccessToken.for_user(alice)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1))
    for token in ("garbage", str(expired)):
        assert_not_authenticated(api_client.post(VERIFY, {"token": token}, format="json"))


def test_verify_refuses_a_blacklisted_refresh_token(api_client, alice):
    tokens = obtain(api_client, "alice")
    api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert_not_authenticated(api_client.post(VERIFY, {"token": tokens["refresh"]}, format="json"))


# --- Logout ---------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token(api_client, alice):
    tokens = obtain(api_client, "alice")
    response = with_bearer(tokens["access"]).post(
        LOGOUT, {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Logged out"}
    assert_not_authenticated(
        api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    )


def test_logout_needs_authentication(api_client, alice):
    tokens = obtain(api_client, "alice")
    assert_not_authenticated(api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"))
    # Nothing was blacklisted.
    assert (
        api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    )


def test_logout_cannot_blacklist_someone_elses_token(api_client, alice, bob):
    bobs = obtain(api_client, "bob")
    response = bearer_client(alice).post(LOGOUT, {"refresh": bobs["refresh"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert api_client.post(REFRESH, {"refresh": bobs["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("body", [{"refresh": "garbage"}, {}, {"refresh": ""}])
def test_logout_with_a_bad_refresh_token_is_a_validation_error(alice, body):
    response = bearer_client(alice).post(LOGOUT, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "refresh" in error["details"]


def test_logout_with_an_access_token_instead_of_refresh_is_refused(api_client, alice):
    tokens = obtain(api_client, "alice")
    response = with_bearer(tokens["access"]).post(
        LOGOUT, {"refresh": tokens["access"]}, format="json"
    )
    assert response.status_code == 400


# --- Who am I -------------------------------------------------------------------------


def test_me_describes_the_token_owner(client_for, alice):
    response = client_for(alice).get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": alice.pk,
        "username": "alice",
        "email": "alice@example.com",
        "isStaff": False,
    }


def test_me_for_staff(client_for, staff):
    assert client_for(staff).get(ME).json()["isStaff"] is True


def test_me_without_a_token_is_401(api_client):
    assert_not_authenticated(api_client.get(ME))


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer ", "Bearer a.b.c", "Token abc", "Bearer x y"]
)
def test_me_with_a_malformed_authorization_is_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_me_with_an_expired_token_is_401(alice):
    expired = AccessToken.for_user(alice)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1))
    assert_not_authenticated(with_bearer(str(expired)).get(ME))


def test_me_with_a_token_signed_by_someone_else_is_401(alice):
    import jwt

    forged = jwt.encode(
        {"token_type": "access", "user_id": str(alice.pk), "jti": "x", "exp": 4102444800},
        "not-the-signing-key-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert_not_authenticated(with_bearer(forged).get(ME))


def test_me_with_a_refresh_token_as_bearer_is_401(alice):
    assert_not_authenticated(with_bearer(str(RefreshToken.for_user(alice))).get(ME))


def test_me_for_a_deleted_user_is_401(alice):
    client = bearer_client(alice)
    alice.delete()
    assert_not_authenticated(client.get(ME))


def test_me_with_a_session_for_the_browsable_api(alice):
    client = APIClient()
    client.force_login(alice)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == alice.pk
