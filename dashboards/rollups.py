"""Hourly and daily rollups of metric points, kept exact by recomputing what a write touched.

A rollup row aggregates one bucket (a UTC hour, or a UTC day) of one series (project,
metric) with one full dimension set: sum, count, min, max, and the latest point's time and
value. Ingestion calls `refresh_touched()` in its own transaction, after the points of the
request are upserted from the session's `metric_incoming` table: every (metric, hour,
dimension set) the request touched is recomputed from the raw points, then every touched
(metric, day, dimension set) from its hour rows. Recomputing (rather than adding deltas)
is what keeps min, max and last right when an idempotent upsert replaces a value.

Concurrent ingestions of one series on PostgreSQL: a recompute reads the committed points,
so two transactions could each miss the other's new points in a shared bucket and the later
commit would win with a partial sum. A transaction-scoped advisory lock per (project,
metric, UTC day) touched, taken in a fixed order before the recompute, serializes the
upkeep of one day of one series; the statement after the lock sees everything committed
before it. SQLite has one writer.

Retention (`drop_before`) removes whole UTC days, points and rollups alike, so what remains
stays consistent without recomputation.
"""

from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dashboards import sqldialect as sql

POINTS = "dashboards_metricpoint"
ROLLUPS = "dashboards_metricrollup"
SERIES = "dashboards_metricseries"
INCOMING = "metric_incoming"

_UPSERT_SET = (
    "ON CONFLICT (project_id, metric, grain, projection, bucket, dimensions_key) DO UPDATE SET "
    "dimensions = excluded.dimensions, total = excluded.total, count = excluded.count, "
    "minimum = excluded.minimum, maximum = excluded.maximum, "
    "last_time = excluded.last_time, last_value = excluded.last_value, "
    "a_value = excluded.a_value, b_value = excluded.b_value"
)


def _per_bucket(touched: str, aggregates: str, source: str, bucket_end: str, where: str) -> str:
    """One row of aggregates per touched (metric, bucket, dimensions_key), from `source`.

    Each touched (metric, bucket) is read once, its rows grouped by dimension set, and the
    groups joined to the touched ones. Probing one group at a time read the whole bucket
    per group (the identity indexes put the time before the dimension set): with 3
    dimensions of 20 values, a request of 7,000 points touched ~7,000 sets of a day and ran
    past the 10 s statement timeout. PostgreSQL: a LATERAL subquery per touched bucket, so
    each is an index range scan (a plain join let the planner scan the whole table of the
    project: 7.5 s at 10M points). SQLite: a join, which it runs as nested loops over the
    index.
    """
    condition = (
        f"s.project_id = %s AND s.metric = b.metric AND {where} >= b.bucket "
        f"AND {where} < {bucket_end}"
    )
    if sql.is_postgres():
        # MATERIALIZED: computed once, so the LATERAL runs once per bucket. Inlined, the
        # planner (which guesses ~300 touched rows) joined the touched rows first and ran
        # it once per touched set again.
        materialized = "MATERIALIZED"
        groups = f"""
            SELECT b.metric, b.bucket, a.* FROM buckets b CROSS JOIN LATERAL (
                SELECT s.dimensions_key, {aggregates} FROM {source} s WHERE {condition}
                GROUP BY s.dimensions_key
            ) a
        """
    else:
        materialized = ""
        groups = f"""
            SELECT b.metric, b.bucket, s.dimensions_key, {aggregates}
            FROM buckets b JOIN {source} s ON {condition}
            GROUP BY b.metric, b.bucket, s.dimensions_key
        """
    return f"""
        WITH touched AS ({touched}),
        buckets AS (SELECT DISTINCT metric, bucket FROM touched),
        groups AS {materialized} ({groups})
        SELECT a.* FROM groups a JOIN touched t ON t.metric = a.metric
            AND t.bucket = a.bucket AND t.dimensions_key = a.dimensions_key
    """


def _upsert_sql(grain: str, latest: str, value: str, groups: str) -> str:
    return f"""
        INSERT INTO {ROLLUPS} (project_id, metric, grain, projection, bucket, dimensions_key,
                               dimensions, total, count, minimum, maximum, last_time,
                               last_value)
        SELECT %s, g.metric, '{grain}', '', g.bucket, g.dimensions_key,
               (SELECT q.dimensions {latest}), g.total, g.n, g.minimum, g.maximum,
               g.last_time, (SELECT q.{value} {latest})
        FROM ({groups}) g
        WHERE 1 = 1
        ORDER BY g.metric, g.bucket, g.dimensions_key
        {_UPSERT_SET}
    """


