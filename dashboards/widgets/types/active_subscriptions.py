"""active_subscriptions: the latest value of the project's `active_subscriptions` metric."""

from typing import Any

from dashboards.widgets import query
from dashboards.widgets.common import DataRequest, iso, number
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import FILTERS, NULLABLE_NUMBER, TIMESTAMP

METRIC = "active_subscriptions"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {"filters": FILTERS},
    "additionalProperties": False,
}

DATA_SCHEMA = {
    "type": "object",
    "properties": {"value": NULLABLE_NUMBER, "asOf": TIMESTAMP},
    "required": ["value", "asOf"],
    "additionalProperties": False,
}


def provider(request: DataRequest) -> dict[str, Any]:
    """The total at the latest moment up to today (or within the dashboard's range)."""
    if request.variables.time_range is not None:
        start, end = request.variables.time_range
    else:
        start, end = None, query.last_days(request.now, 1)[1]
    filters = query.resolve_filters(request.config, request.variables)
    chosen = query.Selection(request.project_id, METRIC, start, end, filters)
    value, as_of = query.total(chosen, "last", request.deadline)
    return {"value": number(value), "asOf": iso(as_of)}


WIDGET_TYPE = WidgetType(
    name="active_subscriptions",
    description="The latest value of the project's `active_subscriptions` metric.",
    sizes=("small", "medium"),
    config_schema=CONFIG_SCHEMA,
    data_schema=DATA_SCHEMA,
    provider=provider,
    fixed_metric=METRIC,
    render=Render(kind="number"),
)
