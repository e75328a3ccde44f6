"""Rollups stay exact: every answer equals the raw aggregation of the points (property-based).

Runs on the suite's database (SQLite in `make test`, PostgreSQL in `make test-pg`), so the
property holds on both. Each example writes points through the ingestion service (twice,
the second time replacing some values), then compares every shape and aggregation of the
query layer with a plain Python aggregation of the points that were stored, over random
ranges whose edges fall on day boundaries of random time zones, on hours, or anywhere.
"""

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards import metrics, rollups
from dashboards.models import MetricPoint, MetricRollup, MetricSeries
from dashboards.widgets import query
from dashboards.widgets.common import number
from dashboards.widgets.deadline import Deadline
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db(transaction=False)

BASE = datetime(2026, 3, 1, tzinfo=UTC)
REGIONS = ["north", "south", "east"]
PLANS = ["free", "pro"]
TIERS = ["a", "b"]
AGGREGATIONS = ["sum", "avg", "min", "max", "count", "last"]


@st.composite
def point_sets(draw: Any) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=0, max_value=40))
    points = []
    for _ in range(count):
        # A few distinct moments, so that several points share a timestamp ("last" sums them).
        seconds = draw(st.sampled_from([0, 1800, 3599, 3600, 86399, 86400]))
        seconds += 3600 * draw(st.integers(min_value=0, max_value=24 * 4))
        dimensions = {}
        if draw(st.booleans()):
            dimensions["region"] = draw(st.sampled_from(REGIONS))
        if draw(st.booleans()):
            dimensions["plan"] = draw(st.sampled_from(PLANS))
        if draw(st.booleans()):
            dimensions["tier"] = draw(st.sampled_from(TIERS))
        points.append(
            {
                "metric": "m",
                "timestamp": (BASE + timedelta(seconds=seconds)).isoformat(),
                "value": draw(st.integers(min_value=-1000, max_value=1000)),
                "dimensions": dimensions,
            }
        )
    return points


@st.composite
def ranges(draw: Any) -> tuple[datetime, datetime]:
    def moment() -> datetime:
        kind = draw(st.sampled_from(["zone-midnight", "hour", "anywhere"]))
        day = BASE + timedelta(days=draw(st.integers(min_value=-1, max_value=5)))
        if kind == "zone-midnight":
            # Midnight somewhere (UTC-12 .. UTC+14, quarter hours): a user's "day" in UTC.
            offset = timedelta(minutes=15 * draw(st.integers(min_value=-48, max_value=56)))
            local = datetime(day.year, day.month, day.day, tzinfo=timezone(offset))
            return local.astimezone(UTC)
        if kind == "hour":
            return day + timedelta(hours=draw(st.integers(min_value=0, max_value=23)))
        return day + timedelta(seconds=draw(st.integers(min_value=0, max_value=86399)))

    start, end = moment(), moment()
    if start == end:
        end = start + timedelta(minutes=1)
    return (start, end) if start < end else (end, start)


def _stored(batches: list[list[dict[str, Any]]]) -> list[tuple[datetime, float, dict]]:
    """The points as the database holds them after the batches: the last write wins."""
    stored: dict[tuple, tuple[datetime, float, dict]] = {}
    for batch in batches:
        for raw in batch:
            moment = datetime.fromisoformat(raw["timestamp"])
            key = (moment, tuple(sorted(raw["dimensions"].items())))
            stored[key] = (moment, float(raw["value"]), raw["dimensions"])
    return list(stored.values())


def _aggregate(rows: list[tuple[datetime, float]], aggregation: str) -> float:
    values = [value for _, value in rows]
    if aggregation == "sum":
        return sum(values)
    if aggregation == "count":
        return len(values)
    if aggregation == "avg":
        return sum(values) / len(values)
    if aggregation == "min":
        return min(values)
    if aggregation == "max":
        return max(values)
    latest = max(moment for moment, _ in rows)
    return sum(value for moment, value in rows if moment == latest)


def _trunc(moment: datetime, interval: str) -> datetime:
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _close(left: Any, right: Any) -> bool:
    left, right = number(left), number(right)
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)


def _check(stored, start, end, filters) -> None:
    inside = [
        (moment, value, dims)
        for moment, value, dims in stored
        if start <= moment < end and all(dims.get(k) == v for k, v in filters.items())
    ]
    selection = query.Selection(PROJECT["id"], "m", start, end, filters)
    deadline = Deadline(60)
    for aggregation in AGGREGATIONS:
        value, as_of = query.total(selection, aggregation, deadline)
        if not inside:
            assert (value, as_of) == (None, None)
        else:
            expected = _aggregate([(m, v) for m, v, _ in inside], aggregation)
            assert _close(value, expected), (aggregation, value, expected)
            assert as_of == max(m for m, _, _ in inside)

        for interval in ("day", "week", "month"):
            groups: dict[datetime, list] = {}
            for moment, value, _ in inside:
                groups.setdefault(_trunc(moment, interval), []).append((moment, value))
            got = query.by_time(selection, interval, aggregation, deadline)
            assert [bucket for bucket, _ in got] == sorted(groups)
            for bucket, value in got:
                assert _close(value, _aggregate(groups[bucket], aggregation)), (interval, bucket)

        # With a filter on one dimension, grouping by another reads a pair's day rows; with
        # filters on two, grouping by the third reads full dimension sets.
        for dimension in ("region", "plan", "tier"):
            groups = {}
            for moment, value, dims in inside:
                if dimension in dims:
                    groups.setdefault(dims[dimension], []).append((moment, value))
            got = query.by_dimension(selection, dimension, aggregation, 2, deadline)
            expected = sorted(
                ((key, _aggregate(rows, aggregation)) for key, rows in groups.items()),
                key=lambda item: (-item[1], item[0]),
            )[:2]
            assert [key for key, _ in got] == [key for key, _ in expected], (dimension, got)
            for (_, value), (_, wanted) in zip(got, expected, strict=True):
                assert _close(value, wanted)


