"""Metric ingestion and the data versions that key cached widget data (SPEC, "Widget data").

Ingestion validates the whole request before writing anything (all or nothing), then
upserts in batches: one `INSERT ... ON CONFLICT (project, metric, timestamp,
dimensions_key) DO UPDATE` statement per batch, never a query per point.

Every (project, metric) has a *data version* in the shared cache. Ingestion replaces the
version of every metric it touched, and cached widget data and ETags include the version,
so they change with the data and nothing has to be deleted. A version is an opaque token
(time in ms + randomness), not a counter: if the cache loses it, a new token is made,
which can never collide with a token that keyed older data.
"""

import math
import re
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from dashboards.exceptions import PermissionDenied, ValidationFailed
from dashboards.models import MetricPoint, Project, Role, dimensions_key
from dashboards.permissions import has_project_role
from dashboards.widgets.registry import METRIC_NAME_PATTERN

MAX_POINTS = 10_000
# PostgreSQL takes a whole batch in one statement; SQLite's bound-parameter limit makes
# Django split it further (still one statement per batch).
BATCH_SIZE = 2_000
MAX_DIMENSIONS = 20
MAX_DIMENSION_VALUE_LENGTH = 200
MAX_ERRORS = 50  # details of a huge bad request stay readable
POINT_FIELDS = frozenset({"metric", "timestamp", "value", "dimensions"})
IDENTITY_FIELDS = ["project", "metric", "timestamp", "dimensions_key"]

_METRIC_RE = re.compile(METRIC_NAME_PATTERN)
_DIMENSION_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
# ISO 8601 with a date and a time; the offset is checked after parsing.
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

VERSION_KEY = "metrics:version:{project}:{metric}"


# --- Data versions ----------------------------------------------------------------------


def _version_key(project_id: Any, metric: str) -> str:
    return VERSION_KEY.format(project=project_id, metric=metric)


def _new_version() -> str:
    # Milliseconds first, so a version also says when the data last changed.
    return f"{int(time.time() * 1000):x}-{secrets.token_hex(4)}"


def version_time(version: str) -> datetime:
    """When the data of a version was written (the Last-Modified of its widget data)."""
    try:
        millis = int(version.split("-", 1)[0], 16)
    except ValueError:
        millis = int(time.time() * 1000)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def data_versions(project_id: Any, metrics: Iterable[str]) -> dict[str, str]:
    """The current data version of each metric: one cache round trip (two the first time)."""
    wanted = sorted(set(metrics))
    if not wanted:
        return {}
    keys = {_version_key(project_id, metric): metric for metric in wanted}
    found = cache.get_many(list(keys))
    missing = [key for key in keys if key not in found]
    for key in missing:
        # add(): when two processes race, both end up reading the winner's token.
        cache.add(key, _new_version(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return {metric: found.get(key) or _new_version() for key, metric in keys.items()}


def bump_versions(project_id: Any, metrics: Iterable[str]) -> None:
    """New data for these metrics: new versions, so cached data and ETags change."""
    tokens = {_version_key(project_id, metric): _new_version() for metric in set(metrics)}
    if tokens:
        cache.set_many(tokens, timeout=None)


# --- Ingestion --------------------------------------------------------------------------


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
        if not _DIMENSION_KEY_RE.match(key):
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


def _parse_point(index: int, raw: Any, errors: dict[str, list[str]]) -> dict[str, Any] | None:
    where = f"points[{index}]"
    if not isinstance(raw, dict):
        errors[where] = ["Must be a JSON object with metric, timestamp and value."]
        return None
    count = len(errors)
    unknown = sorted(str(key) for key in raw.keys() - POINT_FIELDS)
    if unknown:
        errors[where] = [f"Unknown field(s): {', '.join(unknown)}."]
    metric = raw.get("metric")
    if not isinstance(metric, str) or not _METRIC_RE.match(metric):
        errors[f"{where}.metric"] = ["Required: 1-100 letters, digits or '_.:-'."]
    if "timestamp" not in raw:
        errors[f"{where}.timestamp"] = ["This field is required."]
        timestamp = None
    else:
        timestamp, problem = _parse_timestamp(raw["timestamp"])
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
    else:
        problem = _check_dimensions(dimensions)
        if problem:
            errors[f"{where}.dimensions"] = [problem]
    if len(errors) > count:
        return None
    return {"metric": metric, "timestamp": timestamp, "value": value, "dimensions": dimensions}


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
    for index, raw in enumerate(raw_points):
        point = _parse_point(index, raw, errors)
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


def metrics_ingest(*, project: Project, user: Any, body: Any) -> int:
    """Validate and upsert a batch of points into the project; returns how many were accepted.

    A point with the same (metric, timestamp, dimensions) as a stored one replaces its value;
    within one request the last such point wins.
    """
    if not has_project_role(user, project, Role.EDITOR):
        raise PermissionDenied("Only the project's editors and admins may write metrics.")
    points = parse_points(body)
    # One row per identity: PostgreSQL refuses to update a row twice in one statement.
    rows: dict[tuple[str, datetime, str], MetricPoint] = {}
    for point in points:
        key = dimensions_key(point["dimensions"])
        rows[(point["metric"], point["timestamp"], key)] = MetricPoint(
            project_id=project.pk,
            metric=point["metric"],
            timestamp=point["timestamp"],
            value=point["value"],
            dimensions=point["dimensions"],
            dimensions_key=key,
        )
    objects = list(rows.values())
    with transaction.atomic():
        MetricPoint.objects.bulk_create(
            objects,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=IDENTITY_FIELDS,
            update_fields=["value", "dimensions"],
        )
        metrics = {obj.metric for obj in objects}
        bump_versions(project.pk, metrics)
        # Again after commit: a reader that cached the old rows under the first new version
        # (it read before our commit) must not keep them.
        transaction.on_commit(lambda: bump_versions(project.pk, metrics))
    return len(points)


def ingest_batch_size() -> int:
    """Rows per INSERT statement on this database (for query budgets and benchmarks)."""
    fields = [MetricPoint._meta.get_field(name) for name in ("project", "metric", "timestamp")]
    fields += [MetricPoint._meta.get_field(n) for n in ("value", "dimensions", "dimensions_key")]
    return min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * BATCH_SIZE))