def _hours_sql(touched: str) -> str:
    """Recompute the hour rows listed by `touched` (metric, bucket, dimensions_key) from points.

    Parameters: project id x3, then those of `touched`, then the project id. The latest point
    of a group is found by its identity (an index probe per rollup row, never per point).
    """
    latest = (
        f"FROM {POINTS} q WHERE q.project_id = %s AND q.metric = g.metric "
        "AND q.timestamp = g.last_time AND q.dimensions_key = g.dimensions_key"
    )
    aggregates = (
        "SUM(s.value) AS total, COUNT(*) AS n, MIN(s.value) AS minimum, "
        "MAX(s.value) AS maximum, MAX(s.timestamp) AS last_time"
    )
    groups = _per_bucket(touched, aggregates, POINTS, sql.plus("b.bucket", "hour"), "s.timestamp")
    return _upsert_sql("h", latest, "value", groups)


def _days_sql(touched: str) -> str:
    """Recompute the day rows listed by `touched` from their hour rows (same parameters)."""
    latest = (
        f"FROM {ROLLUPS} q WHERE q.project_id = %s AND q.metric = g.metric AND q.grain = 'h' "
        f"AND q.projection = '' AND q.bucket = {sql.trunc('hour', 'g.last_time')} "
        "AND q.dimensions_key = g.dimensions_key"
    )
    aggregates = (
        "SUM(s.total) AS total, SUM(s.count) AS n, MIN(s.minimum) AS minimum, "
        "MAX(s.maximum) AS maximum, MAX(s.last_time) AS last_time"
    )
    hours = f"(SELECT * FROM {ROLLUPS} WHERE grain = 'h' AND projection = '')"
    groups = _per_bucket(touched, aggregates, hours, sql.plus("b.bucket", "day"), "s.bucket")
    return _upsert_sql("d", latest, "last_value", groups)


def _projections_sql(touched: str) -> str:
    """Recompute the day projections of the touched (metric, bucket) days from their
    full-dimension-set day rows: one row for all points ("*"), one per value of each
    dimension ("region", its value in a_value) and one per pair of values of each pair of
    dimensions ("plan,region", names in code-point order, values in a_value and b_value).
    Parameters: those of `touched`, the project id twice.

    `last` of a projection is the sum of its rows' latest values at the group's latest time
    (a window over the group, as the query layer does): exact, because the full-set rows
    of a day partition its points.
    """
    if sql.is_postgres():
        days = f"""
            SELECT d.* FROM ({touched}) t CROSS JOIN LATERAL (
                SELECT * FROM {ROLLUPS} e WHERE e.project_id = %s AND e.metric = t.metric
                AND e.grain = 'd' AND e.projection = '' AND e.bucket = t.bucket
            ) d
        """
        each = "CROSS JOIN LATERAL jsonb_each_text(r.dimensions) {}"
        before = 'k.key COLLATE "C" < j.key COLLATE "C"'
        nothing, one, two = (
            "'{}'::jsonb",
            "jsonb_build_object(k.key, k.value)",
            "jsonb_build_object(k.key, k.value, j.key, j.value)",
        )
        pair_value = "jsonb_build_array(k.value, j.value)::text"
        digest = (
            "substr(encode(sha256(convert_to(projection || ':' || coalesce(value, ''), "
            "'UTF8')), 'hex'), 1, 40)"
        )
    else:
        days = f"""
            SELECT d.* FROM ({touched}) t JOIN {ROLLUPS} d ON d.project_id = %s
                AND d.metric = t.metric AND d.grain = 'd' AND d.projection = ''
                AND d.bucket = t.bucket
        """
        each = ", json_each(r.dimensions) {}"
        before = "k.key < j.key"
        nothing, one, two = (
            "'{}'",
            "json_object(k.key, k.value)",
            "json_object(k.key, k.value, j.key, j.value)",
        )
        pair_value = "json_array(k.value, j.value)"
        digest = "substr(lower(SHA256(projection || ':' || coalesce(value, ''))), 1, 40)"
    measures = "r.total, r.count, r.minimum, r.maximum, r.last_time, r.last_value"
    # `value` names the group within its projection (and makes its dimensions_key); a_value
    # and b_value are the same values as columns of their own, for the indexes.
    return f"""
        WITH r AS ({days}),
        x AS (
            SELECT r.metric, r.bucket, '*' AS projection, NULL AS value, {nothing} AS dims,
                   NULL AS a_value, NULL AS b_value, {measures} FROM r
            UNION ALL
            SELECT r.metric, r.bucket, k.key, k.value, {one}, k.value, NULL, {measures}
            FROM r {each.format("k")}
            UNION ALL
            SELECT r.metric, r.bucket, k.key || ',' || j.key, {pair_value}, {two}, k.value,
                   j.value, {measures}
            FROM r {each.format("k")} {each.format("j")} WHERE {before}
        ),
        y AS (
            SELECT x.*, MAX(last_time) OVER (PARTITION BY metric, bucket, projection, value)
                   AS group_last
            FROM x
        )
        INSERT INTO {ROLLUPS} (project_id, metric, grain, projection, bucket, dimensions_key,
                               dimensions, a_value, b_value, total, count, minimum, maximum,
                               last_time, last_value)
        SELECT %s, metric, 'd', projection, bucket, {digest}, dims, a_value, b_value,
               SUM(total), SUM(count), MIN(minimum), MAX(maximum), MAX(last_time),
               SUM(CASE WHEN last_time = group_last THEN last_value END)
        FROM y
        WHERE 1 = 1
        GROUP BY metric, bucket, projection, value, dims, a_value, b_value
        ORDER BY metric, bucket, projection, value
        {_UPSERT_SET}
    """


