"""Reads authenticate from the token's claims (no user query); writes check the database."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import PASSWORD, DashboardFactory
from users import authentication

pytestmark = pytest.mark.django_db


def login(user) -> dict:
    response = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_tokens_carry_the_users_claims(alice):
    claims = AccessToken(login(alice)["access"])
    assert (str(claims["user_id"]), claims["username"]) == (str(alice.pk), "alice")
    assert (claims["is_staff"], claims["is_superuser"]) == (False, False)


def test_a_read_needs_no_user_query(alice, django_assert_max_num_queries):
    dashboard = DashboardFactory(owner=alice)
    client = bearer(login(alice)["access"])
    with django_assert_max_num_queries(2):  # the dashboard and its widgets
        assert client.get(f"/api/dashboards/{dashboard.pk}").status_code == 200


def test_refresh_rereads_staff_status(alice):
    tokens = login(alice)
    alice.is_staff = True
    alice.save()
    refreshed = (
        APIClient()
        .post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        .json()
    )
    assert AccessToken(refreshed["access"])["is_staff"] is True


def test_refresh_of_a_deactivated_user_is_401(alice):
    tokens = login(alice)
    alice.is_active = False
    alice.save()
    response = APIClient().post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_a_deactivated_user_can_write_nothing_with_a_live_access_token(alice):
    client = bearer(login(alice)["access"])
    alice.is_active = False
    alice.save()
    response = client.post("/api/dashboards", {"name": "Late"}, format="json")
    assert response.status_code == 401
    assert client.get("/api/users/me").status_code == 401


def test_a_deleted_user_can_write_nothing(alice):
    client = bearer(login(alice)["access"])
    alice.delete()
    response = client.post("/api/dashboards", {"name": "Ghost"}, format="json")
    assert response.status_code == 401


def test_a_token_validated_before_is_refused_once_it_expires(alice, monkeypatch):
    client = bearer(login(alice)["access"])
    assert client.get("/api/users/me").status_code == 200  # validated and remembered
    later = authentication.aware_utcnow() + timedelta(days=1)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", lambda: later)
    response = client.get("/api/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_a_remembered_token_does_not_vouch_for_an_altered_one(alice):
    access = login(alice)["access"]
    assert bearer(access).get("/api/users/me").status_code == 200
    header, payload, signature = access.split(".")
    altered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert bearer(altered).get("/api/users/me").status_code == 401


def test_remembered_tokens_are_bounded(alice, monkeypatch):
    monkeypatch.setattr(authentication, "_VALIDATED_MAX", 2)
    monkeypatch.setattr(authentication, "_VALIDATED", {})
    for _ in range(5):
        assert bearer(login(alice)["access"]).get("/api/users/me").status_code == 200
    assert len(authentication._VALIDATED) <= 2