PROJECT: dict[str, Any] = {}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=point_sets(),
    second=point_sets(),
    windows=st.lists(ranges(), min_size=1, max_size=3),
    region=st.sampled_from([None, *REGIONS]),
    plan=st.sampled_from([None, *PLANS]),
)
def test_rollup_answers_equal_the_raw_aggregation(project, first, second, windows, region, plan):
    PROJECT["id"] = project.pk
    # Each example in its own savepoint, rolled back: examples never see each other's points.
    with transaction.atomic():
        for batch in (first, second):
            if batch:
                metrics.metrics_ingest(project=project, user=project.owner, body={"points": batch})
        stored = _stored([first, second])
        assert MetricPoint.objects.filter(project=project).count() == len(stored)
        filters = {name: value for name, value in (("region", region), ("plan", plan)) if value}
        for start, end in windows:
            _check(stored, start, end, filters)
        transaction.set_rollback(True)


def _rollup_rows(project) -> list[tuple]:
    return list(
        MetricRollup.objects.filter(project=project)
        .order_by("metric", "grain", "bucket", "dimensions_key")
        .values_list(
            "metric",
            "grain",
            "bucket",
            "dimensions_key",
            "total",
            "count",
            "minimum",
            "maximum",
            "last_time",
            "last_value",
            "a_value",
            "b_value",
        )
    )


def test_a_replaced_value_corrects_min_max_and_last(project, ingest):
    ingest(
        point("m", "2026-03-01T10:00:00Z", 5),
        point("m", "2026-03-01T10:30:00Z", 100),  # the max, and the hour's last
        point("m", "2026-03-01T10:10:00Z", -7),  # the min
    )
    ingest(point("m", "2026-03-01T10:30:00Z", 1), point("m", "2026-03-01T10:10:00Z", 3))

    hour = MetricRollup.objects.get(project=project, grain="h")
    day = MetricRollup.objects.get(project=project, grain="d", projection="")
    everything = MetricRollup.objects.get(project=project, grain="d", projection="*")
    for row in (hour, day, everything):
        assert (row.total, row.count, row.minimum, row.maximum) == (9, 3, 1, 5)
        assert (row.last_value, row.last_time) == (1, datetime(2026, 3, 1, 10, 30, tzinfo=UTC))


def test_ingestion_leaves_the_rollups_a_rebuild_would_make(project, ingest):
    ingest(
        *[
            point("m", f"2026-03-0{1 + i % 3}T{i % 24:02d}:15:00Z", i, r=str(i % 2))
            for i in range(60)
        ]
    )
    ingest(
        *[
            point("m", f"2026-03-0{1 + i % 3}T{i % 24:02d}:15:00Z", -i, r=str(i % 2))
            for i in range(0, 60, 7)
        ]
    )
    kept = _rollup_rows(project)

    rollups.rebuild(project.pk)

    assert _rollup_rows(project) == kept


def test_retention_drops_whole_days_and_keeps_rollups_consistent(project, ingest, settings):
    from django.utils import timezone as tz

    today = tz.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stamps = [today - timedelta(days=d, hours=-1) for d in (0, 1, 2, 3, 10)]
    ingest(*[point("m", s.isoformat(), 1) for s in stamps])
    version = MetricSeries.objects.get(project=project, metric="m").version

    call_command("metrics_retention", days=2, stdout=__import__("io").StringIO())

    kept = sorted(MetricPoint.objects.values_list("timestamp", flat=True))
    assert kept == sorted(stamps[:3])  # today, yesterday, the day before: whole UTC days
    assert MetricSeries.objects.get(project=project, metric="m").version == version + 1
    before = _rollup_rows(project)
    rollups.rebuild(project.pk)
    assert _rollup_rows(project) == before


def test_retention_needs_a_number_of_days(settings):
    from django.core.management.base import CommandError

    settings.METRICS_RETENTION_DAYS = None
    with pytest.raises(CommandError):
        call_command("metrics_retention")


