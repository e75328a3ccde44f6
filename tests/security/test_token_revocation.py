"""Tokens end when they should: logout ends the access token it presents; a password
change, a deactivation or a demotion ends every token of the user (reads, writes and
refresh, rotated tokens included), whoever makes the change. Reads check it with one cache
round trip and no query; without the cache, the database answers, never nobody."""

import uuid
from io import StringIO

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from users import revocation
from users.models import RevokedToken, User

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"
LOGOUT = "/api/auth/logout/"
READ = "/api/dashboards"  # a read that touches no user row
NEW_PASSWORD = "an entirely new passphrase 42"


class FastPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000


def login(username: str, password: str = PASSWORD) -> dict:
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def can_read(access: str) -> int:
    return bearer(access).get(READ).status_code


def can_write(access: str) -> int:
    return bearer(access).post(READ, {"name": "Written"}, format="json").status_code


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def assert_revoked(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


# --- Logout -------------------------------------------------------------------------


def test_logout_ends_the_access_token_it_presents(alice):
    tokens = login("alice")
    other_device = login("alice")
    assert can_write(tokens["access"]) == 201
    response = bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert_revoked(bearer(tokens["access"]).post(READ, {"name": "After"}, format="json"))
    assert_revoked(APIClient().post(VERIFY, {"token": tokens["access"]}, format="json"))
    assert_revoked(refresh(tokens["refresh"]))
    # Only that login ended: the other device goes on.
    assert can_read(other_device["access"]) == 200
    stored = RevokedToken.objects.get()
    assert (stored.user_id, stored.expires_at.timestamp() > 0) == (alice.pk, True)


def test_revoked_ids_are_kept_until_the_token_would_expire(alice):
    first = login("alice")
    bearer(first["access"]).post(LOGOUT, {"refresh": first["refresh"]}, format="json")
    RevokedToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    second = login("alice")
    bearer(second["access"]).post(LOGOUT, {"refresh": second["refresh"]}, format="json")
    assert RevokedToken.objects.count() == 1  # the expired one was pruned


# --- Password change, deactivation, demotion -------------------------------------------


def test_a_password_change_ends_every_token_including_rotated_ones(alice):
    before = login("alice")
    rotated = refresh(before["refresh"]).json()
    alice.set_password(NEW_PASSWORD)
    alice.save()
    for access in (before["access"], rotated["access"]):
        assert_revoked(bearer(access).get(READ))
        assert_revoked(bearer(access).post(READ, {"name": "x"}, format="json"))
    assert_revoked(refresh(rotated["refresh"]))
    assert_revoked(APIClient().post(VERIFY, {"token": rotated["refresh"]}, format="json"))
    after = login("alice", NEW_PASSWORD)
    assert can_read(after["access"]) == 200
    assert refresh(after["refresh"]).status_code == 200


def test_changepassword_command_revokes(alice, monkeypatch):
    from django.contrib.auth.management.commands import changepassword

    tokens = login("alice")
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", "alice", stdout=StringIO())
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert_revoked(refresh(tokens["refresh"]))


def test_a_password_set_in_the_admin_revokes(alice):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    tokens = login("alice")
    admin = Client()
    admin.force_login(root)
    response = admin.post(
        f"/admin/users/user/{alice.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert_revoked(bearer(tokens["access"]).get(READ))


def test_deactivation_ends_reads_writes_and_refresh(alice):
    tokens = login("alice")
    alice.is_active = False
    alice.save()
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert_revoked(bearer(tokens["access"]).post(READ, {"name": "x"}, format="json"))
    assert_revoked(refresh(tokens["refresh"]))


@pytest.mark.parametrize("field", ["is_superuser", "is_staff"])
def test_a_demotion_ends_tokens_that_claim_the_old_rank(field):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    tokens = login("boss")
    boss = User.objects.get(username="boss")
    setattr(boss, field, False)
    boss.save(update_fields=[field])
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert_revoked(refresh(tokens["refresh"]))
    fresh = login("boss")
    assert can_read(fresh["access"]) == 200


def test_what_does_not_end_tokens(alice, settings):
    tokens = login("alice")
    alice.is_staff = True  # a promotion: the next refresh carries it
    alice.email = "new@example.com"
    alice.save()
    alice.last_name = "Changed"
    alice.save(update_fields=["last_name"])
    # Django re-hashes a password whose hasher changed at the next login: same password.
    settings.PASSWORD_HASHERS = [
        "tests.security.test_token_revocation.FastPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    login("alice")
    alice.refresh_from_db()
    assert alice.password.startswith("pbkdf2_sha256$1000$")
    assert can_read(tokens["access"]) == 200
    assert refresh(tokens["refresh"]).status_code == 200
    assert alice.tokens_valid_after is None


def test_a_deleted_users_tokens_end(alice):
    tokens = login("alice")
    assert can_read(tokens["access"]) == 200  # the facts are cached now
    User.objects.filter(pk=alice.pk).delete()
    assert_revoked(bearer(tokens["access"]).get(READ))


# --- Cost and failure of the check -------------------------------------------------------


def test_a_read_costs_no_query_while_the_cache_answers(alice, django_assert_num_queries):
    tokens = login("alice")
    with django_assert_num_queries(0):
        assert bearer(tokens["access"]).get("/api/widget-types").status_code == 200


def test_on_a_cache_miss_the_database_answers(alice, django_assert_num_queries):
    tokens = login("alice")
    alice.set_password(NEW_PASSWORD)
    alice.save()
    from django.core.cache import cache

    cache.delete(revocation._key(alice.pk))
    with django_assert_num_queries(2):  # the user's not-before, the revoked ids
        assert_revoked(bearer(tokens["access"]).get("/api/widget-types"))


class FailingCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_a_failing_cache_never_skips_the_check(alice, monkeypatch):
    tokens = login("alice")
    survivor = login("alice")
    bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    monkeypatch.setattr(revocation, "cache", FailingCache())
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert can_read(survivor["access"]) == 200
    alice.set_password(NEW_PASSWORD)
    alice.save()  # the cache write fails; the database holds the fact
    assert_revoked(bearer(survivor["access"]).get(READ))


def test_a_stale_reader_cannot_put_old_facts_back(alice):
    """A reader that read the database just before a change fills the cache with `add`,
    which cannot overwrite the writer's newer entry."""
    from django.core.cache import cache

    tokens = login("alice")
    stale = revocation.facts_from_database(alice.pk)
    alice.set_password(NEW_PASSWORD)
    alice.save()
    cache.add(revocation._key(alice.pk), stale, revocation.ENTRY_SECONDS)
    assert_revoked(bearer(tokens["access"]).get(READ))


@pytest.fixture
def redis_cache(settings):
    """The project's Redis cache (whatever the run's default), with a key prefix of its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboards_site.cache.ReusingRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"revocation-test-{uuid.uuid4().hex}",
        }
    }


@pytest.mark.usefixtures("redis_cache")
def test_a_process_holding_the_facts_hears_of_a_change_made_by_another(alice):
    """This process keeps the facts it read (dashboards_site/nearcache.py); another
    process's change reaches Redis only, and the next read here already sees it."""
    from django.core.cache import cache

    tokens = login("alice")
    assert can_read(tokens["access"]) == 200
    assert can_read(tokens["access"]) == 200  # served from this process's copy
    # Another process changes the facts: the row, then the shared cache (what its
    # `revocation.publish` does), never this process's memory.
    User.objects.filter(pk=alice.pk).update(tokens_valid_after=timezone.now())
    cache.set(revocation._key(alice.pk), revocation.facts_from_database(alice.pk), 300)
    assert_revoked(bearer(tokens["access"]).get(READ))


@pytest.mark.usefixtures("redis_cache")
def test_a_logout_ends_the_token_at_once_with_the_facts_held_in_process(alice):
    tokens = login("alice")
    survivor = login("alice")
    assert can_read(tokens["access"]) == 200
    bearer(tokens["access"]).post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert_revoked(bearer(tokens["access"]).get(READ))
    assert can_read(survivor["access"]) == 200
