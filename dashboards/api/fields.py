"""Strict JSON fields for both API families' input serializers.

DRF's own fields coerce (`123` becomes `"123"`, `5` becomes a UUID, `"5"` an integer); these
refuse what JSON did not say, so a wrong type is a 400 that names the field.
"""

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboards.limits import (
    MAX_SHARE_FRAME_ANCESTORS,
    MAX_SHARE_VARIABLES,
    MAX_WIDGETS,
    SHARE_ORIGIN_MAX_LENGTH,
    SHARE_VARIABLE_VALUE_MAX_LENGTH,
    SIZES,
    VARIABLE_NAME_MAX_LENGTH,
    VARIABLE_NAME_PATTERN,
    WIDGET_KEY_PATTERN,
    WIDGET_TITLE_MAX_LENGTH,
)
from dashboards.widgets import registry


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ObjectField(serializers.JSONField):
    """Any JSON object, values verbatim (DictField would refuse nulls inside it)."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_object")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


# The widget shape both families take (family 1's `widgets`, v1's `definition.widgets`).
# Each type's `config` schema is served by GET /api/widget-types.
WIDGET_INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {
            "type": "string",
            "nullable": True,
            "pattern": WIDGET_KEY_PATTERN,
            "description": "Client key, e.g. widget_1; generated when omitted or null.",
        },
        "type": {"type": "string", "enum": registry.names()},
        "title": {"type": "string", "maxLength": WIDGET_TITLE_MAX_LENGTH},
        "size": {"type": "string", "enum": list(SIZES)},
        "config": {
            "type": "object",
            "nullable": True,
            "additionalProperties": {},
            "description": "Validated by the type's JSON Schema (GET /api/widget-types); "
            "null or absent is {}.",
        },
    },
    "required": ["type"],
}


@extend_schema_field({"type": "array", "maxItems": MAX_WIDGETS, "items": WIDGET_INPUT_SCHEMA})
class WidgetListField(serializers.ListField):
    """A list of widget objects; their rules are the services' and the registry's."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.JSONField())
        super().__init__(**kwargs)


# Share links' fields (both families; the rules are in dashboards/share_rules.py).
def variables_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=StrictCharField(
            max_length=SHARE_VARIABLE_VALUE_MAX_LENGTH, allow_blank=True, trim_whitespace=False
        ),
        **kwargs,
    )


def names_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.RegexField(VARIABLE_NAME_PATTERN, max_length=VARIABLE_NAME_MAX_LENGTH),
        max_length=MAX_SHARE_VARIABLES,
        **kwargs,
    )


def origins_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=SHARE_ORIGIN_MAX_LENGTH),
        max_length=MAX_SHARE_FRAME_ANCESTORS,
        **kwargs,
    )
