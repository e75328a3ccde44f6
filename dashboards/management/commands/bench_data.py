"""`manage.py bench_data --dashboards N --points M [--dimensions K]`: data sets for benchmarks.

Builds, in minutes and by SQL generation (not through the API), what the services would
have left behind:

- the dashboards of `dashboards.benchdata`: N dashboards of the user `bench` in its project
  "Bench" (the floor's shape), `--other` dashboards that `bench-other` sees in the same
  table, each with its widgets, stored widget count and first version;
- one dashboard "Every widget" of `bench` with one widget of each type (made by the real
  service) over the bench metric;
- M points of the metric `revenue` spread evenly over `--years` years up to now, each with
  K dimensions (`region`, `plan`, `channel`) of `--values` values each, every combination
  in turn; a small `active_subscriptions` series (one point a day per combination);
- their hourly and daily rollups and their series rows (as ingestion keeps them).

Running it again replaces the generated dashboards and the bench project's metric data.
"""

import hashlib
import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from dashboards import benchdata, rollups, services
from dashboards import sqldialect as sql
from dashboards.models import Dashboard, MetricPoint, MetricRollup, MetricSeries, Project
from ops.database import lift_statement_timeout

METRIC = "revenue"
DIMENSIONS = ("region", "plan", "channel")
EVERY_WIDGET = "Every widget"
CHUNK = 1_000_000


def every_widget(metric: str) -> list[dict[str, Any]]:
    """One widget of each type over the bench metric: what bench/widget_data.py reads."""
    return [
        {"id": "revenue", "type": "revenue_chart", "title": "Revenue", "size": "large",
         "config": {"months": 24}},
        {"id": "subs", "type": "active_subscriptions", "title": "Subscribers", "size": "small"},
        {"id": "kpi_sum", "type": "kpi", "title": "Sum, 730 days", "size": "small",
         "config": {"metric": metric, "aggregation": "sum", "days": 730}},
        {"id": "kpi_last", "type": "kpi", "title": "Last", "size": "small",
         "config": {"metric": metric, "aggregation": "last", "days": 730}},
        {"id": "line_day", "type": "line_chart", "title": "Per day, 90 days",
         "config": {"metric": metric, "groupBy": "day", "days": 90}},
        {"id": "bar_region_sum", "type": "bar_chart", "title": "Per region",
         "config": {"metric": metric, "groupBy": "dimension", "dimension": "region",
                    "days": 730}},
        {"id": "bar_region_last", "type": "bar_chart", "title": "Per region, last",
         "config": {"metric": metric, "groupBy": "dimension", "dimension": "region",
                    "aggregation": "last", "days": 730}},
        # Two dimensions at once (with --dimensions 2 or 3): a pair's day rows answer it.
        {"id": "bar_plan_r00", "type": "bar_chart", "title": "Per plan, region r00",
         "config": {"metric": metric, "groupBy": "dimension", "dimension": "plan",
                    "filters": {"region": "r00"}, "days": 730}},
        {"id": "pie_region", "type": "pie_chart", "title": "Share",
         "config": {"metric": metric, "dimension": "region", "days": 730}},
        {"id": "table_month", "type": "table", "title": "Per month",
         "config": {"metric": metric, "groupBy": "month", "aggregation": "avg", "days": 730}},
        {"id": "notes", "type": "text", "title": "Notes", "config": {"markdown": "Bench"}},
    ]  # fmt: skip


