"""The WSGI application: one URLconf and one set of views behind two middleware stacks.

An API request that carries a bearer token is authenticated by DRF from the token alone:
the middleware in `BROWSER_ONLY_MIDDLEWARE` (sessions, CSRF, the session user, messages,
static files, the HTML login-lock page) has nothing to do for it, and running it cost
about 80 µs of the ~1 ms Django spends on a hot read (docs/performance.md). Such requests
go through the rest of `MIDDLEWARE`, in the same order; every other request (a browser, the
browsable API with its session, the admin, static files) through all of it.
"""

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES
from rest_framework_simplejwt.settings import api_settings as jwt_settings

API_PREFIX = "/api/"


def takes_api_stack(environ: dict[str, Any]) -> bool:
    """An API path with an `Authorization` header that the JWT authentication reads as its
    own (a known type and a token after it): valid or not, it decides the request, and the
    session is never consulted."""
    if not environ.get("PATH_INFO", "").startswith(API_PREFIX):
        return False
    # Split as simplejwt splits it: bytes, ASCII whitespace only.
    header = environ.get(jwt_settings.AUTH_HEADER_NAME, "")
    parts = header.encode(HTTP_HEADER_ENCODING, "replace").split()
    return len(parts) >= 2 and parts[0] in AUTH_HEADER_TYPE_BYTES


class ApiMiddleware:
    """For a handler class: its middleware chain is MIDDLEWARE without the browser's."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds a chain from settings.MIDDLEWARE only; lent the API's list while
        # this handler is built, once per process.
        everything = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in everything if m not in settings.BROWSER_ONLY_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = everything


class _ApiHandler(ApiMiddleware, WSGIHandler):
    pass


class Application:
    def __init__(self) -> None:
        self.everything = WSGIHandler()
        self.api = _ApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        handler = self.api if takes_api_stack(environ) else self.everything
        return handler(environ, start_response)
