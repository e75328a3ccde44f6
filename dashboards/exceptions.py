"""Domain errors raised by services, selectors and permissions.

No HTTP here: each API family maps these classes to a status and its own error format
(`dashboards/api/errors.py`). `code` is the machine-readable code both families show.
"""

from typing import Any


def first_detail(details: Any) -> str | None:
    """`"field: message"` for the first field of a {field: [messages]} mapping."""
    if not isinstance(details, dict):
        return None
    for key, messages in details.items():
        if isinstance(messages, list) and messages and isinstance(messages[0], str):
            return f"{key}: {messages[0]}"
        if isinstance(messages, str):
            return f"{key}: {messages}"
    return None


class DomainError(Exception):
    """A request the domain refuses. Base class; maps to 400."""

    code = "VALIDATION_ERROR"
    default_message = "The request is not valid."

    def __init__(
        self, message: str | None = None, *, details: Any = None, code: str | None = None
    ) -> None:
        # Without a message, the first detail says what is wrong better than a generic
        # line: the v1 envelope carries the message only.
        self.message = message or first_detail(details) or self.default_message
        self.details = details
        if code:
            self.code = code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Field values break a rule; `details` maps field names to messages."""

    code = "VALIDATION_ERROR"
    default_message = "Invalid input."


class InvalidWidgetType(ValidationFailed):
    code = "INVALID_WIDGET_TYPE"
    default_message = "Widget type is not supported."


class NotFound(DomainError):
    """Missing, or not visible to the caller: the two are never told apart."""

    code = "NOT_FOUND"
    default_message = "Not found."


class DashboardNotFound(NotFound):
    code = "DASHBOARD_NOT_FOUND"
    default_message = "Dashboard does not exist."


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    default_message = "User does not exist."


class ProjectNotFound(NotFound):
    code = "PROJECT_NOT_FOUND"
    default_message = "Project does not exist."


class WidgetNotFound(NotFound):
    code = "WIDGET_NOT_FOUND"
    default_message = "Widget does not exist."


class VersionNotFound(NotFound):
    code = "VERSION_NOT_FOUND"
    default_message = "This version of the dashboard does not exist."


class ShareNotFound(NotFound):
    """A share link (or a share id) that does not exist, was revoked or has expired: all
    answer alike, so a token's history cannot be probed."""

    code = "SHARE_NOT_FOUND"
    default_message = "This link does not exist or is no longer valid."


class PermissionDenied(DomainError):
    """The caller can see the object but may not do this to it."""

    code = "PERMISSION_DENIED"
    default_message = "You do not have permission to perform this action."


class Conflict(DomainError):
    code = "CONFLICT"
    default_message = "The request conflicts with the current state."


class DuplicateDashboard(Conflict):
    code = "DUPLICATE_DASHBOARD"
    default_message = "Dashboard name already exists."


class DuplicateProject(Conflict):
    code = "DUPLICATE_PROJECT"
    default_message = "Project name already exists."


class PreconditionFailed(Conflict):
    """Optimistic concurrency: the version the client edited is no longer current."""

    code = "PRECONDITION_FAILED"
    default_message = "The dashboard has changed since it was read."


class InvalidQuery(DomainError):
    """A list query ($filter, $orderby, $top, $skip, paging) that cannot be run."""

    code = "INVALID_QUERY"
    default_message = "The query options are not valid."


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for another request body (maps to 422)."""

    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "This Idempotency-Key was already used with another request."


class IdempotencyKeyInUse(Conflict):
    """The first request with this Idempotency-Key is still running (409): retry later."""

    code = "IDEMPOTENCY_KEY_IN_USE"
    default_message = "A request with this Idempotency-Key is still being processed."
