"""Widget `data` and `error` in the OpenAPI schema, from the widget type modules.

Generated clients see the types' data shapes (`anyOf`: an empty series fits several
types, so `oneOf` would refuse it) instead of `Any`; the same schemas are in
`/api/widget-types` as `dataSchema`. Types with the same shape share one entry.
"""

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboards.widgets import registry
from dashboards.widgets.schemas import openapi_schema


def _data_schema() -> dict[str, Any]:
    by_shape: dict[str, list[str]] = {}
    for widget_type in registry.all_types():
        if widget_type.data_schema is None or widget_type.data_schema.get("type") == "null":
            continue
        key = json.dumps(openapi_schema(widget_type.data_schema), sort_keys=True)
        by_shape.setdefault(key, []).append(widget_type.name)
    shapes = [
        {**json.loads(key), "title": f"{', '.join(names)} data"} for key, names in by_shape.items()
    ]
    return {
        "anyOf": shapes,
        "nullable": True,
        "description": (
            "Computed from the metrics; its shape depends on the widget's `type` (see "
            "`dataSchema` in /api/widget-types). null for text widgets and when `error` is set."
        ),
    }


@extend_schema_field(_data_schema(), component_name="WidgetDataValue")
class WidgetDataField(serializers.JSONField):
    pass


class WidgetErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["WIDGET_TIMEOUT", "WIDGET_DATA_ERROR"])
    message = serializers.CharField()


@extend_schema_field(
    {
        "type": "object",
        "description": (
            "The value each declared variable had for this read, by name: `value` (null: no "
            "time range / no filter), `source` (default, locked or request) and, for the "
            "time range, the UTC instants it resolved to ([from, to))."
        ),
        "additionalProperties": {
            "type": "object",
            "properties": {
                "value": {"type": "string", "nullable": True},
                "source": {"enum": ["default", "locked", "request"]},
                "from": {"type": "string", "format": "date-time", "nullable": True},
                "to": {"type": "string", "format": "date-time", "nullable": True},
            },
            "required": ["value", "source"],
            "additionalProperties": False,
        },
    },
    component_name="AppliedVariables",
)
class AppliedVariablesField(serializers.JSONField):
    pass
