"""What every service shares: model validation as domain errors, constraint races as the
domain error a sequential caller would get, the version check, and user lookups."""

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import TextField

from dashboards.exceptions import (
    Conflict,
    DomainError,
    DuplicateDashboard,
    DuplicateProject,
    PreconditionFailed,
    UserNotFound,
    ValidationFailed,
)
from dashboards.selectors import parse_user_id

User = get_user_model()

_WIDGET_IDS_UNIQUE = ValidationFailed(
    "Widget ids must be unique within a dashboard.",
    details={"widgets": ["Widget ids must be unique within a dashboard."]},
)
_DASHBOARD_ID_TAKEN = Conflict(
    "A dashboard with this id already exists.", details={"id": ["Already taken."]}
)
_PROJECT_ID_TAKEN = Conflict(
    "A project with this id already exists.", details={"id": ["Already taken."]}
)
CONSTRAINT_ERRORS: dict[str, DomainError] = {
    "dashboard_name_unique_user_scope": DuplicateDashboard(
        "You already have a dashboard with this name in this project.",
        details={"name": ["Dashboard name already exists."]},
    ),
    "dashboard_name_unique_project_scope": DuplicateDashboard(
        "This project already shares a dashboard with this name.",
        details={"name": ["Dashboard name already exists."]},
    ),
    "project_name_ci_unique_per_owner": DuplicateProject(
        "You already have a project with this name.",
        details={"name": ["Project name already exists."]},
    ),
    "one_default_dashboard_per_user": Conflict(
        "Another default dashboard was set at the same time; retry."
    ),
    "widget_key_unique": _WIDGET_IDS_UNIQUE,
    "dashboards_widget.dashboard_id, dashboards_widget.key": _WIDGET_IDS_UNIQUE,
    # A client-chosen id (v1 save, import) that is already taken: PostgreSQL names the
    # primary key, SQLite the column.
    "dashboards_dashboard_pkey": _DASHBOARD_ID_TAKEN,
    "UNIQUE constraint failed: dashboards_dashboard.id": _DASHBOARD_ID_TAKEN,
    "dashboards_project_pkey": _PROJECT_ID_TAKEN,
    "UNIQUE constraint failed: dashboards_project.id": _PROJECT_ID_TAKEN,
}


@contextlib.contextmanager
def integrity_errors_as_domain_errors() -> Iterator[None]:
    """Turn a constraint violation (usually a lost race) into the domain error."""
    try:
        yield
    except IntegrityError as error:
        cause = getattr(error.__cause__, "diag", None)
        text = getattr(cause, "constraint_name", None) or str(error)
        for name, domain_error in CONSTRAINT_ERRORS.items():
            if name in text:
                raise type(domain_error)(
                    domain_error.message, details=domain_error.details
                ) from error
        raise


def invalid(details: dict[str, list[str]]) -> ValidationFailed:
    """ValidationFailed whose message names the first bad field, as clients show it."""
    first_field, first_messages = next(iter(details.items()))
    return ValidationFailed(f"{first_field}: {first_messages[0]}", details=details)


def validation_failed(error: ValidationError, *, prefix: str = "") -> ValidationFailed:
    if hasattr(error, "error_dict"):
        details = {f"{prefix}{k}": [str(m) for m in v] for k, v in error.message_dict.items()}
    else:
        details = {prefix.rstrip(".") or "non_field_errors": error.messages}
    return invalid(details)


def full_clean(instance: Any, *, exclude: Sequence[str] = (), prefix: str = "") -> None:
    """The model's validators plus what Django leaves to forms, as one ValidationFailed."""
    errors: dict[str, list[Any]] = {}
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name, messages in text_field_errors(instance, exclude).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise validation_failed(ValidationError(errors), prefix=prefix)


def contains_nul(value: Any) -> bool:
    """A NUL character anywhere in a JSON value, keys included (iterative: any depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def text_field_errors(instance: Any, exclude: Sequence[str]) -> dict[str, list[str]]:
    """What model validation leaves to forms: TextField.max_length (Django enforces it in
    forms only) and NUL characters, which PostgreSQL refuses in text and jsonb (a 500)."""
    errors: dict[str, list[str]] = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.name in exclude:
            continue
        value = getattr(instance, model_field.attname)
        if contains_nul(value):
            errors[model_field.name] = ["Null characters are not allowed."]
        elif (
            isinstance(model_field, TextField)
            and model_field.max_length
            and isinstance(value, str)
            and len(value) > model_field.max_length
        ):
            errors[model_field.name] = [
                f"Ensure this value has at most {model_field.max_length} characters "
                f"(it has {len(value)})."
            ]
    return errors


def check_version(current: int, expected: int | None) -> None:
    """Optimistic concurrency: the version the client edited must still be current."""
    if expected is not None and current != expected:
        raise PreconditionFailed(
            f"The dashboard is at version {current}, not {expected}.",
            details={"currentVersion": current},
        )


def uuid_or_invalid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(
            f"{field}: Must be a valid UUID.", details={field: ["Must be a valid UUID."]}
        ) from None


def active_user_or_404(user_id: Any) -> Any:
    pk = parse_user_id(user_id)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if user is None:
        raise UserNotFound()
    return user
