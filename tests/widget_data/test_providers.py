"""Each provider against hand-computed numbers, at a fixed `now` (2026-03-15 12:00 UTC)."""

from datetime import UTC, datetime

import pytest

from dashboards.widgets import registry
from dashboards.widgets.query import NO_VARIABLES, Variables
from tests.factories import ProjectFactory
from tests.widget_data.conftest import NOW, point

pytestmark = pytest.mark.django_db


def data(type_name: str, project, config=None, now=NOW):
    return registry.provider_for(type_name)(project_id=project.pk, config=config or {}, now=now)


# --- revenue_chart ---------------------------------------------------------------------


def test_revenue_chart_sums_calendar_months_in_utc_oldest_first(project, ingest):
    ingest(
        point("revenue", "2025-03-31T23:59:59Z", 999),  # 12 months back is April: outside
        point("revenue", "2025-04-01T00:00:00Z", 100),  # first instant of the window
        point("revenue", "2026-01-03T10:00:00Z", 3000),
        point("revenue", "2026-01-20T10:00:00Z", 2000, region="eu"),
        point("revenue", "2026-01-20T10:00:00Z", 500, region="us"),  # same moment, summed
        # 23:30 at -02:00 is 01:30 UTC on 1 February: the month is UTC's.
        point("revenue", "2026-01-31T23:30:00-02:00", 700),
        point("revenue", "2026-03-31T23:59:59Z", 50),  # current month counts whole
        point("revenue", "2026-04-01T00:00:00Z", 999),  # next month: outside
        point("cost", "2026-01-05T00:00:00Z", 999),  # another metric
    )
    ingest(
        point("revenue", "2026-01-05T00:00:00Z", 999),
        target=ProjectFactory(owner=project.owner),
    )

    assert data("revenue_chart", project) == {
        "series": [
            {"month": "Apr", "period": "2025-04", "value": 100},
            {"month": "Jan", "period": "2026-01", "value": 5500},
            {"month": "Feb", "period": "2026-02", "value": 700},
            {"month": "Mar", "period": "2026-03", "value": 50},
        ]
    }


def test_revenue_chart_months_config_narrows_the_window(project, ingest):
    ingest(
        point("revenue", "2026-01-31T23:59:59Z", 1),
        point("revenue", "2026-02-01T00:00:00Z", 2),
        point("revenue", "2026-03-02T00:00:00Z", 3.25),
    )
    assert data("revenue_chart", project, {"months": 2}) == {
        "series": [
            {"month": "Feb", "period": "2026-02", "value": 2},
            {"month": "Mar", "period": "2026-03", "value": 3.25},
        ]
    }


def test_revenue_chart_window_crosses_the_year(project, ingest):
    ingest(point("revenue", "2025-12-31T23:59:59Z", 10), point("revenue", "2025-11-30T12:00Z", 7))
    assert data("revenue_chart", project, {"months": 4}) == {
        "series": [{"month": "Dec", "period": "2025-12", "value": 10}]
    }


def test_revenue_chart_without_points_is_an_empty_series(project):
    assert data("revenue_chart", project) == {"series": []}


# --- active_subscriptions -----------------------------------------------------------


def test_active_subscriptions_is_the_latest_total(project, ingest):
    ingest(
        point("active_subscriptions", "2026-03-10T00:00:00Z", 60, plan="a"),
        point("active_subscriptions", "2026-03-10T00:00:00Z", 40, plan="b"),
        point("active_subscriptions", "2026-03-14T09:30:00+01:00", 70, plan="a"),
        point("active_subscriptions", "2026-03-14T08:30:00Z", 50, plan="b"),
        point("active_subscriptions", "2026-03-16T00:00:00Z", 5000),  # tomorrow: not yet
    )
    assert data("active_subscriptions", project) == {
        "value": 120,
        "asOf": "2026-03-14T08:30:00Z",
    }


def test_active_subscriptions_without_points_is_null(project):
    assert data("active_subscriptions", project) == {"value": None, "asOf": None}


