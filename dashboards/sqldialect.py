"""The few SQL spellings that differ between PostgreSQL and SQLite, for the metric queries.

Rollup upkeep and the widget query layer write SQL by hand (an `INSERT … SELECT … ON
CONFLICT` per step, `UNION ALL` of rollups and raw points, window functions) that the ORM
cannot express. Everything else in that SQL is common to both databases; what is not is
here. Times are UTC on both: Django sets PostgreSQL's session zone to UTC and stores
SQLite datetimes as UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`), whose order is the text's.
Every statement is run with a parameter list (possibly empty), so a literal `%` is `%%`.
"""

from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

TRUNC_UNITS = ("hour", "day", "week", "month")

# strftime patterns for SQLite (the `%` doubled for the driver's parameter syntax).
_SQLITE_TRUNC = {
    "hour": "%%Y-%%m-%%d %%H:00:00",
    "day": "%%Y-%%m-%%d 00:00:00",
    "month": "%%Y-%%m-01 00:00:00",
}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def trunc(unit: str, expr: str) -> str:
    """`expr` (a timestamp) truncated to the start of its UTC hour/day/week/month."""
    if unit not in TRUNC_UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if is_postgres():
        return f"date_trunc('{unit}', {expr}, 'UTC')"
    if unit == "week":
        # ISO weeks start on Monday: back up (weekday + 6) % 7 days, Sunday being 0.
        return (
            f"strftime('%%Y-%%m-%%d 00:00:00', {expr}, '-' || "
            f"((CAST(strftime('%%w', {expr}) AS INTEGER) + 6) %% 7) || ' days')"
        )
    return f"strftime('{_SQLITE_TRUNC[unit]}', {expr})"


def plus(expr: str, unit: str) -> str:
    """`expr` one hour or one day later."""
    if unit not in ("hour", "day"):
        raise ValueError(f"unknown unit {unit!r}")
    if is_postgres():
        return f"({expr} + interval '1 {unit}')"
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%S', {expr}, '+1 {unit}')"


def dimension(column: str) -> str:
    """The text value of one dimension of a JSON column; its parameter is `dimension_param`."""
    if is_postgres():
        return f"({column} ->> %s)"
    return f"json_extract({column}, %s)"


def dimension_param(name: str) -> str:
    # Dimension names are [A-Za-z0-9_.:-]: quoted in the JSON path, '.' is not a separator.
    return name if is_postgres() else f'$."{name}"'


def json_placeholder() -> str:
    """The placeholder of a JSON text parameter headed for a JSON column (jsonb on PostgreSQL)."""
    return "CAST(%s AS jsonb)" if is_postgres() else "%s"


def db_datetime(value: datetime) -> Any:
    """A datetime as the database compares it (SQLite: UTC text as Django stores it)."""
    return connection.ops.adapt_datetimefield_value(value.astimezone(UTC))


def db_uuid(value: Any) -> Any:
    """A project id as its column holds it (SQLite: 32 hex digits)."""
    from dashboards.models import MetricPoint

    return MetricPoint._meta.get_field("project").get_db_prep_value(value, connection)


def py_datetime(value: Any) -> datetime | None:
    """A timestamp read back from raw SQL, aware and in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a timestamp: {value!r}")
        value = parsed
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
