"""What the provider of every widget type shares: its inputs, JSON-friendly numbers, labels."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dashboards.widgets import query
from dashboards.widgets.deadline import Deadline
from dashboards.widgets.query import NO_VARIABLES, Variables

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class DataRequest:
    """Everything a provider reads: the widget's config as stored (so that what it sets
    explicitly can win over the dashboard's variables), the moment, the variables and the
    request's time budget."""

    project_id: Any
    config: dict[str, Any]
    now: datetime
    variables: Variables = NO_VARIABLES
    deadline: Deadline = field(default_factory=Deadline)


def number(value: Any) -> int | float | None:
    """JSON-friendly: 5000 rather than 5000.0, and no float noise in the last digits."""
    if value is None:
        return None
    value = round(float(value), 10)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def period_label(moment: datetime, interval: str) -> str:
    return moment.strftime("%Y-%m") if interval == "month" else moment.strftime("%Y-%m-%d")


def selection(request: DataRequest, metric: str, default_days: int) -> query.Selection:
    start, end = query.resolve_range(
        request.config, request.variables, now=request.now, default_days=default_days
    )
    filters = query.resolve_filters(request.config, request.variables)
    return query.Selection(request.project_id, metric, start, end, filters)


def chart_series(request: DataRequest, config: dict[str, Any]) -> dict[str, Any]:
    """The series of a chart or table: per time bucket, or per value of a dimension."""
    chosen = selection(request, config["metric"], config["days"])
    aggregation = config["aggregation"]
    group_by = config.get("groupBy", "dimension")
    if group_by == "dimension":
        limit = config.get("limit", query.MAX_GROUPS)
        rows = query.by_dimension(chosen, config["dimension"], aggregation, limit, request.deadline)
        return {"series": [{"dimension": key, "value": number(value)} for key, value in rows]}
    rows = query.by_time(chosen, group_by, aggregation, request.deadline)
    return {
        "series": [
            {"period": period_label(bucket, group_by), "value": number(value)}
            for bucket, value in rows
        ]
    }
