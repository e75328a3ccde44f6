"""kpi: one number, `metric` aggregated over the last `days` days (or the dashboard's range)."""

from typing import Any

from dashboards.widgets.common import DataRequest, iso, number, selection
from dashboards.widgets.query import total
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import (
    AGGREGATION,
    AGGREGATIONS,
    DAYS,
    FILTERS,
    METRIC,
    NULLABLE_NUMBER,
    TIMESTAMP,
    TITLEISH,
)

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "metric": METRIC,
        "aggregation": {**AGGREGATION, "default": "last"},
        "days": DAYS,
        "unit": TITLEISH,
        "filters": FILTERS,
    },
    "required": ["metric"],
    "additionalProperties": False,
}

DATA_SCHEMA = {
    "type": "object",
    "properties": {
        "value": NULLABLE_NUMBER,
        "aggregation": {"enum": AGGREGATIONS},
        "asOf": TIMESTAMP,
        "unit": {"type": "string"},
    },
    "required": ["value", "aggregation", "asOf"],
    "additionalProperties": False,
}


def provider(request: DataRequest) -> dict[str, Any]:
    """`last` (the default) is the total at the latest moment of the window."""
    config = WIDGET_TYPE.with_defaults(request.config)
    chosen = selection(request, config["metric"], config["days"])
    value, as_of = total(chosen, config["aggregation"], request.deadline)
    value = number(value)
    if config["aggregation"] == "count" and value is None:
        value = 0
    data: dict[str, Any] = {
        "value": value,
        "aggregation": config["aggregation"],
        "asOf": iso(as_of),
    }
    if "unit" in config:
        data["unit"] = config["unit"]
    return data


WIDGET_TYPE = WidgetType(
    name="kpi",
    description="One number: `metric` aggregated over the last `days` days.",
    sizes=("small", "medium"),
    config_schema=CONFIG_SCHEMA,
    data_schema=DATA_SCHEMA,
    provider=provider,
    render=Render(kind="number"),
)