# --- kpi ------------------------------------------------------------------------------


@pytest.fixture
def kpi_points(ingest):
    ingest(
        point("orders", "2026-03-08T23:59:59Z", 1000),  # the day before the 7-day window
        point("orders", "2026-03-09T00:00:00Z", 10),
        point("orders", "2026-03-12T18:00:00Z", 20),
        point("orders", "2026-03-15T08:00:00Z", 30, shop="a"),
        point("orders", "2026-03-15T08:00:00Z", 5, shop="b"),
    )


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("sum", 65),
        ("avg", 16.25),
        ("min", 5),
        ("max", 30),
        ("count", 4),
        ("last", 35),  # the total at the latest moment
    ],
)
def test_kpi_aggregates_the_window(project, kpi_points, aggregation, expected):
    config = {"metric": "orders", "aggregation": aggregation, "days": 7, "unit": "orders"}
    assert data("kpi", project, config) == {
        "value": expected,
        "aggregation": aggregation,
        "unit": "orders",
        "asOf": "2026-03-15T08:00:00Z",
    }


def test_kpi_defaults_to_last_over_90_days(project, kpi_points):
    assert data("kpi", project, {"metric": "orders"}) == {
        "value": 35,
        "aggregation": "last",
        "asOf": "2026-03-15T08:00:00Z",
    }


def test_kpi_without_points(project):
    assert data("kpi", project, {"metric": "orders", "aggregation": "count"})["value"] == 0
    assert data("kpi", project, {"metric": "orders"}) == {
        "value": None,
        "aggregation": "last",
        "asOf": None,
    }


# --- line, bar, table: time buckets -------------------------------------------------


@pytest.fixture
def daily_points(ingest):
    ingest(
        point("visits", "2026-03-08T23:59:59Z", 1000),  # outside days=7
        point("visits", "2026-03-09T00:00:00Z", 1),
        point("visits", "2026-03-09T23:59:59Z", 2),
        # 00:30 at +01:00 is still the 9th in UTC
        point("visits", "2026-03-10T00:30:00+01:00", 4),
        point("visits", "2026-03-10T12:00:00Z", 8, page="/a"),
        point("visits", "2026-03-10T12:00:00Z", 16, page="/b"),
        point("visits", "2026-03-15T11:00:00Z", 32),
    )


def test_line_chart_by_day_in_utc(project, daily_points):
    assert data("line_chart", project, {"metric": "visits", "days": 7}) == {
        "series": [
            {"period": "2026-03-09", "value": 7},
            {"period": "2026-03-10", "value": 24},
            {"period": "2026-03-15", "value": 32},
        ]
    }


def test_line_chart_last_per_day_is_the_total_at_the_days_latest_moment(project, daily_points):
    config = {"metric": "visits", "days": 7, "aggregation": "last"}
    assert data("line_chart", project, config)["series"] == [
        {"period": "2026-03-09", "value": 2},  # 23:59:59 is later than 23:30
        {"period": "2026-03-10", "value": 24},
        {"period": "2026-03-15", "value": 32},
    ]


def test_bar_chart_by_week_starts_on_monday(project, daily_points):
    config = {"metric": "visits", "days": 8, "groupBy": "week", "aggregation": "max"}
    assert data("bar_chart", project, config)["series"] == [
        {"period": "2026-03-02", "value": 1000},  # Sunday the 8th is in the week of the 2nd
        {"period": "2026-03-09", "value": 32},
    ]


def test_table_by_month_with_avg(project, ingest):
    ingest(
        point("latency", "2026-02-28T23:59:59Z", 10),
        point("latency", "2026-02-01T00:00:00Z", 20),
        point("latency", "2026-03-01T00:00:00Z", 1),
        point("latency", "2026-03-15T00:00:00Z", 2),
    )
    config = {"metric": "latency", "groupBy": "month", "aggregation": "avg", "days": 60}
    assert data("table", project, config) == {
        "series": [{"period": "2026-02", "value": 15}, {"period": "2026-03", "value": 1.5}]
    }


