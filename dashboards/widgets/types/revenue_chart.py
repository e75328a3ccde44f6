"""revenue_chart: the sum of the project's `revenue` metric per calendar month (UTC)."""

from datetime import UTC, date, datetime
from typing import Any

from dashboards.widgets import query
from dashboards.widgets.common import MONTHS, DataRequest, number
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import FILTERS

METRIC = "revenue"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "months": {
            "type": "integer",
            "minimum": 1,
            "maximum": 120,
            "default": 12,
            "description": "Months up to the current one. Set, it wins over the dashboard's "
            "time range.",
        },
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "filters": FILTERS,
    },
    "additionalProperties": False,
}

DATA_SCHEMA = {
    "type": "object",
    "properties": {
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "month": {"enum": list(MONTHS)},
                    "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                    "value": {"type": "number"},
                },
                "required": ["month", "period", "value"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["series"],
    "additionalProperties": False,
}


def _add_months(day: date, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def provider(request: DataRequest) -> dict[str, Any]:
    """Sum per calendar month, the last `months` months (or the dashboard's range)."""
    config = request.config
    if "months" in config or request.variables.time_range is None:
        today = request.now.astimezone(UTC).date()
        start = _add_months(today, -(config.get("months", 12) - 1))
        end = _add_months(today, 1)
    else:
        start, end = request.variables.time_range
    filters = query.resolve_filters(config, request.variables)
    chosen = query.Selection(request.project_id, METRIC, start, end, filters)
    rows = query.by_time(chosen, "month", "sum", request.deadline)
    return {
        "series": [
            {
                "month": MONTHS[bucket.month - 1],
                "period": bucket.strftime("%Y-%m"),
                "value": number(value),
            }
            for bucket, value in rows
        ]
    }


WIDGET_TYPE = WidgetType(
    name="revenue_chart",
    description=(
        "Monthly revenue: the sum of the project's `revenue` metric per calendar month "
        "over the last `months` months, oldest first."
    ),
    sizes=("medium", "large", "full"),
    config_schema=CONFIG_SCHEMA,
    data_schema=DATA_SCHEMA,
    provider=provider,
    fixed_metric=METRIC,
    render=Render(kind="chart", chart="bar"),
)
