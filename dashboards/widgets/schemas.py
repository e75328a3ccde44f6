"""Pieces of JSON Schema shared by the widget type modules: config fragments and data shapes.

A leaf module (no Django, no models), so that models, ingestion and the type modules can all
import the names they share (the metric name pattern, sizes, aggregations) without cycles.
Data schemas are JSON Schema (2020-12, as /api/widget-types publishes them);
`openapi_schema()` spells one for OpenAPI 3.0 (`nullable` instead of a `null` type).
"""

from typing import Any

SIZES = ("small", "medium", "large", "full")
METRIC_NAME_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
DIMENSION_NAME_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
AGGREGATIONS = ["sum", "avg", "min", "max", "last", "count"]
INTERVALS = ["day", "week", "month"]
MAX_DAYS = 3660
MAX_FILTERS = 3

METRIC = {"type": "string", "pattern": METRIC_NAME_PATTERN, "description": "Metric name."}
AGGREGATION = {
    "enum": AGGREGATIONS,
    "default": "sum",
    "description": "How the points of one group are combined.",
}
DAYS = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_DAYS,
    "default": 90,
    "description": (
        "How many days back from now the widget looks. Set, it wins over the dashboard's "
        "time range; left out, the dashboard's range applies (90 days without one)."
    ),
}
DIMENSION = {
    "type": "string",
    "pattern": DIMENSION_NAME_PATTERN,
    "description": "Dimension key to group by.",
}
FILTERS = {
    "type": "object",
    "description": (
        "Only points whose dimensions have these values. A dimension named here wins over "
        "a dashboard variable on the same dimension."
    ),
    "maxProperties": MAX_FILTERS,
    "propertyNames": {"pattern": DIMENSION_NAME_PATTERN},
    "additionalProperties": {"type": "string", "maxLength": 200},
}
TITLEISH = {"type": "string", "maxLength": 32}


def chart_config(group_by_default: str, *, dimension_only: bool = False) -> dict[str, Any]:
    """Config of the charts and the table: a metric, an aggregation, a window, a grouping."""
    properties: dict[str, Any] = {
        "metric": METRIC,
        "aggregation": AGGREGATION,
        "days": DAYS,
        "dimension": DIMENSION,
        "filters": FILTERS,
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": ["metric"],
        "additionalProperties": False,
    }
    if dimension_only:
        schema["required"] = ["metric", "dimension"]
        properties["limit"] = {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}
    else:
        properties["groupBy"] = {
            "enum": [*INTERVALS, "dimension"],
            "default": group_by_default,
            "description": "Group points by time bucket, or by the value of `dimension`.",
        }
        # groupBy=dimension needs to know which dimension.
        schema["if"] = {"properties": {"groupBy": {"const": "dimension"}}, "required": ["groupBy"]}
        schema["then"] = {"required": ["metric", "dimension"]}
    return schema


# --- Data shapes ------------------------------------------------------------------------

NUMBER = {"type": "number"}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_NUMBER = {"type": ["number", "null"]}

PERIOD_ITEM = {
    "type": "object",
    "properties": {
        "period": {
            "type": "string",
            "description": "Start of the bucket: YYYY-MM-DD (day, week's Monday) or YYYY-MM.",
        },
        "value": NUMBER,
    },
    "required": ["period", "value"],
    "additionalProperties": False,
}
DIMENSION_ITEM = {
    "type": "object",
    "properties": {"dimension": {"type": "string"}, "value": NUMBER},
    "required": ["dimension", "value"],
    "additionalProperties": False,
}


def series_data(*items: dict[str, Any]) -> dict[str, Any]:
    item = items[0] if len(items) == 1 else {"oneOf": list(items)}
    return {
        "type": "object",
        "properties": {"series": {"type": "array", "items": item}},
        "required": ["series"],
        "additionalProperties": False,
    }


def openapi_schema(schema: Any) -> Any:
    """A data schema for OpenAPI 3.0: `"type": [X, "null"]` becomes `X` with `nullable`."""
    if isinstance(schema, list):
        return [openapi_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: openapi_schema(value) for key, value in schema.items()}
    kind = schema.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        if len(others) == 1:
            converted["type"] = others[0]
            if "null" in kind:
                converted["nullable"] = True
    if kind == "null":
        converted = {"nullable": True, "enum": [None]}
    return converted