def test_bar_chart_defaults_to_monthly_sums_over_90_days(project, ingest):
    ingest(
        point("deals", "2025-12-15T00:00:00Z", 1),  # before 90 days back (16 Dec)
        point("deals", "2025-12-16T00:00:00Z", 2),
        point("deals", "2026-03-01T00:00:00Z", 3),
    )
    assert data("bar_chart", project, {"metric": "deals"})["series"] == [
        {"period": "2025-12", "value": 2},
        {"period": "2026-03", "value": 3},
    ]


# --- grouped by a dimension -----------------------------------------------------------


@pytest.fixture
def regional_points(ingest):
    ingest(
        point("deals", "2026-03-10T00:00:00Z", 5, region="north"),
        point("deals", "2026-03-11T00:00:00Z", 7, region="north"),
        point("deals", "2026-03-10T00:00:00Z", 9, region="south"),
        point("deals", "2026-03-12T00:00:00Z", 1, region="east", team="x"),
        point("deals", "2026-03-12T00:00:00Z", 2, region="east", team="y"),
        point("deals", "2026-03-12T00:00:00Z", 100),  # no region: not in any group
        point("deals", "2026-01-01T00:00:00Z", 100, region="west"),  # outside days=30
    )


def test_bar_chart_by_dimension_largest_first(project, regional_points):
    config = {"metric": "deals", "groupBy": "dimension", "dimension": "region", "days": 30}
    assert data("bar_chart", project, config)["series"] == [
        {"dimension": "north", "value": 12},
        {"dimension": "south", "value": 9},
        {"dimension": "east", "value": 3},
    ]


def test_table_by_dimension_with_last(project, regional_points):
    config = {
        "metric": "deals",
        "groupBy": "dimension",
        "dimension": "region",
        "aggregation": "last",
        "days": 30,
    }
    assert data("table", project, config)["series"] == [
        {"dimension": "south", "value": 9},
        {"dimension": "north", "value": 7},
        {"dimension": "east", "value": 3},
    ]


def test_pie_chart_keeps_the_top_limit(project, regional_points):
    config = {"metric": "deals", "dimension": "region", "limit": 2, "days": 30}
    assert data("pie_chart", project, config) == {
        "series": [{"dimension": "north", "value": 12}, {"dimension": "south", "value": 9}]
    }


def test_pie_chart_count_with_dotted_dimension_name(project, ingest):
    ingest(
        point("events", "2026-03-10T00:00:00Z", 1, **{"http.method": "GET"}),
        point("events", "2026-03-11T00:00:00Z", 1, **{"http.method": "GET"}),
        point("events", "2026-03-11T00:00:00Z", 1, **{"http.method": "POST"}),
    )
    config = {"metric": "events", "dimension": "http.method", "aggregation": "count"}
    assert data("pie_chart", project, config)["series"] == [
        {"dimension": "GET", "value": 2},
        {"dimension": "POST", "value": 1},
    ]


def test_text_has_no_data(project):
    assert data("text", project, {"markdown": "# Hi"}) is None


def test_every_registered_type_has_a_provider():
    assert all(registry.provider_for(name) for name in registry.names())


def test_metric_of_each_type():
    assert registry.get("revenue_chart").metric({}) == "revenue"
    assert registry.get("active_subscriptions").metric({}) == "active_subscriptions"
    assert registry.get("kpi").metric({"metric": "orders"}) == "orders"
    assert registry.get("text").metric({"markdown": "x"}) is None


# --- `last` per dimension and per time bucket, caps ---------------------------------------


