"""One error contract per API family, chosen by URL prefix in one place (`family_for`).

Family 1 (`/api/...`):   {"error": {"code", "message", "details"}}
Family 2 (`/api/v1/...`): {"data": null, "message", "status": "error"|"conflict", "code"}

Every error goes through `describe()`: domain errors, DRF's (401, 405, 415, parse errors,
throttling, serializer validation), Django's (404 route, 413, 500) and an unavailable
database (503 with Retry-After, ops/database.py), so each family has exactly one shape
whatever raised it.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from dashboards import exceptions as domain
from dashboards.specs import MODEL_TO_DOCUMENT
from ops import database

logger = logging.getLogger(__name__)

V1_PREFIX = "/api/v1/"
API_PREFIX = "/api/"
CONFLICT_STATUSES = {409, 412}

# Family 1 speaks camelCase; services name model fields (the document's own names first).
_CAMEL = {
    **{model: key for model, key in MODEL_TO_DOCUMENT.items() if model != key},
    "project_id": "projectId",
    "user_id": "userId",
    "dashboard_id": "dashboardId",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "expires_at": "expiresAt",
    "allow_variables": "allowVariables",
    "frame_ancestors": "frameAncestors",
    "non_field_errors": "body",
}


def family_for(path: str) -> str | None:
    """'v1', 'analytics' or None (not an API path)."""
    if path.startswith(V1_PREFIX) or path == V1_PREFIX.rstrip("/"):
        return "v1"
    if path.startswith(API_PREFIX):
        return "analytics"
    return None


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)


def _first_message(details: Any) -> str | None:
    if isinstance(details, dict):
        for key, value in details.items():
            inner = _first_message(value)
            if inner:
                return f"{key}: {inner}" if not inner.startswith(f"{key}") else inner
    if isinstance(details, list):
        for value in details:
            inner = _first_message(value)
            if inner:
                return inner
    if isinstance(details, str):
        return details
    return None


def describe(exc: BaseException) -> tuple[int, str, str, Any] | None:
    """(status, code, message, details) for a known exception, None for a real bug."""
    if isinstance(exc, domain.DomainError):
        if isinstance(exc, domain.NotFound):
            status = 404
        elif isinstance(exc, domain.PermissionDenied):
            status = 403
        elif isinstance(exc, domain.PreconditionFailed):
            status = 412
        elif isinstance(exc, domain.Conflict):
            status = 409
        elif isinstance(exc, domain.IdempotencyKeyReused):
            status = 422
        else:
            status = 400
        return status, exc.code, exc.message, exc.details
    if database.is_unavailable(exc):
        message, details = database.describe_unavailable(exc)
        return 503, "SERVICE_UNAVAILABLE", message, details
    if isinstance(exc, RequestDataTooBig):
        return 413, "PAYLOAD_TOO_LARGE", "The request body is larger than 1 MiB.", None
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        return 400, "VALIDATION_ERROR", _first_message(details) or "Invalid input.", details
    if isinstance(exc, Http404):
        return 404, "NOT_FOUND", "Not found.", None
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "PERMISSION_DENIED", "You do not have permission to perform this action.", None
    if isinstance(exc, drf.APIException):
        return _describe_drf(exc)
    return None


def _describe_drf(exc: drf.APIException) -> tuple[int, str, str, Any]:
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        message = str(exc.detail) if isinstance(exc.detail, str) else None
        if not isinstance(exc.detail, str | list):
            # simplejwt puts {"detail", "code", "messages"} here
            message = str(exc.detail.get("detail", "Invalid token."))
        return 401, "NOT_AUTHENTICATED", message or "Authentication failed.", None
    if isinstance(exc, drf.ValidationError):
        details = _plain(exc.detail)
        if isinstance(details, list):
            details = {"body": details}
        elif "non_field_errors" in details:
            # DRF's name for "the body as a whole"; both families call it body.
            details["body"] = details.pop("non_field_errors")
        return 400, "VALIDATION_ERROR", _first_message(details) or "Invalid input.", details
    if isinstance(exc, drf.ParseError):
        return 400, "VALIDATION_ERROR", f"Malformed request body: {exc.detail}", None
    if isinstance(exc, drf.Throttled):
        return 429, "RATE_LIMITED", str(exc.detail), {"retryAfter": exc.wait}
    if isinstance(exc, drf.UnsupportedMediaType):
        return 415, "UNSUPPORTED_MEDIA_TYPE", str(exc.detail), None
    if isinstance(exc, drf.MethodNotAllowed):
        return 405, "METHOD_NOT_ALLOWED", str(exc.detail), None
    if isinstance(exc, drf.NotAcceptable):
        return 406, "NOT_ACCEPTABLE", str(exc.detail), None
    if isinstance(exc, drf.PermissionDenied):
        return 403, "PERMISSION_DENIED", str(exc.detail), None
    if isinstance(exc, drf.NotFound):
        return 404, "NOT_FOUND", str(exc.detail), None
    code = str(getattr(exc, "default_code", "error")).upper()
    return exc.status_code, code, str(exc.detail), None


def _camelize(details: Any) -> Any:
    if isinstance(details, dict):
        return {_CAMEL.get(k, k): v for k, v in details.items()}
    return details


def payload(family: str | None, status: int, code: str, message: str, details: Any) -> dict:
    if family == "v1":
        return {
            "data": None,
            "message": message,
            "status": "conflict" if status in CONFLICT_STATUSES else "error",
            "code": code,
        }
    field, sep, rest = message.partition(":")
    if sep and field in _CAMEL:
        message = f"{_CAMEL[field]}:{rest}"
    return {"error": {"code": code, "message": message, "details": _camelize(details)}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER for both families."""
    described = describe(exc)
    if described is None:
        return None  # a real bug: let Django log it and answer 500
    status, code, message, details = described
    request = context.get("request")
    family = family_for(request.path if request is not None else API_PREFIX) or "analytics"
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    response = Response(
        payload(family, status, code, message, details), status=status, headers=headers
    )
    if status == 503:
        database.log_unavailable(request, exc)
        database.mark_logged(response)
    return response


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> JsonResponse:
    """The same shapes outside DRF (middleware, Django's 404/500 handlers)."""
    family = family_for(request.path) or "analytics"
    return JsonResponse(payload(family, status, code, message, details), status=status)
