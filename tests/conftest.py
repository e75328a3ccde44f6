"""Shared fixtures. The cast (as in Healthchecks' tests): alice owns the project, bob and
dave are members (viewer / editor), erin is a project admin, charlie is an outsider."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient, ForceAuthClientHandler

from dashboards_site import held
from dashboards_site.handlers import ApiMiddleware, takes_api_stack
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from users import revocation
from users.tokens import ClaimsRefreshToken


@pytest.fixture(autouse=True)
def _fresh_local_cache(settings):
    # Local memory only: a shared Redis is isolated by the run's key prefix instead.
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    # A rolled-back test hands the same user ids and list versions out again.
    held.forget_everything()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def charlie(db):
    return UserFactory(username="charlie")


@pytest.fixture
def dave(db):
    return UserFactory(username="dave")


@pytest.fixture
def erin(db):
    return UserFactory(username="erin")


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def project(alice, bob, dave, erin):
    """alice's project: bob views, dave edits, erin administers."""
    project = ProjectFactory(owner=alice, name="Analytics")
    MembershipFactory(project=project, user=bob, role="viewer")
    MembershipFactory(project=project, user=dave, role="editor")
    MembershipFactory(project=project, user=erin, role="admin")
    return project


class _ApiClientHandler(ApiMiddleware, ForceAuthClientHandler):
    pass


class StackChoosingHandler:
    """The test client's handler, choosing the middleware stack as the WSGI application
    does (dashboards_site/handlers.py): a bearer request to the API takes the API's."""

    def __init__(self) -> None:
        self.everything = ForceAuthClientHandler(enforce_csrf_checks=False)
        self.api = _ApiClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ):
        return (self.api if takes_api_stack(environ) else self.everything)(environ)


def bearer_client(user) -> APIClient:
    """An API client that authenticates the way real clients do: a JWT bearer token, with
    the user's revocation facts in the cache as a login through /api/auth/token/ leaves
    them (so query counts measure the request, not a cold cache), through the middleware
    stack the WSGI application gives such requests."""
    client = APIClient()
    client.handler = StackChoosingHandler()
    if user is not None:
        token = ClaimsRefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        revocation.publish(user.pk)
    return client


@pytest.fixture
def client_for(db) -> Callable:
    return bearer_client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
