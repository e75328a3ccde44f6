"""Django's own 400, 404 and 500 views: JSON in the family's format under /api/, HTML
elsewhere."""

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from dashboards.api.errors import error_response, family_for


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django answers a SuspiciousOperation (a Host not in ALLOWED_HOSTS above all) here,
    # before any view: the API still speaks its own format. The message names no host, so
    # it does not hint at what ALLOWED_HOSTS holds.
    if family_for(request.path):
        if isinstance(exception, DisallowedHost):
            message = "The Host header names a host this service does not answer for."
        else:
            message = "The request is malformed."
        return error_response(request, 400, "VALIDATION_ERROR", message)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if family_for(request.path):
        return error_response(request, 404, "NOT_FOUND", f"No API endpoint at {request.path}.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if family_for(request.path):
        return error_response(
            request, 500, "INTERNAL_ERROR", "Something went wrong on our side; it was logged."
        )
    return defaults.server_error(request)