class Command(BaseCommand):
    help = "Build a benchmark data set (dashboards, metric points, rollups) by SQL generation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dashboards", type=int, default=1000, help="Dashboards of the user `bench`."
        )
        parser.add_argument(
            "--other",
            type=int,
            default=1000,
            help="Dashboards `bench-other` sees in the same table (own, shared, assigned).",
        )
        parser.add_argument("--points", type=int, default=0)
        parser.add_argument("--dimensions", type=int, default=1, choices=[0, 1, 2, 3])
        parser.add_argument("--values", type=int, default=20, help="Values per dimension.")
        parser.add_argument("--years", type=float, default=2.0)
        parser.add_argument("--password", default="bench-pass-123")
        parser.add_argument(
            "--summary", action="store_true", help="Only print what is there (changes nothing)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        lift_statement_timeout()
        if options["summary"]:
            project = Project.objects.get(owner__username="bench", name="Bench")
            every = Dashboard.objects.get(project=project, name=EVERY_WIDGET)
            self._summary(started, project.owner, project, every)
            return
        bench = benchdata.generate_dashboards(
            count=options["dashboards"],
            other=options["other"],
            password=options["password"],
            out=self.stderr,
        )
        project = Project.objects.select_related("owner").get(pk=bench.project_id)
        user = project.owner
        self._points(started, project, options)
        every = Dashboard.objects.filter(project=project, name=EVERY_WIDGET).first()
        if every is None:
            every = services.dashboard_create(
                user=user, project=project, name=EVERY_WIDGET, widgets=every_widget(METRIC)
            )
        self._summary(started, user, project, every, bench.summary())

    def _summary(
        self,
        started: float,
        user: Any,
        project: Project,
        every: Dashboard,
        dashboards: dict[str, Any] | None = None,
    ) -> None:
        self.stdout.write(
            json.dumps(
                {
                    **(dashboards or {}),
                    "user": user.pk,
                    "project": str(project.pk),
                    "everyWidget": str(every.pk),
                    "metric": METRIC,
                    "points": MetricPoint.objects.filter(project=project, metric=METRIC).count(),
                    "rollups": MetricRollup.objects.filter(project=project).count(),
                    "seconds": round(time.monotonic() - started, 1),
                }
            )
        )

    def _progress(self, started: float, message: str) -> None:
        self.stderr.write(f"[{time.monotonic() - started:7.1f}s] {message}")

    # --- Points ---------------------------------------------------------------------------

    def _points(self, started: float, project: Project, options: dict[str, Any]) -> None:
        total, dims, values = options["points"], options["dimensions"], options["values"]
        combos = values**dims
        now = timezone.now().astimezone(UTC).replace(microsecond=0)
        begin = now - timedelta(days=365 * options["years"])
        ticks = max(math.ceil(total / combos), 1)
        step = max((now - begin).total_seconds() / ticks, 1e-3)
        with transaction.atomic():
            MetricPoint.objects.filter(project=project).delete()
            MetricRollup.objects.filter(project=project).delete()
            MetricSeries.objects.filter(project=project).delete()
        _register_sqlite_functions()
        for low in range(0, total, CHUNK):
            high = min(low + CHUNK, total)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    _points_sql(dims, values),
                    _points_params(project.pk, METRIC, begin, step, combos, low, high),
                )
            self._progress(started, f"points {high:,}/{total:,}")
        # A small series for active_subscriptions: one point a day per region.
        days = max(int((now - begin).total_seconds() // 86400), 1)
        regions = values if dims else 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _points_sql(min(dims, 1), values),
                _points_params(
                    project.pk, "active_subscriptions", begin, 86400, regions, 0, days * regions
                ),
            )
        self._progress(started, "rollups")
        rollups.rebuild(project.pk)
        with transaction.atomic(), connection.cursor() as cursor:
            rollups.bump_series(cursor, project.pk, [METRIC, "active_subscriptions"], now)
        if sql.is_postgres():
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE dashboards_metricpoint", [])
                cursor.execute("ANALYZE dashboards_metricrollup", [])
        self._progress(started, "points, rollups and series done")


def _dimensions_text(dims: int, values: int) -> str:
    """SQL for the point's dimensions as canonical JSON (keys sorted) from i."""
    if dims == 0:
        return "'{}'"
    width = len(str(values - 1))
    names = sorted(DIMENSIONS[:dims])  # canonical JSON: keys in order
    parts = []
    for name in names:
        power = values ** DIMENSIONS.index(name)
        index = f"((i %% {values**dims}) / {power}) %% {values}"
        if sql.is_postgres():
            text = f"lpad(({index})::text, {width}, '0')"
        else:
            text = f"printf('%%0{width}d', {index})"
        parts.append((name, text))
    pieces = []
    for position, (name, text) in enumerate(parts):
        head = "{" if position == 0 else ","
        pieces.append(f"'{head}\"{name}\":\"{name[0]}' || {text} || '\"'")
    return " || ".join(pieces) + " || '}'"


def _points_sql(dims: int, values: int) -> str:
    dims_text = _dimensions_text(dims, values)
    if sql.is_postgres():
        return f"""
            INSERT INTO dashboards_metricpoint (project_id, metric, timestamp, value,
                                                dimensions, dimensions_key)
            SELECT %s, %s, %s + (i / %s) * %s * interval '1 second',
                   ((i * 7919) %% 1000)::float8, d::jsonb,
                   substr(encode(sha256(convert_to(d, 'UTF8')), 'hex'), 1, 40)
            FROM (SELECT i, {dims_text} AS d FROM generate_series(%s::bigint, %s::bigint - 1) i) s
        """
    return f"""
        WITH RECURSIVE n(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %s)
        INSERT INTO dashboards_metricpoint (project_id, metric, timestamp, value, dimensions,
                                            dimensions_key)
        SELECT project, metric, strftime('%%Y-%%m-%%d %%H:%%M:%%S', start,
                                         '+' || ((i / combos) * step) || ' seconds'),
               (i * 7919) %% 1000, d, bench_dimensions_key(d)
        FROM (SELECT i, {dims_text} AS d, %s AS project, %s AS metric, %s AS start,
                     %s AS combos, %s AS step FROM n)
    """


def _points_params(
    project_id: Any, metric: str, begin: datetime, step: float, combos: int, low: int, high: int
) -> list[Any]:
    project = sql.db_uuid(project_id)
    if sql.is_postgres():
        return [project, metric, begin, combos, step, low, high]
    return [low, high, project, metric, sql.db_datetime(begin), combos, step]


def _register_sqlite_functions() -> None:
    if sql.is_postgres():
        return
    connection.ensure_connection()
    connection.connection.create_function(
        "bench_dimensions_key",
        1,
        lambda text: hashlib.sha256(text.encode()).hexdigest()[:40],
        deterministic=True,
    )