def _lock_days(cursor: Any, project_id: Any) -> None:
    """Serialize the upkeep of each (project, metric, UTC day) the request touches.

    A day is the widest bucket recomputed, so two requests whose days differ never wait for
    each other, even on one metric. One statement, keys in sorted order (no lock cycles).
    """
    if not sql.is_postgres():
        return
    cursor.execute(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(%s || ':' || "
        "metric || ':' || to_char(date_trunc('day', ts, 'UTC'), 'YYYY-MM-DD'), 0) AS k "
        f"FROM {INCOMING}) s ORDER BY k",
        [str(project_id)],
    )


def refresh_touched(cursor: Any, project_id: Any) -> None:
    """Recompute the hour and day rows of what `metric_incoming` holds (in a transaction)."""
    project = sql.db_uuid(project_id)
    _lock_days(cursor, project_id)
    hours, days = (
        f"SELECT DISTINCT metric, {sql.trunc(unit, 'ts')} AS bucket, dimensions_key FROM {INCOMING}"
        for unit in ("hour", "day")
    )
    cursor.execute(_hours_sql(hours), [project, project, project, project])
    cursor.execute(_days_sql(days), [project, project, project, project])
    touched_days = f"SELECT DISTINCT metric, {sql.trunc('day', 'ts')} AS bucket FROM {INCOMING}"
    cursor.execute(_projections_sql(touched_days), [project, project])


def rebuild(project_id: Any, metric: str | None = None) -> None:
    """Recompute every rollup of a project (or of one metric) from its points.

    For data written around the services (bench_data) and for repairs; ingestion keeps
    rollups current by itself.
    """
    project = sql.db_uuid(project_id)
    where = "project_id = %s" + (" AND metric = %s" if metric else "")
    scope = [project, metric] if metric else [project]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ROLLUPS} WHERE {where}", scope)
        if sql.is_postgres():
            # One pass over the points, then one over the hour rows: a group's latest value
            # without a probe per group (a probe per group took over 10 minutes for the
            # 5.8 million day groups of 10M points with 8,000 dimension sets).
            for grain, unit, source, columns in (
                ("h", "hour", POINTS, ("timestamp", "value", "value", "value", "1")),
                ("d", "day", ROLLUPS, ("bucket", "total", "minimum", "maximum", "count")),
            ):
                moment, total, low, high, count = columns
                latest = "timestamp" if grain == "h" else "last_time"
                value = "value" if grain == "h" else "last_value"
                only_hours = "" if grain == "h" else "grain = 'h' AND projection = '' AND "
                cursor.execute(
                    f"""
                    INSERT INTO {ROLLUPS} (project_id, metric, grain, projection, bucket,
                        dimensions_key, dimensions, total, count, minimum, maximum, last_time,
                        last_value)
                    SELECT project_id, metric, '{grain}', '', {sql.trunc(unit, moment)},
                           dimensions_key, (array_agg(dimensions))[1], SUM({total}),
                           SUM({count}), MIN({low}), MAX({high}), MAX({latest}),
                           (array_agg({value} ORDER BY {latest} DESC))[1]
                    FROM {source} WHERE {only_hours}{where}
                    GROUP BY project_id, metric, {sql.trunc(unit, moment)}, dimensions_key
                    """,
                    scope,
                )
        else:
            hours = (
                f"SELECT DISTINCT metric, {sql.trunc('hour', 'timestamp')} AS bucket, "
                f"dimensions_key FROM {POINTS} WHERE {where}"
            )
            cursor.execute(_hours_sql(hours), [project, project, project, *scope, project])
            days = (
                f"SELECT DISTINCT metric, {sql.trunc('day', 'bucket')} AS bucket, "
                f"dimensions_key FROM {ROLLUPS} WHERE grain = 'h' AND {where}"
            )
            cursor.execute(_days_sql(days), [project, project, project, *scope, project])
        _recompute_projections(cursor, project, where, scope)