def test_last_per_dimension_is_each_groups_total_at_its_latest_moment(project, ingest):
    ingest(
        point("subs", "2026-03-10T00:00:00Z", 5, region="north", plan="a"),
        point("subs", "2026-03-14T09:00:00Z", 7, region="north", plan="a"),
        point("subs", "2026-03-14T09:00:00Z", 3, region="north", plan="b"),  # same moment
        point("subs", "2026-03-12T00:00:00Z", 40, region="south"),
        point("subs", "2026-03-13T23:59:59Z", 4, region="south"),  # south's latest
        point("subs", "2026-03-15T00:00:00Z", 1),  # no region: left out
    )
    config = {
        "metric": "subs",
        "groupBy": "dimension",
        "dimension": "region",
        "aggregation": "last",
    }
    assert data("bar_chart", project, config) == {
        "series": [{"dimension": "north", "value": 10}, {"dimension": "south", "value": 4}]
    }


def test_last_per_time_bucket_takes_each_buckets_latest_moment(project, ingest):
    ingest(
        point("subs", "2026-03-09T08:00:00Z", 5),
        point("subs", "2026-03-09T23:00:00Z", 6, plan="a"),
        point("subs", "2026-03-09T23:00:00Z", 1, plan="b"),
        point("subs", "2026-03-10T01:00:00Z", 9),
    )
    config = {"metric": "subs", "groupBy": "day", "aggregation": "last", "days": 7}
    assert data("line_chart", project, config) == {
        "series": [{"period": "2026-03-09", "value": 7}, {"period": "2026-03-10", "value": 9}]
    }


def test_many_dimension_values_are_capped_in_sql(project, ingest):
    ingest(*[point("hits", "2026-03-14T00:00:00Z", i, path=f"/p{i:03d}") for i in range(150)])
    config = {"metric": "hits", "groupBy": "dimension", "dimension": "path"}

    series = data("table", project, config)["series"]

    assert len(series) == 100
    assert series[0] == {"dimension": "/p149", "value": 149}
    assert series[-1] == {"dimension": "/p050", "value": 50}


def test_a_pie_shows_its_limit(project, ingest):
    ingest(*[point("hits", "2026-03-14T00:00:00Z", i, path=f"/p{i}") for i in range(1, 6)])
    config = {"metric": "hits", "dimension": "path", "limit": 2}
    assert data("pie_chart", project, config)["series"] == [
        {"dimension": "/p5", "value": 5},
        {"dimension": "/p4", "value": 4},
    ]


# --- Data shapes ------------------------------------------------------------------------


def test_every_provider_answers_its_published_data_schema(project, ingest):
    from jsonschema import Draft202012Validator

    ingest(
        point("revenue", "2026-03-01T00:00:00Z", 10, region="north"),
        point("active_subscriptions", "2026-03-14T00:00:00Z", 3),
        point("orders", "2026-03-14T00:00:00Z", 2, region="north"),
    )
    configs = {
        "revenue_chart": {},
        "active_subscriptions": {},
        "kpi": {"metric": "orders", "unit": "x"},
        "line_chart": {"metric": "orders"},
        "bar_chart": {"metric": "orders", "groupBy": "dimension", "dimension": "region"},
        "pie_chart": {"metric": "orders", "dimension": "region"},
        "table": {"metric": "orders", "groupBy": "week"},
        "text": {"markdown": "hi"},
    }
    for name, config in configs.items():
        widget_type = registry.get(name)
        for project_data in (data(name, project, config), data(name, ProjectFactory(), config)):
            errors = list(Draft202012Validator(widget_type.data_schema).iter_errors(project_data))
            assert not errors, (name, project_data, errors)


# --- Dashboard variables at the provider level (a time range, dimension filters) ----------


def with_variables(type_name, project, config, variables):
    return registry.provider_for(type_name)(
        project_id=project.pk, config=config, now=NOW, variables=variables
    )