def test_a_day_keeps_a_row_per_pair_of_dimension_values(project, ingest):
    ingest(
        point("m", "2026-03-01T10:00:00Z", 1, region="north", plan="pro", tier="a"),
        point("m", "2026-03-01T11:00:00Z", 2, region="north", plan="pro", tier="b"),
        point("m", "2026-03-01T12:00:00Z", 4, region="south", plan="pro"),
        point("m", "2026-03-01T13:00:00Z", 8, region="north"),  # one dimension: no pair
    )
    pairs = {
        (row.projection, tuple(sorted(row.dimensions.items()))): (row.total, row.count)
        for row in MetricRollup.objects.filter(project=project, grain="d")
        if "," in row.projection
    }
    assert pairs == {
        ("plan,region", (("plan", "pro"), ("region", "north"))): (3, 2),
        ("plan,region", (("plan", "pro"), ("region", "south"))): (4, 1),
        ("plan,tier", (("plan", "pro"), ("tier", "a"))): (1, 1),
        ("plan,tier", (("plan", "pro"), ("tier", "b"))): (2, 1),
        ("region,tier", (("region", "north"), ("tier", "a"))): (1, 1),
        ("region,tier", (("region", "north"), ("tier", "b"))): (2, 1),
    }


def test_projection_rows_hold_their_dimension_values_in_columns(project, ingest):
    ingest(
        point("m", "2026-03-01T10:00:00Z", 1, region="north", plan=""),
        point("m", "2026-03-01T11:00:00Z", 2),
    )
    values = set(
        MetricRollup.objects.filter(project=project).values_list(
            "grain", "projection", "a_value", "b_value"
        )
    )
    assert values == {
        ("h", "", None, None),
        ("d", "", None, None),
        ("d", "*", None, None),
        ("d", "region", "north", None),
        ("d", "plan", "", None),  # an empty value is a value, not a missing one
        ("d", "plan,region", "", "north"),
    }


@pytest.mark.parametrize(
    ("filters", "group", "projection"),
    [
        ({}, None, "*"),
        ({"region": "north"}, None, "region"),
        ({}, "plan", "plan"),
        ({"region": "north"}, "region", "region"),
        ({"region": "north"}, "plan", "plan,region"),
        ({"tier": "a", "plan": "pro"}, None, "plan,tier"),
        ({"region": "north", "plan": "pro"}, "tier", ""),
    ],
)
def test_a_widget_reads_the_narrowest_day_rows_that_answer_it(filters, group, projection):
    selection = query.Selection(None, "m", BASE, BASE + timedelta(days=30), filters)
    assert query.projection_for(selection, group) == projection


def test_a_filtered_and_grouped_widget_answers_from_the_pair_rows(project, ingest):
    ingest(
        *[
            point("m", f"2026-03-0{day}T10:00:00Z", 1, region=region, plan=plan, tier="a")
            for day in (2, 3)
            for region in REGIONS
            for plan in PLANS
        ]
    )
    selection = query.Selection(
        project.pk, "m", BASE, BASE + timedelta(days=5), {"region": "north"}
    )
    before = query.by_dimension(selection, "plan", "sum", 5, Deadline(60))
    assert before == [("free", 2.0), ("pro", 2.0)]
    # Only the pair rows change: the answer follows them, so they are what was read.
    MetricRollup.objects.filter(project=project, projection="plan,region").update(total=10)
    after = query.by_dimension(selection, "plan", "sum", 5, Deadline(60))
    assert after == [("free", 20.0), ("pro", 20.0)]
    # The filter reads the value column, not the JSON: moving the value moves the rows.
    pairs = MetricRollup.objects.filter(project=project, projection="plan,region")
    pairs.filter(b_value="north").update(b_value="elsewhere")
    assert query.by_dimension(selection, "plan", "sum", 5, Deadline(60)) == []
    moved = query.Selection(
        project.pk, "m", BASE, BASE + timedelta(days=5), {"region": "elsewhere"}
    )
    assert query.by_dimension(moved, "plan", "sum", 5, Deadline(60)) == after


def test_rebuilding_projections_restores_the_pairs_ingestion_keeps(project, ingest):
    ingest(
        *[
            point(
                "m",
                f"2026-03-0{1 + i % 3}T{i % 24:02d}:15:00Z",
                i,
                region=REGIONS[i % 3],
                plan=PLANS[i % 2],
                tier=TIERS[i % 2],
            )
            for i in range(40)
        ]
    )
    kept = _rollup_rows(project)
    MetricRollup.objects.filter(project=project, grain="d").exclude(projection="").delete()

    rollups.rebuild_projections()

    assert _rollup_rows(project) == kept


def test_filling_projection_values_restores_what_ingestion_writes(project, ingest):
    ingest(
        *[
            point("m", f"2026-03-0{1 + i % 3}T{i % 24:02d}:15:00Z", i, region=REGIONS[i % 3],
                  plan=PLANS[i % 2], tier=TIERS[i % 2])
            for i in range(40)
        ]
    )  # fmt: skip
    kept = _rollup_rows(project)
    MetricRollup.objects.filter(project=project).update(a_value=None, b_value=None)

    rollups.fill_projection_values()

    assert _rollup_rows(project) == kept
