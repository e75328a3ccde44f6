"""Refuse oversized API bodies before anything reads them (SPEC: over 1 MiB is 413).

The limit is per route, written in one place: `API_MAX_BODY_BYTES` for every API route,
`API_MAX_BODY_BYTES_BY_ROUTE` (URL name -> bytes) for the few that take more (imports:
16 MiB). The proxy in front must allow the same per location. Only a body over the default
costs a URL lookup, so ordinary requests pay nothing for the exceptions.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from dashboards.api.errors import error_response, family_for


def body_limit(request: HttpRequest, length: int) -> int:
    """The most bytes the request's route takes."""
    limit = settings.API_MAX_BODY_BYTES
    if length <= limit:
        return limit
    try:
        route = resolve(request.path_info).view_name
    except Resolver404:
        return limit
    return settings.API_MAX_BODY_BYTES_BY_ROUTE.get(route, limit)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"


class ApiBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if family_for(request.path):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = body_limit(request, length)
            if length > limit:
                return error_response(
                    request,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"The request body is {length} bytes; the limit is {limit} ({_size(limit)}).",
                )
        return self.get_response(request)