@pytest.fixture
def regional(ingest):
    ingest(
        point("orders", "2026-01-10T12:00:00Z", 100, region="north"),
        point("orders", "2026-03-02T12:00:00Z", 10, region="north"),
        point("orders", "2026-03-02T12:00:00Z", 20, region="south"),
        point("orders", "2026-03-14T12:00:00Z", 1, region="north", plan="pro"),
        point("revenue", "2026-01-10T12:00:00Z", 1000, region="north"),
        point("revenue", "2026-03-02T12:00:00Z", 30, region="south"),
        point("active_subscriptions", "2026-03-01T00:00:00Z", 8, region="north"),
        point("active_subscriptions", "2026-03-14T00:00:00Z", 9, region="south"),
    )


MARCH = Variables(time_range=(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)))


def test_without_days_a_widget_follows_the_dashboards_time_range(project, regional):
    kpi = {"metric": "orders", "aggregation": "sum"}
    assert with_variables("kpi", project, kpi, MARCH)["value"] == 30
    assert with_variables("kpi", project, kpi, NO_VARIABLES)["value"] == 131  # default 90 days


def test_days_set_in_the_config_wins_over_the_time_range(project, regional):
    kpi = {"metric": "orders", "aggregation": "sum", "days": 7}
    assert with_variables("kpi", project, kpi, MARCH)["value"] == 1


def test_the_time_range_is_half_open_and_cut_anywhere(project, regional):
    cut = Variables(
        time_range=(
            datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 14, 12, 0, tzinfo=UTC),
        )
    )
    kpi = {"metric": "orders", "aggregation": "sum"}
    assert with_variables("kpi", project, kpi, cut)["value"] == 30  # 14th 12:00 excluded


def test_dimension_filters_apply_to_every_provider(project, regional):
    north = Variables(filters={"region": "north"})
    assert (
        with_variables("kpi", project, {"metric": "orders", "aggregation": "sum"}, north)["value"]
        == 111
    )
    assert with_variables("revenue_chart", project, {}, north)["series"] == [
        {"month": "Jan", "period": "2026-01", "value": 1000}
    ]
    assert with_variables("active_subscriptions", project, {}, north) == {
        "value": 8,
        "asOf": "2026-03-01T00:00:00Z",
    }
    by_region = {"metric": "orders", "groupBy": "dimension", "dimension": "region"}
    assert with_variables("bar_chart", project, by_region, north)["series"] == [
        {"dimension": "north", "value": 111}
    ]


def test_a_filter_set_in_the_config_wins_over_the_variable(project, regional):
    config = {"metric": "orders", "aggregation": "sum", "filters": {"region": "south"}}
    # region: the config's south wins over the variable's north.
    assert (
        with_variables("kpi", project, config, Variables(filters={"region": "north"}))["value"]
        == 20
    )
    # plan: not in the config, so the variable applies on top (no south point is "pro").
    both = Variables(filters={"region": "north", "plan": "pro"})
    assert with_variables("kpi", project, config, both)["value"] is None


def test_revenue_months_set_in_the_config_win_over_the_time_range(project, regional):
    assert with_variables("revenue_chart", project, {"months": 3}, MARCH)["series"] == [
        {"month": "Jan", "period": "2026-01", "value": 1000},
        {"month": "Mar", "period": "2026-03", "value": 30},
    ]
    assert with_variables("revenue_chart", project, {}, MARCH)["series"] == [
        {"month": "Mar", "period": "2026-03", "value": 30}
    ]


def test_a_bad_time_range_is_refused_by_the_interface():
    with pytest.raises(ValueError, match="from < to"):
        Variables(time_range=(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)))
    with pytest.raises(ValueError, match="aware"):
        Variables(time_range=(datetime(2026, 3, 1), datetime(2026, 3, 2)))


def test_variables_change_the_cache_key_and_etag(dashboard, regional):
    from dashboards.widgets.data import dashboard_widget_payloads

    widgets = [w for w in dashboard.widgets.all() if w.key == "orders"]
    plain = dashboard_widget_payloads(dashboard, widgets)[0]
    north = dashboard_widget_payloads(
        dashboard, widgets, variables=Variables(filters={"region": "north"})
    )[0]
    assert plain.etag != north.etag
