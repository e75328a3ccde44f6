"""The query layer under every widget provider: one SQL statement per widget, in one pass.

A provider describes what it wants as a `Selection` (project, metric, a half-open time range
[start, end), dimension equality filters) and asks for one of three shapes: a single
aggregate, a series per time bucket, or a series per value of a dimension (top N). This
module turns that into one statement over *records*:

- day rollups for the whole UTC days of the range: the all-points projection when no
  dimension matters, one dimension's projection when only that one does (grouped by it or
  filtered on it), a pair's when two do (filtered on one, grouped by the other), the full
  dimension sets otherwise,
- hour rollups for the whole hours at its edges,
- raw points only for the partial hours at its very edges,

(`UNION ALL`, so a range cut anywhere stays exact), then aggregates the records once. A
record carries sum, count, min, max and its latest point (time, value); a raw point is a
record of one. Every aggregation combines exactly: sum of sums, sum of counts, min of
minima, max of maxima, avg = sum / count, and `last` = the sum of the records' latest values
at the group's latest time, found with a window `MAX(last_time) OVER (PARTITION BY group)`
in the same pass (never a subquery per point or per group). Groups are capped in SQL.

The range and filters come from the widget's config and, where the config leaves them out,
from the dashboard's variables (`Variables`): see `resolve_range` / `resolve_filters`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from dashboards import sqldialect as sql
from dashboards.rollups import projection_name, value_columns
from dashboards.widgets.deadline import Deadline

POINTS = "dashboards_metricpoint"
ROLLUPS = "dashboards_metricrollup"
MAX_GROUPS = 100  # a series grouped by a dimension has at most this many groups
MAX_TIME_BUCKETS = 3660  # a time series keeps its latest this many buckets
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Variables:
    """Dashboard-wide variables as resolved for one read: a time range and dimension filters.

    `time_range` is [from, to) in UTC. A widget's own config wins: a widget with `days` (or
    `months`) keeps its window, a widget filter on a dimension keeps its value.
    """

    time_range: tuple[datetime, datetime] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.time_range is not None:
            start, end = self.time_range
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("a time range needs aware datetimes")
            if not start < end:
                raise ValueError("a time range must have from < to")

    def identity(self) -> list[Any]:
        """What a cache key needs to tell two variable sets apart."""
        time_range = [moment.astimezone(UTC).isoformat() for moment in self.time_range or ()]
        return [time_range, sorted(self.filters.items())]


NO_VARIABLES = Variables()


@dataclass(frozen=True)
class Selection:
    project_id: Any
    metric: str
    start: datetime | None  # None: from the first point
    end: datetime
    filters: Mapping[str, str] = field(default_factory=dict)


# --- Window and filter resolution (config first, then the dashboard's variables) ---------


def day_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def last_days(now: datetime, days: int) -> tuple[datetime, datetime]:
    """[start of the day `days - 1` days ago, start of tomorrow) in UTC."""
    today = day_start(now)
    return today - timedelta(days=days - 1), today + DAY


def resolve_range(
    config: Mapping[str, Any],
    variables: Variables,
    *,
    now: datetime,
    default_days: int,
) -> tuple[datetime, datetime]:
    if "days" in config:
        return last_days(now, int(config["days"]))
    if variables.time_range is not None:
        return variables.time_range
    return last_days(now, default_days)


def resolve_filters(config: Mapping[str, Any], variables: Variables) -> dict[str, str]:
    return {**variables.filters, **(config.get("filters") or {})}


# --- Records: rollups where whole buckets fit, raw points at the edges -------------------


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step


def _floor(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(UTC)
    if step == DAY:
        return day_start(moment)
    return moment.replace(minute=0, second=0, microsecond=0)


def segments(start: datetime | None, end: datetime) -> list[tuple[str, datetime | None, datetime]]:
    """Split [start, end) into ('d' | 'h' | 'raw', from, to) parts, whole buckets inside."""
    if not getattr(settings, "METRICS_ROLLUPS", True):
        return [("raw", start, end)]
    parts: list[tuple[str, datetime | None, datetime]] = []
    last_day, last_hour = _floor(end, DAY), _floor(end, HOUR)
    first_day = None if start is None else _ceil(start, DAY)
    if start is None or first_day < last_day:
        if start is not None:
            first_hour = _ceil(start, HOUR)
            parts += [("raw", start, first_hour), ("h", first_hour, first_day)]
        parts += [("d", first_day, last_day), ("h", last_day, last_hour), ("raw", last_hour, end)]
    else:
        first_hour = _ceil(start, HOUR)
        if first_hour < last_hour:
            parts += [("raw", start, first_hour), ("h", first_hour, last_hour)]
            parts += [("raw", last_hour, end)]
        else:
            parts.append(("raw", start, end))
    return [(kind, lo, hi) for kind, lo, hi in parts if lo is None or lo < hi]


def _filter_sql(filters: Mapping[str, str], projection: str) -> tuple[str, list[Any]]:
    """Equality filters on the dimensions: a projection's own value columns where it has
    them (an index range), the JSON column otherwise."""
    columns = value_columns(projection)
    clauses, params = [], []
    for name, value in sorted(filters.items()):
        if name in columns:
            clauses.append(f" AND {columns[name]} = %s")
        else:
            clauses.append(f" AND {sql.dimension('dimensions')} = %s")
            params.append(sql.dimension_param(name))
        params.append(value)
    return "".join(clauses), params


def projection_for(selection: Selection, group_dimension: str | None) -> str:
    """Which day rows answer: the narrowest projection holding every dimension the widget
    filters on or groups by (`rollups.projection_name`)."""
    needed = set(selection.filters)
    if group_dimension:
        needed.add(group_dimension)
    return projection_name(needed)


def records(selection: Selection, group_dimension: str | None = None) -> tuple[str, list[Any]]:
    """SQL of the selection's records: (t, dims, total, n, minimum, maximum, last_time,
    last_value)."""
    project = sql.db_uuid(selection.project_id)
    projection = projection_for(selection, group_dimension)
    parts, params = [], []
    for kind, lo, hi in segments(selection.start, selection.end):
        if kind == "raw":
            text = (
                "SELECT timestamp AS t, dimensions AS dims, value AS total, 1 AS n, "
                "value AS minimum, value AS maximum, timestamp AS last_time, value AS last_value "
                f"FROM {POINTS} WHERE project_id = %s AND metric = %s"
            )
            part_params: list[Any] = [project, selection.metric]
            column, rows = "timestamp", ""
        else:
            text = (
                "SELECT bucket AS t, dimensions AS dims, total, count AS n, minimum, maximum, "
                f"last_time, last_value FROM {ROLLUPS} "
                "WHERE project_id = %s AND metric = %s AND grain = %s AND projection = %s"
            )
            # Projections exist for days; hours keep full dimension sets only.
            rows = projection if kind == "d" else ""
            part_params = [project, selection.metric, kind, rows]
            column = "bucket"
        if lo is not None:
            text += f" AND {column} >= %s"
            part_params.append(sql.db_datetime(lo))
        text += f" AND {column} < %s"
        part_params.append(sql.db_datetime(hi))
        where, filter_params = _filter_sql(selection.filters, rows)
        parts.append(text + where)
        params += part_params + filter_params
    return " UNION ALL ".join(parts), params


# --- Aggregation ---------------------------------------------------------------------------

_VALUE = {
    "sum": "SUM(total)",
    "count": "SUM(n)",
    "avg": "SUM(total) / SUM(n)",
    "min": "MIN(minimum)",
    "max": "MAX(maximum)",
    "last": "SUM(CASE WHEN last_time = group_last THEN last_value END)",
}


def _grouped(
    selection: Selection,
    key_sql: str,
    key_params: list[Any],
    aggregation: str,
    tail: str,
    group_dimension: str | None = None,
) -> tuple[str, list[Any]]:
    body, params = records(selection, group_dimension)
    value = _VALUE[aggregation]
    statement = f"""
        SELECT k, {value} AS value, MAX(last_time) AS as_of
        FROM (
            SELECT y.*, MAX(last_time) OVER (PARTITION BY k) AS group_last
            FROM (SELECT {key_sql} AS k, total, n, minimum, maximum, last_time, last_value
                  FROM ({body}) r) y
            WHERE k IS NOT NULL
        ) x
        GROUP BY k
        {tail}
    """
    return statement, key_params + params


def run(statement: str, params: list[Any], deadline: Deadline) -> list[tuple[Any, ...]]:
    """Run one provider statement within the request's remaining budget."""
    deadline.check()
    if connection.vendor == "postgresql":
        # A transaction of its own (a savepoint inside a caller's): SET LOCAL ends with it,
        # and a cancelled statement leaves no aborted transaction behind.
        with transaction.atomic(), connection.cursor() as cursor, deadline.statement(cursor):
            cursor.execute(statement, params)
            return cursor.fetchall()
    with connection.cursor() as cursor, deadline.statement(cursor):
        cursor.execute(statement, params)
        return cursor.fetchall()


