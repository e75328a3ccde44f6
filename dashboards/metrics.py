"""Metric ingestion and the per-series data versions that key cached widget data.

Ingestion validates the whole request before writing anything (all or nothing), then in one
transaction, with a fixed number of statements whatever the size:

1. the points go into the session's temporary table `metric_incoming` (PostgreSQL: `COPY`
   through psycopg; SQLite: one `executemany`);
2. one `INSERT … SELECT … ON CONFLICT (project, metric, timestamp, dimensions_key) DO
   UPDATE` upserts them (a replayed point with the same value is not rewritten);
3. `dashboards.rollups.refresh_touched` recomputes the hour and day rollups they touched;
4. the series rows (`MetricSeries`) of the metrics written get a new version.

The version lives in the database, in the same transaction as the points, so a cache key or
ETag that carries it can never name older data, whatever the cache holds (docs/widget-data.md).
"""

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from dashboards import rollups
from dashboards import sqldialect as sql
from dashboards.exceptions import PermissionDenied, ValidationFailed
from dashboards.limits import MAX_DIMENSION_VALUE_LENGTH
from dashboards.models import MetricSeries, Project, Role
from dashboards.permissions import has_project_role
from dashboards.rows import ModelRows
from dashboards.widgets.schemas import METRIC_NAME_PATTERN

MAX_POINTS = 10_000
MAX_DIMENSIONS = 20
MAX_ERRORS = 50  # details of a huge bad request stay readable
POINT_FIELDS = frozenset({"metric", "timestamp", "value", "dimensions"})
DEFAULT_MAX_METRICS_PER_PROJECT = 1000

_METRIC_RE = re.compile(METRIC_NAME_PATTERN)
_DIMENSION_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
# ISO 8601 with a date and a time; the offset is checked after parsing.
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


# --- Data versions ----------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesVersion:
    """What a widget's cache key and ETag carry for its metric: confirmed by the database."""

    version: int
    changed_at: datetime | None

    @property
    def token(self) -> str:
        # The time too: a database restored from a backup may count versions again.
        stamp = self.changed_at.isoformat() if self.changed_at else "-"
        return f"{self.version}@{stamp}"


NO_DATA = SeriesVersion(0, None)


def series_versions(project_id: Any, metrics: Iterable[str]) -> dict[str, SeriesVersion]:
    """The current version of each metric of a project: one query (none without metrics).

    A metric that never received a point has version 0; its first ingestion creates the row.
    """
    wanted = sorted(set(metrics))
    if not wanted:
        return {}
    # Written out (`dashboards.rows`): compiling the queryset was a third of a cached
    # widget-data read.
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {_SERIES_ROWS.columns} FROM {_SERIES_ROWS.table} "
            f"WHERE s.project_id = %s AND s.metric IN ({', '.join(['%s'] * len(wanted))})",
            [_SERIES_ROWS.db_value("project", project_id, db), *wanted],
        )
        rows = cursor.fetchall()
    found = {
        series.metric: SeriesVersion(series.version, series.changed_at)
        for series in (_SERIES_ROWS.instance(row, db) for row in rows)
    }
    return {metric: found.get(metric, NO_DATA) for metric in wanted}


_SERIES_ROWS = ModelRows(MetricSeries, "s")


def max_metrics_per_project() -> int:
    return int(getattr(settings, "METRICS_MAX_PER_PROJECT", DEFAULT_MAX_METRICS_PER_PROJECT))


# --- Ingestion --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def _parse_timestamp_text(raw: str) -> tuple[datetime | None, str | None]:
    # Points of one request often share timestamps (one per dimension set): parse each once.
    return _parse_timestamp(raw)


