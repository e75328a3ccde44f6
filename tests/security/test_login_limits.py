"""Failed logins are limited per (account, address) and per address on every login path,
counted in the database: 429 with Retry-After, RATE_LIMITED on the API, a readable page
on the HTML logins. Never per account alone (no locking a victim out from elsewhere)."""

import itertools
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from users.models import LoginFailure

pytestmark = pytest.mark.django_db
TOKEN = "/api/auth/token/"
HTML_LOGINS = ["/accounts/login/", "/api-auth/login/", "/admin/login/"]
_hosts = itertools.count(10)


def address() -> str:
    return f"198.51.100.{next(_hosts)}"


def token_login(username: str, password: str, remote: str, **headers):
    client = APIClient(REMOTE_ADDR=remote)
    return client.post(
        TOKEN, {"username": username, "password": password}, format="json", **headers
    )


def html_login(path: str, username: str, password: str, remote: str):
    return Client(REMOTE_ADDR=remote).post(path, {"username": username, "password": password})


def fail(username: str, remote: str, times: int) -> None:
    for _ in range(times):
        assert token_login(username, "wrong", remote).status_code == 401


def assert_locked_api(response) -> int:
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "RATE_LIMITED"
    assert "failed logins" in error["message"]
    wait = int(response["Retry-After"])
    assert error["details"] == {"retryAfter": wait}
    return wait


@pytest.fixture
def victim(db):
    return UserFactory(username="victim", is_staff=True)


def test_five_failures_for_one_account_from_one_address_lock_that_pair(settings, victim):
    here = address()
    fail("victim", here, settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS)
    # Even the right password: the pair is paused, for the rest of the window.
    wait = assert_locked_api(token_login("victim", PASSWORD, here))
    assert settings.LOGIN_FAILURE_WINDOW - 5 <= wait <= settings.LOGIN_FAILURE_WINDOW
    # The locked attempts were not counted: the lock does not grow by hammering it.
    assert LoginFailure.objects.count() == settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
    # The victim, elsewhere, is not locked out; the attacker may still try other accounts.
    assert token_login("victim", PASSWORD, address()).status_code == 200
    assert token_login("someone", "wrong", here).status_code == 401


def test_x_forwarded_for_does_not_make_a_new_address(settings, victim):
    here = address()
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS):
        response = token_login("victim", "wrong", here, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 401
    assert_locked_api(token_login("victim", PASSWORD, here, HTTP_X_FORWARDED_FOR="203.0.113.99"))


def test_many_accounts_from_one_address_hit_the_per_address_limit(settings, victim):
    here = address()
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    for n in range(8):
        assert token_login(f"guess{n}", "wrong", here).status_code == 401
    assert_locked_api(token_login("guess-next", "wrong", here))
    assert_locked_api(token_login("victim", PASSWORD, here))
    assert token_login("victim", PASSWORD, address()).status_code == 200


def test_a_success_voids_only_that_accounts_failures(settings, victim):
    """A typo or four, then the right password: a fresh start for that account. An
    attacker logging into an account of their own gains nothing against another."""
    here = address()
    UserFactory(username="attacker")
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
    fail("victim", here, limit - 1)
    assert token_login("victim", PASSWORD, here).status_code == 200
    fail("victim", here, limit - 1)  # allowed again: the earlier ones were void

    settings.LOGIN_FAILURES_PER_ADDRESS = limit + 2
    fail("victim", here, 1)  # the pair is at its limit now
    assert token_login("attacker", PASSWORD, here).status_code == 200
    assert_locked_api(token_login("victim", "guess", here))
    # The address count kept the victim's failures: two more failures of anyone's, then
    # the attacker is paused from that address whatever the account.
    fail("other", here, 2)
    assert_locked_api(token_login("other2", "wrong", here))
    assert_locked_api(token_login("attacker", PASSWORD, here))


def test_the_lock_ends_when_the_failures_leave_the_window(settings, victim):
    here = address()
    fail("victim", here, settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS)
    assert_locked_api(token_login("victim", PASSWORD, here))
    LoginFailure.objects.update(
        created_at=LoginFailure.objects.first().created_at
        - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    )
    assert token_login("victim", PASSWORD, here).status_code == 200
    assert not LoginFailure.objects.exists()  # expired rows are pruned, the pair's voided


@pytest.mark.parametrize("path", HTML_LOGINS)
def test_every_html_login_is_limited_with_a_readable_page(settings, victim, path):
    here = address()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS):
        response = html_login(path, "victim", "wrong", here)
        assert response.status_code == 200  # the form again, with its error
    response = html_login(path, "victim", PASSWORD, here)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "try again in 15 minutes" in page
    # Elsewhere, the same login works (a redirect after success).
    assert html_login(path, "victim", PASSWORD, address()).status_code == 302


def test_failures_count_across_login_paths(settings, victim):
    here = address()
    paths = [TOKEN, *HTML_LOGINS]
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS):
        path = paths[n % len(paths)]
        if path == TOKEN:
            fail("victim", here, 1)
        else:
            html_login(path, "victim", "wrong", here)
    assert html_login("/admin/login/", "victim", PASSWORD, here).status_code == 429
    assert_locked_api(token_login("victim", PASSWORD, here))


def test_the_limits_hold_with_no_cache_at_all(settings, victim):
    # A cache that keeps nothing: the counts live in the database, so nothing changes.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    here = address()
    fail("victim", here, settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS)
    assert_locked_api(token_login("victim", PASSWORD, here))


def test_usernames_are_kept_only_as_keyed_digests(victim):
    here = address()
    token_login("my secret password typed here", "x", here)
    stored = LoginFailure.objects.get()
    assert stored.address == here
    assert "secret" not in stored.account
    assert len(stored.account) == 64


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_cannot_all_slip_under_the_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    UserFactory(username="victim")
    here = address()
    statuses: list[int] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            status = token_login("victim", "wrong", here).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) <= settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
    assert statuses.count(401) + statuses.count(429) == 20


@pytest.mark.parametrize("path", HTML_LOGINS)
def test_successful_html_logins_are_not_failures(settings, victim, path):
    here = address()
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
    for _ in range(limit + 2):
        assert html_login(path, "victim", PASSWORD, here).status_code == 302
    assert not LoginFailure.objects.exists()
    for _ in range(limit - 1):
        html_login(path, "victim", "wrong", here)
    assert html_login(path, "victim", PASSWORD, here).status_code == 302
    for _ in range(limit - 1):
        html_login(path, "victim", "wrong", here)
    assert html_login(path, "victim", PASSWORD, here).status_code == 302
