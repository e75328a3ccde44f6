"""API requests carrying a bearer token skip the browser's middleware
(dashboards_site/handlers.py): which requests do, and that they are answered exactly as
through every middleware. The rest of the suite's bearer clients take that stack too
(tests/conftest.py)."""

import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from dashboards_site.handlers import Application, takes_api_stack
from tests.conftest import bearer_client
from tests.factories import DashboardFactory, WidgetFactory
from users.tokens import ClaimsRefreshToken


@pytest.mark.parametrize(
    ("path", "authorization", "expected"),
    [
        ("/api/dashboards", "Bearer abc.def.ghi", True),
        ("/api/v1/dashboards/list", "Bearer abc", True),
        ("/api/dashboards", "Bearer a b", True),  # simplejwt refuses it: still its answer
        ("/api/dashboards", "Bearer", False),  # no token: the session may authenticate
        ("/api/dashboards", "Bearer ", False),
        ("/api/dashboards", "bearer abc", False),  # not simplejwt's type: the session's
        ("/api/dashboards", "Basic YTpi", False),
        ("/api/dashboards", "Bearer\xa0abc", False),  # one word to simplejwt
        ("/api/dashboards", None, False),
        ("/admin/", "Bearer abc", False),
        ("/static/app.js", "Bearer abc", False),
        ("/api-auth/login/", "Bearer abc", False),
        ("/apis", "Bearer abc", False),
    ],
)
def test_which_requests_take_the_api_stack(path, authorization, expected):
    environ = {"PATH_INFO": path}
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    assert takes_api_stack(environ) is expected


def test_the_api_stack_leaves_out_only_the_browsers_middleware(settings):
    application = Application()
    names = [type(m).__name__ for m in _chain(application.api)]
    everything = [type(m).__name__ for m in _chain(application.everything)]
    assert names == [n for n in everything if not _browser_only(n, settings)]
    assert "SessionMiddleware" not in names
    assert "CsrfViewMiddleware" not in names
    assert {"RequestContextMiddleware", "SecurityMiddleware", "DatabaseGuardMiddleware"} <= set(
        names
    )


def _browser_only(name, settings):
    return any(path.rsplit(".", 1)[1] == name for path in settings.BROWSER_ONLY_MIDDLEWARE)


def _chain(handler):
    """The middleware instances of a handler's chain, outermost first."""
    found = []
    layer = handler._middleware_chain
    while layer is not None:
        middleware = getattr(layer, "__wrapped__", layer)  # convert_exception_to_response
        if hasattr(middleware, "get_response"):
            found.append(middleware)
            layer = middleware.get_response
        else:
            layer = None
    return found


def _call(handler, environ):
    """One request through a WSGI handler: status, headers, body. The test's transaction
    stays open, as the test client keeps it."""
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, headers

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = handler(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], dict(started["headers"]), body


@pytest.fixture
def token(alice):
    bearer_client(alice)  # the revocation facts in the cache, as after a login
    return str(ClaimsRefreshToken.for_user(alice).access_token)


@pytest.mark.parametrize(
    ("method", "path", "authorization"),
    [
        ("get", "/api/dashboards/{id}", "valid"),
        ("get", "/api/dashboards?$top=5&$filter=contains(name,'Sales')", "valid"),
        ("get", "/api/v1/dashboards/list", "valid"),
        ("get", "/api/dashboards/{id}", "Bearer not-a-token"),
        ("get", "/api/dashboards/00000000-0000-0000-0000-000000000000", "valid"),
        ("get", "/api/no-such-route", "valid"),
        ("get", "/api/dashboards?$filter=bogus(", "valid"),
        ("post", "/api/dashboards", "valid"),
        ("delete", "/api/dashboards/{id}", "Bearer a b"),
    ],
)
def test_the_api_stack_answers_as_every_middleware_does(alice, token, method, path, authorization):
    dashboard = DashboardFactory(owner=alice, name="Sales")
    WidgetFactory(dashboard=dashboard)
    header = f"Bearer {token}" if authorization == "valid" else authorization
    factory = RequestFactory()
    answers = []
    application = Application()
    for number, handler in enumerate((application.everything, application.api)):
        kwargs = {"HTTP_AUTHORIZATION": header}
        if method == "post":
            kwargs.update(
                data=json.dumps({"name": f"Made {number}"}), content_type="application/json"
            )
        environ = getattr(factory, method)(path.format(id=dashboard.pk), **kwargs).environ
        assert takes_api_stack(environ)
        status, headers, body = _call(handler, environ)
        assert headers.pop("X-Request-ID")  # each request its own
        if method == "post":  # each call creates its own dashboard
            body = json.loads(body)
            body = {
                key: value for key, value in body.items() if key not in ("id", "name", "createdAt")
            }
            for name in ("Location", "ETag", "Content-Length"):  # the new id's
                headers[name] = bool(headers[name])
        answers.append((status, headers, body))
    assert answers[0] == answers[1]
    assert not answers[1][0].startswith("5")


def test_a_browser_with_a_session_still_gets_the_browsable_api(alice, client):
    client.force_login(alice)
    environ = (
        RequestFactory()
        .get(
            "/api/dashboards",
            HTTP_ACCEPT="text/html",
            HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}",
        )
        .environ
    )
    assert not takes_api_stack(environ)
    status, headers, body = _call(Application(), environ)
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/html")
    assert b"alice" in body