def rebuild_projections() -> None:
    """Recompute every day projection from the full-set day rows: for data kept before a
    kind of projection existed (pairs: migration 0007). Points, hours and full-set days
    stay as they are."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT project_id FROM {ROLLUPS} WHERE grain = 'd' AND projection = ''"
        )
        for (project,) in cursor.fetchall():
            _recompute_projections(cursor, project, "project_id = %s", [project])


def projection_name(dimensions: set[str]) -> str:
    """The day rows that hold exactly these dimensions: "*" (all points) for none, the
    name for one, "a,b" for two (code-point order, as `_projections_sql` names a pair),
    "" (full dimension sets) for more. `value_columns` reads a name back."""
    if not dimensions:
        return "*"
    return ",".join(sorted(dimensions)) if len(dimensions) <= 2 else ""


def value_columns(projection: str) -> dict[str, str]:
    """The column holding each dimension's value in the rows of a day projection:
    {"region": "a_value"} for "region", {"plan": "a_value", "region": "b_value"} for
    "plan,region", nothing for "*" and full dimension sets ("")."""
    if projection in ("", "*"):
        return {}
    names = projection.split(",")
    return dict(zip(names, ("a_value", "b_value")[: len(names)], strict=True))


def fill_projection_values() -> None:
    """Copy the dimension values of every projection row into a_value and b_value: for
    rows kept before those columns existed (migration 0008). One UPDATE per projection."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT projection FROM {ROLLUPS} "
            "WHERE grain = 'd' AND projection NOT IN ('', '*')"
        )
        for (projection,) in cursor.fetchall():
            columns = value_columns(projection)
            assignments = ", ".join(
                f"{column} = {sql.dimension('dimensions')}" for column in columns.values()
            )
            cursor.execute(
                f"UPDATE {ROLLUPS} SET {assignments} WHERE grain = 'd' AND projection = %s",
                [*(sql.dimension_param(name) for name in columns), projection],
            )


def _recompute_projections(cursor: Any, project: Any, where: str, scope: list[Any]) -> None:
    """The projections of every day with full-set rows that `where` (over `scope`) selects."""
    touched_days = (
        f"SELECT DISTINCT metric, bucket FROM {ROLLUPS} "
        f"WHERE grain = 'd' AND projection = '' AND {where}"
    )
    cursor.execute(_projections_sql(touched_days), [*scope, project, project])


def bump_series(cursor: Any, project_id: Any, metrics: list[str], now: datetime) -> None:
    """Create or advance the series rows of `metrics`: their data changed in this transaction."""
    if not metrics:
        return
    project = sql.db_uuid(project_id)
    stamp = sql.db_datetime(now)
    params: list[Any] = []
    for metric in sorted(set(metrics)):  # a fixed order: concurrent writers lock alike
        params += [project, metric, stamp, stamp]
    rows = ", ".join(["(%s, %s, 1, %s, %s)"] * (len(params) // 4))
    cursor.execute(
        f"INSERT INTO {SERIES} (project_id, metric, version, changed_at, created_at) "
        f"VALUES {rows} ON CONFLICT (project_id, metric) DO UPDATE SET "
        f"version = {SERIES}.version + 1, changed_at = excluded.changed_at",
        params,
    )


def drop_before(cutoff: datetime) -> dict[str, int]:
    """Delete points and rollups older than the UTC day of `cutoff`; bump the series touched.

    Returns how many points and rollup rows were deleted.
    """
    day = cutoff.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = sql.db_datetime(day)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT project_id, metric FROM {ROLLUPS} "
            "WHERE grain = 'd' AND projection = '*' AND bucket < %s",
            [stamp],
        )
        touched = cursor.fetchall()
        cursor.execute(f"DELETE FROM {POINTS} WHERE timestamp < %s", [stamp])
        points = cursor.rowcount
        cursor.execute(f"DELETE FROM {ROLLUPS} WHERE bucket < %s", [stamp])
        rollups = cursor.rowcount
        now = sql.db_datetime(timezone.now())
        for project, metric in touched:
            cursor.execute(
                f"UPDATE {SERIES} SET version = version + 1, changed_at = %s "
                "WHERE project_id = %s AND metric = %s",
                [now, project, metric],
            )
    return {"points": points, "rollups": rollups}
