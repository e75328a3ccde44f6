"""Family 2 input shapes and query parameters: JSON types only, never business rules.

DRF's own fields coerce (`123` becomes `"123"`, `5` becomes a UUID, `"5"` an integer); the
strict fields below refuse what JSON did not say, so a wrong type is a 400 that names it.
Output is built as plain dicts in the views (lists straight from `.values()`); the output
serializers here describe those shapes for the browsable API and the OpenAPI schema.
Every class has a `V1…` ref_name, so its schema component never collides with family 1's.
"""

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema_field, inline_serializer
from rest_framework import serializers

from dashboards.api.fields import (
    WIDGET_INPUT_SCHEMA,
    ObjectField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)
from dashboards.api.transfer import message_field
from dashboards.api.widget_schema import AppliedVariablesField
from dashboards.exceptions import ValidationFailed
from dashboards.limits import (
    DESCRIPTION_MAX_LENGTH,
    MAX_REFRESH_INTERVAL,
    MAX_WIDGETS,
    MIN_REFRESH_INTERVAL,
    NAME_MAX_LENGTH,
    ROLES,
    SLUG_PATTERN,
)
from dashboards.models import Scope

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Skipping reads every skipped row; deeper pages follow the Link header's cursor, which
# costs what the first page costs (docs/v1-paging.md). Family 1's $skip has the same bound.
MAX_OFFSET = 10_000


# --- Input ----------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "description": "The whole dashboard document; keys other than these four are kept "
        "verbatim. Widget configs are described by GET /api/widget-types.",
        "properties": {
            "description": {"type": "string", "maxLength": DESCRIPTION_MAX_LENGTH},
            "type": {"type": "string", "pattern": SLUG_PATTERN},
            "refreshInterval": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_REFRESH_INTERVAL,
                "description": f"0 (manual refresh) or {MIN_REFRESH_INTERVAL} to "
                f"{MAX_REFRESH_INTERVAL} seconds.",
            },
            "widgets": {"type": "array", "maxItems": MAX_WIDGETS, "items": WIDGET_INPUT_SCHEMA},
        },
        "additionalProperties": {},
    }
)
class DocumentField(serializers.JSONField):
    """The definition document; its shape is checked by documents.v1_spec."""


@extend_schema_field({"type": "string", "enum": list(ROLES)})
class RoleField(StrictCharField):
    """A role name; which roles exist is the services' rule (membership_set)."""


class DashboardInputSerializer(serializers.Serializer):
    id = StrictUUIDField(required=False, allow_null=True, help_text="Omit to create.")
    name = StrictCharField(max_length=NAME_MAX_LENGTH, initial="New dashboard")
    # Shape is checked by documents.v1_spec, so that its messages name the key.
    definition = DocumentField(required=False, default=dict, initial=dict)
    version = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version you edited; a newer one on the server answers 412.",
    )
    # Beside `version`: both describe this save, not the dashboard (docs/history.md).
    message = message_field()

    class Meta:
        ref_name = "V1DashboardInput"


class DashboardSaveSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.values, default=Scope.USER, initial=Scope.USER)
    dashboard = DashboardInputSerializer()

    class Meta:
        ref_name = "V1DashboardSave"


class ProjectInputSerializer(serializers.Serializer):
    id = StrictUUIDField(required=False, allow_null=True, help_text="Omit to create.")
    name = StrictCharField()
    description = StrictCharField(required=False, allow_blank=True)
    metadata = ObjectField(required=False)

    class Meta:
        ref_name = "V1ProjectInput"


class ProjectSaveSerializer(serializers.Serializer):
    project = ProjectInputSerializer()

    class Meta:
        ref_name = "V1ProjectSave"


class MemberInputSerializer(serializers.Serializer):
    user_id = StrictIntegerField()
    role = RoleField(help_text="viewer, editor or admin.")

    class Meta:
        ref_name = "V1MemberInput"


# --- Output (plain dicts are built in the views; these document them) -------------------


class DashboardListItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    project_id = serializers.UUIDField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "V1DashboardListItem"


class DashboardSerializer(DashboardListItemSerializer):
    scope = serializers.ChoiceField(choices=Scope.values)
    definition = serializers.JSONField()
    version = serializers.IntegerField()
    variables = AppliedVariablesField()

    class Meta:
        ref_name = "V1Dashboard"


class ProjectSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.JSONField()
    owner_id = serializers.IntegerField()
    is_personal = serializers.BooleanField()
    role = serializers.CharField(help_text="Your role in the project.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "V1Project"


class MemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "V1Member"


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    is_staff = serializers.BooleanField()

    class Meta:
        ref_name = "V1Me"


def envelope(name: str, data: serializers.Field) -> serializers.Serializer:
    """The success envelope around `data`, for the schema (the views build plain dicts)."""
    return inline_serializer(
        name=f"V1{name}Envelope",
        fields={
            "data": data,
            "message": serializers.CharField(),
            "status": serializers.ChoiceField(choices=["success"]),
        },
    )


def saved_envelope(name: str) -> serializers.Serializer:
    return envelope(
        name, inline_serializer(name=f"V1{name}Id", fields={"id": serializers.UUIDField()})
    )


SCOPE_LIST_PARAMETER = OpenApiParameter(
    "scope",
    {"type": "string", "enum": ["user", "project", "user,project", "project,user"]},
    description="user, project or user,project (default user).",
)
SCOPE_PARAMETER = OpenApiParameter(
    "scope", {"type": "string", "enum": Scope.values}, description="user or project (default user)."
)
PAGING_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        description="Rows in the page: 1 to 1000 (default 100).",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        description="Rows skipped (default 0, at most 10,000; deeper pages follow the "
        "`Link` header's cursor).",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "maxLength": 2000},
        description="Opaque position from a `Link` header (`rel=next` or `rel=prev`); "
        "not with `offset`. A token that was altered is a 400.",
    ),
]
_DATE_TIME = {"type": "string", "format": "date-time"}
DASHBOARD_FILTER_PARAMETERS = [
    OpenApiParameter(
        "name",
        {"type": "string", "maxLength": NAME_MAX_LENGTH},
        description="Name contains this (case-insensitive).",
    ),
    OpenApiParameter(
        "type",
        {"type": "string", "pattern": SLUG_PATTERN},
        description="Exactly this dashboard type, e.g. `sales`.",
    ),
    *[
        OpenApiParameter(
            f"{column}_{bound}",
            _DATE_TIME,
            description=f"{column} {'at or after' if bound == 'after' else 'at or before'} "
            "this instant (ISO 8601; no offset means UTC).",
        )
        for column in ("created_at", "updated_at")
        for bound in ("after", "before")
    ],
]


# --- Query parameters ------------------------------------------------------------------


def parse_scopes(value: str | None, *, many: bool) -> list[str]:
    """`scope` query parameter: default `user`; lists take `user,project`."""
    if value is None:
        return [Scope.USER]
    parts = [part.strip() for part in value.split(",")] if many else [value.strip()]
    if not parts or any(part not in Scope.values for part in parts):
        allowed = ", ".join(Scope.values)
        hint = f"one or more of {allowed}, comma-separated" if many else f"one of {allowed}"
        message = f"Scope {value!r} is not valid; use {hint}."
        raise ValidationFailed(f"scope: {message}", details={"scope": [message]})
    return list(dict.fromkeys(parts))


def parse_path_uuid(value: str, name: str) -> uuid.UUID:
    """A UUID from the URL; a malformed one is a 400 (it cannot name anything)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        message = f"{value!r} is not a valid UUID."
        raise ValidationFailed(f"{name}: {message}", details={name: [message]}) from None


def parse_paging(query: Any) -> tuple[int, int, str | None]:
    """`limit` (default 100, 1 to 1000), `offset` (0 to 10,000) and `cursor` (or None)."""
    limit = _query_int(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _query_int(query, "offset", 0, 0, MAX_OFFSET)
    cursor = query.get("cursor")
    if cursor is not None and query.get("offset") is not None:
        message = "Use cursor or offset, not both."
        raise ValidationFailed(message, details={"cursor": [message]}, code="INVALID_QUERY")
    return limit, offset, cursor


def _query_int(query: Any, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    text = raw.strip()
    in_range = text.isascii() and text.isdigit() and low <= int(text) <= high
    if not in_range:
        message = f"{name} must be an integer from {low} to {high}; got {raw!r}."
        if name == "offset" and text.isascii() and text.isdigit():
            message += " Deeper pages: follow the Link header (rel=next)."
        raise ValidationFailed(message, details={name: [message]}, code="INVALID_QUERY")
    return int(text)
