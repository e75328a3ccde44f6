"""Refuse oversized API bodies before anything reads them (SPEC: over 1 MiB is 413)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dashboards.api.errors import error_response, family_for


class ApiBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if family_for(request.path):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return error_response(
                    request,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"The request body is {length} bytes; the limit is {limit} (1 MiB).",
                )
        return self.get_response(request)