def total(
    selection: Selection, aggregation: str, deadline: Deadline
) -> tuple[Any, datetime | None]:
    """(value, time of the latest point) over the whole selection; (None, None) if empty."""
    statement, params = _grouped(selection, "1", [], aggregation, "")
    rows = run(statement, params, deadline)
    if not rows:
        return None, None
    return rows[0][1], sql.py_datetime(rows[0][2])


def by_time(
    selection: Selection, interval: str, aggregation: str, deadline: Deadline
) -> list[tuple[datetime, Any]]:
    """(bucket start, value) per UTC day/week/month with points, oldest first (capped)."""
    key = sql.trunc(interval, "t")
    tail = f"ORDER BY k DESC LIMIT {MAX_TIME_BUCKETS}"
    statement, params = _grouped(selection, key, [], aggregation, tail)
    rows = run(statement, params, deadline)
    return [(sql.py_datetime(row[0]), row[1]) for row in reversed(rows)]


def by_dimension(
    selection: Selection, dimension: str, aggregation: str, limit: int, deadline: Deadline
) -> list[tuple[str, Any]]:
    """(dimension value, value) for the top `limit` groups, largest first, ties by name.

    Points without the dimension are left out.
    """
    limit = max(1, min(int(limit), MAX_GROUPS))
    key = sql.dimension("dims")
    tail = f"ORDER BY value DESC, k LIMIT {limit}"
    statement, params = _grouped(
        selection, key, [sql.dimension_param(dimension)], aggregation, tail, dimension
    )
    return [(str(row[0]), row[1]) for row in run(statement, params, deadline)]
