"""Django's own 404 and 500 views: JSON in the family's format under /api/, HTML elsewhere."""

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from dashboards.api.errors import error_response, family_for


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