def _parse_timestamp(raw: Any) -> tuple[datetime | None, str | None]:
    if not isinstance(raw, str) or not _TIMESTAMP_RE.match(raw):
        return None, "Must be an ISO 8601 date-time string, e.g. 2026-01-03T10:00:00Z."
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None, "Not a valid ISO 8601 date-time."
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        # A naive time would silently depend on the server's zone: refuse it.
        return None, "Include a time zone: Z or an offset such as +02:00."
    try:
        return parsed.astimezone(UTC), None
    except OverflowError:
        return None, "Out of range once converted to UTC."


def _parse_value(raw: Any) -> tuple[float | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, "Must be a number."
    try:
        value = float(raw)
    except OverflowError:
        return None, "Number is too large."
    if not math.isfinite(value):
        return None, "Must be a finite number."
    return value, None


def _check_dimensions(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "Must be a JSON object of strings."
    if len(raw) > MAX_DIMENSIONS:
        return f"At most {MAX_DIMENSIONS} dimensions."
    for key, value in raw.items():
        if not _DIMENSION_KEY_RE.fullmatch(key):
            return f"Dimension name {key[:100]!r} must be 1-100 letters, digits or '_.:-'."
        if not isinstance(value, str):
            # Strings only (like Prometheus labels): grouping by a dimension then reads the
            # same on SQLite and PostgreSQL.
            return f"Dimension {key!r} must be a string."
        if "\x00" in value:
            # PostgreSQL's jsonb cannot store U+0000: refuse it here, not with a 500 there.
            return f"Dimension {key!r} must not contain NUL characters."
        if len(value) > MAX_DIMENSION_VALUE_LENGTH:
            return f"Dimension {key!r} is longer than {MAX_DIMENSION_VALUE_LENGTH} characters."
    return None


@dataclass
class _Seen:
    """Metric names and dimension sets already found valid in this request: a request
    repeats a few of each across thousands of points, so each is checked once."""

    metrics: set[str]
    dimensions: set[tuple[tuple[str, Any], ...]]


def _parse_point(
    index: int, raw: Any, errors: dict[str, list[str]], seen: _Seen
) -> dict[str, Any] | None:
    where = f"points[{index}]"
    if not isinstance(raw, dict):
        errors[where] = ["Must be a JSON object with metric, timestamp and value."]
        return None
    count = len(errors)
    if not raw.keys() <= POINT_FIELDS:
        unknown = sorted(str(key) for key in raw.keys() - POINT_FIELDS)
        errors[where] = [f"Unknown field(s): {', '.join(unknown)}."]
    metric = raw.get("metric")
    if not (isinstance(metric, str) and metric in seen.metrics):
        if not isinstance(metric, str) or not _METRIC_RE.fullmatch(metric):
            errors[f"{where}.metric"] = ["Required: 1-100 letters, digits or '_.:-'."]
        else:
            seen.metrics.add(metric)
    if "timestamp" not in raw:
        errors[f"{where}.timestamp"] = ["This field is required."]
        timestamp = None
    else:
        stamp = raw["timestamp"]
        timestamp, problem = (
            _parse_timestamp_text(stamp) if isinstance(stamp, str) else _parse_timestamp(stamp)
        )
        if problem:
            errors[f"{where}.timestamp"] = [problem]
    if "value" not in raw:
        errors[f"{where}.value"] = ["This field is required."]
        value = None
    else:
        value, problem = _parse_value(raw["value"])
        if problem:
            errors[f"{where}.value"] = [problem]
    dimensions = raw.get("dimensions")
    if dimensions is None:
        dimensions = {}
    elif not _known_dimensions(dimensions, seen):
        problem = _check_dimensions(dimensions)
        if problem:
            errors[f"{where}.dimensions"] = [problem]
        else:
            seen.dimensions.add(tuple(dimensions.items()))
    if len(errors) > count:
        return None
    return {"metric": metric, "timestamp": timestamp, "value": value, "dimensions": dimensions}


def _known_dimensions(dimensions: Any, seen: _Seen) -> bool:
    if not isinstance(dimensions, dict):
        return False
    try:
        return tuple(dimensions.items()) in seen.dimensions
    except TypeError:  # an unhashable value: not a valid set of dimensions anyway
        return False


def parse_points(body: Any) -> list[dict[str, Any]]:
    """Validate a whole ingestion body; ValidationFailed names every bad index and field."""
    if not isinstance(body, dict) or not isinstance(body.get("points"), list):
        raise ValidationFailed(
            "The body must be a JSON object with a `points` array.",
            details={"points": ["Required: an array of points."]},
        )
    extra = sorted(str(key) for key in body.keys() - {"points"})
    if extra:
        raise ValidationFailed(
            f"Unknown field(s): {', '.join(extra)}.", details={"body": [f"Unknown: {extra}"]}
        )
    raw_points = body["points"]
    if not raw_points:
        raise ValidationFailed(
            "Send at least one point.", details={"points": ["Must not be empty."]}
        )
    if len(raw_points) > MAX_POINTS:
        raise ValidationFailed(
            f"At most {MAX_POINTS} points per request; got {len(raw_points)}.",
            details={"points": [f"At most {MAX_POINTS} points per request."]},
        )
    errors: dict[str, list[str]] = {}
    points = []
    seen = _Seen(set(), set())
    for index, raw in enumerate(raw_points):
        point = _parse_point(index, raw, errors, seen)
        if point is not None:
            points.append(point)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(
            f"{len(errors)} problem(s) in the points, first at {first}; nothing was written.",
            details=errors,
        )
    return points


def _check_metric_bound(project: Project, points: list[dict[str, Any]]) -> None:
    """400 naming the first point whose metric would take the project past its bound.

    Known metrics cost one query; only a request that brings new ones locks the project row
    (so concurrent requests cannot both squeeze under the bound) and counts.
    """
    first_index: dict[str, int] = {}
    for index, point in enumerate(points):
        first_index.setdefault(point["metric"], index)
    known = set(
        MetricSeries.objects.filter(project=project, metric__in=list(first_index)).values_list(
            "metric", flat=True
        )
    )
    if len(known) == len(first_index):
        return
    list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk"))
    existing = MetricSeries.objects.filter(project=project).count()
    known = set(
        MetricSeries.objects.filter(project=project, metric__in=list(first_index)).values_list(
            "metric", flat=True
        )
    )
    new = [metric for metric in first_index if metric not in known]
    limit = max_metrics_per_project()
    if existing + len(new) <= limit:
        return
    room = max(limit - existing, 0)
    culprit = new[room]
    field = f"points[{first_index[culprit]}].metric"
    raise ValidationFailed(
        f"A project may have at most {limit} metrics; it has {existing} and this request "
        f"adds {len(new)} (first past the limit: {culprit!r} at {field}). Nothing was written.",
        details={field: [f"A project may have at most {limit} metrics."]},
    )


def _incoming_table(cursor: Any) -> None:
    if sql.is_postgres():
        # The upkeep statements look costly to the planner (a 10M-row table) though each
        # reads a few index ranges: JIT compilation took 1.4 s of a 1.5 s statement.
        cursor.execute("SELECT set_config('jit', 'off', true)", [])
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {rollups.INCOMING} (metric varchar(100), "
            "ts timestamptz, value double precision, dimensions jsonb, "
            "dimensions_key varchar(40)) ON COMMIT DELETE ROWS",
            [],
        )
    else:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {rollups.INCOMING} (metric text, ts text, "
            "value real, dimensions text, dimensions_key text)",
            [],
        )
    # Empty already after a commit; not when a caller's transaction encloses this one.
    cursor.execute(f"DELETE FROM {rollups.INCOMING}", [])


def _copy_text(text: str) -> str:
    """A value for COPY's text format: backslash is its escape character."""
    return text.replace("\\", "\\\\")


def _load_incoming(cursor: Any, rows: list[tuple[str, datetime, float, str, str]]) -> None:
    if sql.is_postgres():
        copy_sql = (
            f"COPY {rollups.INCOMING} (metric, ts, value, dimensions, dimensions_key) FROM STDIN"
        )
        # One text block rather than write_row per point: adapting 50,000 values one by one
        # was most of the COPY's time. Metric names and keys need no escaping (their
        # patterns); JSON text escapes control characters, so only its backslashes double.
        block = "".join(
            f"{metric}\t{moment.isoformat()}\t{value!r}\t{_copy_text(dims)}\t{key}\n"
            for metric, moment, value, dims, key in rows
        )
        with cursor.cursor.copy(copy_sql) as copy:
            copy.write(block)
    else:
        cursor.executemany(
            f"INSERT INTO {rollups.INCOMING} VALUES (%s, %s, %s, %s, %s)",
            [(m, sql.db_datetime(t), v, d, k) for m, t, v, d, k in rows],
        )


def write_points(project_id: Any, rows: list[tuple[str, datetime, float, str, str]]) -> None:
    """Upsert (metric, timestamp, value, dimensions JSON, dimensions key) rows, unique by
    identity, with their rollups and series versions. Call inside a transaction."""
    project = sql.db_uuid(project_id)
    metrics = sorted({row[0] for row in rows})
    with connection.cursor() as cursor:
        _incoming_table(cursor)
        _load_incoming(cursor, rows)
        # Sorted: concurrent requests that share points lock them in the same order.
        cursor.execute(
            f"""
            INSERT INTO {rollups.POINTS} (project_id, metric, timestamp, value, dimensions,
                                          dimensions_key)
            SELECT %s, metric, ts, value, dimensions, dimensions_key FROM {rollups.INCOMING}
            WHERE 1 = 1 ORDER BY metric, ts, dimensions_key
            ON CONFLICT (project_id, metric, timestamp, dimensions_key) DO UPDATE
            SET value = excluded.value, dimensions = excluded.dimensions
            WHERE {rollups.POINTS}.value <> excluded.value
            """,
            [project],
        )
        if getattr(settings, "METRICS_ROLLUPS", True):
            rollups.refresh_touched(cursor, project_id)
        rollups.bump_series(cursor, project_id, metrics, timezone.now())


def metrics_ingest(*, project: Project, user: Any, body: Any) -> int:
    """Validate and upsert a batch of points into the project; returns how many were accepted.

    A point with the same (metric, timestamp, dimensions) as a stored one replaces its value;
    within one request the last such point wins.
    """
    if not has_project_role(user, project, Role.EDITOR):
        raise PermissionDenied("Only the project's editors and admins may write metrics.")
    points = parse_points(body)
    # One row per identity: PostgreSQL refuses to update a row twice in one statement.
    rows: dict[tuple[str, datetime, str], tuple[str, datetime, float, str, str]] = {}
    # A request has few distinct dimension sets: serialize and hash each once.
    encoded: dict[tuple[tuple[str, Any], ...], tuple[str, str]] = {}
    for point in points:
        identity = tuple(sorted(point["dimensions"].items()))
        if identity not in encoded:
            canonical = dimensions_json(point["dimensions"])
            # models.dimensions_key(dimensions), without serializing the dimensions twice.
            encoded[identity] = (canonical, hashlib.sha256(canonical.encode()).hexdigest()[:40])
        canonical, key = encoded[identity]
        rows[(point["metric"], point["timestamp"], key)] = (
            point["metric"],
            point["timestamp"],
            point["value"],
            canonical,
            key,
        )
    with transaction.atomic():
        _check_metric_bound(project, points)
        write_points(project.pk, list(rows.values()))
    return len(points)


def dimensions_json(dimensions: dict[str, Any]) -> str:
    """The JSON text stored for a point's dimensions (keys sorted, compact)."""
    return json.dumps(dimensions or {}, sort_keys=True, separators=(",", ":"))
