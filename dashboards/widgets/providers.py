"""One data provider per widget type: the project's metric points aggregated in the database.

Every provider runs one SQL query (with subqueries where "last" needs them) and returns
only aggregated rows; points are never loaded into Python. Shapes are in
docs/widget-data.md.

Time windows are whole UTC days (or months) ending with the current UTC day, so a
widget's data depends only on the stored points and today's date. That is what lets
`dashboards/widgets/data.py` cache it under (config, data version, date).
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, F, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from dashboards.models import MetricPoint
from dashboards.widgets import registry

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_GROUPS = 100  # a chart grouped by a dimension shows at most this many groups
TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
AGGREGATES = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}

# The metric each widget type reads; None for types without data.
FIXED_METRICS = {"revenue_chart": "revenue", "active_subscriptions": "active_subscriptions"}


def metric_of(type_name: str, config: dict[str, Any]) -> str | None:
    """The metric a widget's data comes from (so its cache entry follows that metric)."""
    if not registry.get(type_name).has_data:
        return None
    return FIXED_METRICS.get(type_name) or config.get("metric")


def with_defaults(type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The config with the schema's defaults filled in (the schema is the one source)."""
    properties = registry.get(type_name).config_schema.get("properties", {})
    filled = {k: spec["default"] for k, spec in properties.items() if "default" in spec}
    filled.update(config or {})
    return filled


# --- Helpers --------------------------------------------------------------------------


def _day_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """[start of the day `days - 1` days ago, start of tomorrow) in UTC."""
    today = _day_start(now.astimezone(UTC))
    return today - timedelta(days=days - 1), today + timedelta(days=1)


def _add_months(day: date, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _points(project_id: Any, metric: str, start: datetime | None, end: datetime) -> QuerySet:
    queryset = MetricPoint.objects.filter(project_id=project_id, metric=metric, timestamp__lt=end)
    if start is not None:
        queryset = queryset.filter(timestamp__gte=start)
    return queryset.order_by()


def _number(value: Any) -> int | float | None:
    """JSON-friendly: 5000 rather than 5000.0, and no float noise in the last digits."""
    if value is None:
        return None
    value = round(float(value), 10)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_datetime(value: Any) -> datetime:
    # Trunc gives a datetime on both databases; a date only if the field were a DateField.
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _period_label(moment: datetime, interval: str) -> str:
    return moment.strftime("%Y-%m") if interval == "month" else moment.strftime("%Y-%m-%d")


def _latest_only(points: QuerySet, interval: str | None) -> QuerySet:
    """Keep the points at the latest timestamp of their group ("last" aggregation).

    The value of a group is then the sum at that moment, so a metric split by dimensions
    gives its total at the latest time. Time buckets: a point whose timestamp is the
    latest of some bucket is the latest of its own bucket, so `IN` over the per-bucket
    maxima is exact.
    """
    if interval is None:
        latest = points.order_by("-timestamp").values("timestamp")[:1]
        return points.filter(timestamp=Subquery(latest))
    maxima = (
        points.annotate(bucket=TRUNC[interval]("timestamp", tzinfo=UTC))
        .values("bucket")
        .annotate(latest=Max("timestamp"))
        .values("latest")
    )
    return points.filter(timestamp__in=maxima)


def _latest_per_dimension(points: QuerySet, dimension: str) -> QuerySet:
    latest = (
        points.annotate(inner_group=KeyTextTransform(dimension, "dimensions"))
        .filter(inner_group=OuterRef("group"))
        .order_by("-timestamp")
        .values("timestamp")[:1]
    )
    return points.annotate(group=KeyTextTransform(dimension, "dimensions")).filter(
        timestamp=Subquery(latest)
    )


def _aggregate(aggregation: str) -> Any:
    if aggregation == "count":
        return Count("id")
    # "last" sums the points kept by _latest_only / _latest_per_dimension.
    return AGGREGATES.get(aggregation, Sum)("value")


def _series_by_time(points: QuerySet, interval: str, aggregation: str) -> list[dict[str, Any]]:
    if aggregation == "last":
        points = _latest_only(points, interval)
    rows = (
        points.annotate(bucket=TRUNC[interval]("timestamp", tzinfo=UTC))
        .values("bucket")
        .annotate(value=_aggregate(aggregation))
        .order_by("bucket")
    )
    return [
        {
            "period": _period_label(_as_datetime(row["bucket"]), interval),
            "value": _number(row["value"]),
        }
        for row in rows
    ]


def _series_by_dimension(
    points: QuerySet, dimension: str, aggregation: str, limit: int
) -> list[dict[str, Any]]:
    points = points.filter(dimensions__has_key=dimension)
    if aggregation == "last":
        points = _latest_per_dimension(points, dimension)
    else:
        points = points.annotate(group=KeyTextTransform(dimension, "dimensions"))
    rows = (
        points.values("group")
        .annotate(value=_aggregate(aggregation))
        .order_by(F("value").desc(nulls_last=True), "group")[:limit]
    )
    return [{"dimension": str(row["group"]), "value": _number(row["value"])} for row in rows]


# --- Providers ------------------------------------------------------------------------


@registry.register_provider("revenue_chart")
def revenue_chart(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Sum of `revenue` per calendar month (UTC), the last `months` months, oldest first."""
    config = with_defaults("revenue_chart", config)
    today = now.astimezone(UTC).date()
    start = _add_months(today, -(config["months"] - 1))
    end = _add_months(today, 1)
    series = _series_by_time(_points(project_id, "revenue", start, end), "month", "sum")
    for item in series:
        item["month"] = MONTHS[int(item["period"][5:7]) - 1]
    return {
        "series": [
            {"month": item["month"], "period": item["period"], "value": item["value"]}
            for item in series
        ]
    }


@registry.register_provider("active_subscriptions")
def active_subscriptions(
    *, project_id: Any, config: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The latest value of `active_subscriptions` (summed over dimensions at that moment)."""
    _, end = _window(now, 1)
    points = _latest_only(_points(project_id, "active_subscriptions", None, end), None)
    row = points.aggregate(value=Sum("value"), as_of=Max("timestamp"))
    return {"value": _number(row["value"]), "asOf": _iso(row["as_of"])}


@registry.register_provider("kpi")
def kpi(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One number: `metric` over the last `days` days by `aggregation` (default: last)."""
    config = with_defaults("kpi", config)
    start, end = _window(now, config["days"])
    points = _points(project_id, config["metric"], start, end)
    if config["aggregation"] == "last":
        points = _latest_only(points, None)
    row = points.aggregate(value=_aggregate(config["aggregation"]), as_of=Max("timestamp"))
    value = _number(row["value"])
    if config["aggregation"] == "count" and value is None:
        value = 0
    data: dict[str, Any] = {
        "value": value,
        "aggregation": config["aggregation"],
        "asOf": _iso(row["as_of"]),
    }
    if "unit" in config:
        data["unit"] = config["unit"]
    return data


def _chart(type_name: str, project_id: Any, config: dict[str, Any], now: datetime) -> Any:
    config = with_defaults(type_name, config)
    start, end = _window(now, config["days"])
    points = _points(project_id, config["metric"], start, end)
    group_by = config.get("groupBy", "dimension")
    if group_by == "dimension":
        limit = config.get("limit", MAX_GROUPS)
        series = _series_by_dimension(points, config["dimension"], config["aggregation"], limit)
    else:
        series = _series_by_time(points, group_by, config["aggregation"])
    return {"series": series}


@registry.register_provider("line_chart")
def line_chart(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _chart("line_chart", project_id, config, now)


@registry.register_provider("bar_chart")
def bar_chart(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _chart("bar_chart", project_id, config, now)


@registry.register_provider("pie_chart")
def pie_chart(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The top `limit` values of `dimension`, largest first."""
    return _chart("pie_chart", project_id, config, now)


@registry.register_provider("table")
def table(*, project_id: Any, config: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _chart("table", project_id, config, now)


@registry.register_provider("text")
def text(*, project_id: Any, config: dict[str, Any], now: datetime) -> None:
    """Static markdown: the page renders `config.markdown`; there is no data."""
    return None
