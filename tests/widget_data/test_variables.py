"""Dashboard variables at read time: every preset and an absolute range against hand-computed
sums (UTC day and month boundaries), dimension filters per widget type, `var-` overrides in
both families and the widget data endpoint, bad values refused before anything is computed.

"Now" is pinned with the DASHBOARDS_FIXED_NOW setting (dashboards/clock.py): Sunday
2026-03-15 12:00 UTC. The points are powers of two, so each sum names its points.
"""

import re

import pytest
from django.db import connection

from dashboards import services, variables
from dashboards.exceptions import ValidationFailed
from ops import metrics as ops_metrics
from tests.api.analytics.conftest import error as analytics_error
from tests.api.v1.conftest import V1, ok
from tests.api.v1.conftest import error as v1_error
from tests.widget_data.conftest import EVERY_TYPE, point

pytestmark = pytest.mark.django_db

FIXED_NOW = "2026-03-15T12:00:00+00:00"

TIME = {"name": "timeRange", "type": "timeRange", "default": None}
REGION = {
    "name": "region",
    "type": "dimension",
    "dimension": "region",
    "default": None,
    "options": ["north", "south"],
}

POINTS = [
    ("2025-03-31T23:59:59Z", 1),  # the day before last_12_months starts (April 2025)
    ("2025-04-01T00:00:00Z", 2),  # first instant of last_12_months
    ("2025-12-15T23:59:59Z", 8),  # last instant before last_90_days (2025-12-16)
    ("2025-12-16T00:00:00Z", 16),  # first instant of last_90_days
    ("2025-12-31T23:59:59Z", 4),  # last instant of 2025
    ("2026-01-01T00:00:00Z", 32),  # first instant of this_year
    ("2026-02-13T23:59:59Z", 64),  # last instant before last_30_days (2026-02-14)
    ("2026-02-14T00:00:00Z", 128),  # first instant of last_30_days
    ("2026-02-28T23:59:59Z", 256),  # last instant of February
    ("2026-03-01T00:00:00Z", 512),  # first instant of this_month
    ("2026-03-08T23:59:59Z", 1024),  # last instant before last_7_days (Monday 03-09)
    ("2026-03-09T00:00:00Z", 2048),  # first instant of last_7_days
    ("2026-03-14T23:59:59Z", 4096),  # last instant of yesterday
    ("2026-03-15T00:00:00Z", 8192),  # first instant of today
    ("2026-03-15T23:59:59Z", 16384),  # last instant of today (windows are whole days)
    ("2026-03-16T00:00:00Z", 32768),  # tomorrow: in this month, this year, last 12 months
]

EXPECTED = {
    "today": 8192 + 16384,
    "last_7_days": 2048 + 4096 + 8192 + 16384,
    "last_30_days": 128 + 256 + 512 + 1024 + 2048 + 4096 + 8192 + 16384,
    "last_90_days": 16 + 4 + 32 + 64 + 128 + 256 + 512 + 1024 + 2048 + 4096 + 8192 + 16384,
    "last_12_months": 65535 - 1,  # every point but the first
    "this_month": 512 + 1024 + 2048 + 4096 + 8192 + 16384 + 32768,
    "this_year": 32 + 64 + 128 + 256 + 512 + 1024 + 2048 + 4096 + 8192 + 16384 + 32768,
    # -01:00 is UTC's 1 March 00:00: [03-01, 03-09)
    "2026-02-28T23:00:00-01:00/2026-03-09T00:00:00Z": 512 + 1024,
    "2026-01-01/2026-02-14": 32 + 64,
}
RANGES = {
    "today": ("2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z"),
    "last_7_days": ("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"),
    "last_30_days": ("2026-02-14T00:00:00Z", "2026-03-16T00:00:00Z"),
    "last_90_days": ("2025-12-16T00:00:00Z", "2026-03-16T00:00:00Z"),
    "last_12_months": ("2025-04-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    "this_month": ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    "this_year": ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    "2026-02-28T23:00:00-01:00/2026-03-09T00:00:00Z": (
        "2026-03-01T00:00:00Z",
        "2026-03-09T00:00:00Z",
    ),
    "2026-01-01/2026-02-14": ("2026-01-01T00:00:00Z", "2026-02-14T00:00:00Z"),
}


@pytest.fixture(autouse=True)
def _fixed_now(settings):
    settings.DASHBOARDS_FIXED_NOW = FIXED_NOW


@pytest.fixture
def orders(project, ingest):
    ingest(*(point("orders", stamp, value) for stamp, value in POINTS))
    return services.dashboard_create(
        user=project.owner,
        project=project,
        scope="project",
        name="Orders",
        definition={"variables": [{**TIME, "default": "last_30_days"}, REGION]},
        widgets=[
            {"id": "total", "type": "kpi", "config": {"metric": "orders", "aggregation": "sum"}},
            {
                "id": "week",
                "type": "kpi",
                "config": {"metric": "orders", "aggregation": "sum", "days": 7},
            },
        ],
    )


def widget(body, key):
    return next(item for item in body["widgets"] if item["id"] == key)


@pytest.mark.parametrize("value", list(EXPECTED))
def test_each_range_sums_exactly_its_points(client_for, alice, orders, value):
    response = client_for(alice).get(f"/api/dashboards/{orders.pk}", {"var-timeRange": value})

    assert response.status_code == 200, response.content
    body = response.json()
    assert widget(body, "total")["data"]["value"] == EXPECTED[value]
    start, end = RANGES[value]
    assert body["variables"] == {
        "timeRange": {"value": value, "source": "request", "from": start, "to": end},
        "region": {"value": None, "source": "default"},
    }


def test_default_applies_and_an_explicit_days_wins(client_for, alice, orders):
    body = client_for(alice).get(f"/api/dashboards/{orders.pk}").json()

    assert widget(body, "total")["data"]["value"] == EXPECTED["last_30_days"]
    assert body["variables"]["timeRange"]["source"] == "default"
    # `"days": 7` set in the config keeps its window whatever the dashboard's range.
    assert widget(body, "week")["data"]["value"] == EXPECTED["last_7_days"]
    this_year = client_for(alice).get(
        f"/api/dashboards/{orders.pk}", {"var-timeRange": "this_year"}
    )
    assert widget(this_year.json(), "week")["data"]["value"] == EXPECTED["last_7_days"]


def test_v1_load_and_widget_endpoint_apply_the_same_values(client_for, alice, project, orders):
    client = client_for(alice)
    loaded = ok(
        client.get(
            f"{V1}/dashboards/{project.pk}/{orders.pk}",
            {"scope": "project", "var-timeRange": "today", "var-region": "north"},
        )
    )
    assert loaded["variables"] == {
        "timeRange": {
            "value": "today",
            "source": "request",
            "from": "2026-03-15T00:00:00Z",
            "to": "2026-03-16T00:00:00Z",
        },
        "region": {"value": "north", "source": "request"},
    }
    data = client.get(f"/api/dashboards/{orders.pk}/widgets/total/data", {"var-timeRange": "today"})
    assert data.json()["data"]["value"] == EXPECTED["today"]
    assert data.json()["variables"]["timeRange"]["value"] == "today"


def test_the_widget_etag_follows_the_resolved_values(client_for, alice, orders):
    client = client_for(alice)
    url = f"/api/dashboards/{orders.pk}/widgets/total/data"
    default = client.get(url)["ETag"]
    # The default spelled out resolves to the same range: the same data, the same ETag.
    assert client.get(url, {"var-timeRange": "last_30_days"})["ETag"] == default
    week = client.get(url, {"var-timeRange": "last_7_days"})["ETag"]
    assert week != default
    north = client.get(url, {"var-region": "north"})["ETag"]
    assert len({default, week, north}) == 3
    unchanged = client.get(url, {"var-timeRange": "last_7_days"}, HTTP_IF_NONE_MATCH=week)
    assert unchanged.status_code == 304
    # A 304 answers only the ETag of the values asked for.
    assert client.get(url, HTTP_IF_NONE_MATCH=week).status_code == 200


def test_the_dashboard_etag_names_the_version_and_the_values(client_for, alice, project, orders):
    client = client_for(alice)
    url = f"/api/dashboards/{orders.pk}"
    default = client.get(url)["ETag"]
    assert re.fullmatch(rf'"{orders.pk}-v1~[0-9a-f]{{8}}"', default)
    assert client.get(url, {"var-timeRange": "last_30_days"})["ETag"] == default  # same range
    week = client.get(url, {"var-timeRange": "last_7_days"})["ETag"]
    assert week != default
    v1 = client.get(
        f"{V1}/dashboards/{project.pk}/{orders.pk}",
        {"scope": "project", "var-timeRange": "last_7_days"},
    )
    assert v1["ETag"] == week
    # Either form is the version's token for a write.
    renamed = client.patch(url, {"name": "Orders 2"}, format="json", HTTP_IF_MATCH=week)
    assert renamed.status_code == 200, renamed.content
    assert renamed["ETag"] == f'"{orders.pk}-v2"'
    stale = client.patch(url, {"name": "Orders 3"}, format="json", HTTP_IF_MATCH=week)
    analytics_error(stale, 412, "PRECONDITION_FAILED")
    forged = client.patch(
        url, {"name": "Orders 3"}, format="json", HTTP_IF_MATCH=f'"{orders.pk}-v2~zz"'
    )
    analytics_error(forged, 400, "VALIDATION_ERROR")


def test_a_dashboard_without_values_keeps_the_plain_etag(client_for, alice, dashboard):
    assert client_for(alice).get(f"/api/dashboards/{dashboard.pk}")["ETag"] == (
        f'"{dashboard.pk}-v1"'
    )


BAD_VALUES = [
    ({"var-colour": "red"}, "var-colour", "Unknown variable"),
    ({"var-timeRange": "last_8_days"}, "var-timeRange", "Unknown preset"),
    ({"var-timeRange": "2026-02-01T00:00:00Z/2026-01-01T00:00:00Z"}, "var-timeRange", "before"),
    ({"var-timeRange": "2010-01-01T00:00:00Z/2026-01-01T00:00:00Z"}, "var-timeRange", "10 years"),
    ({"var-timeRange": "2026-01-01T00:00:00/2026-02-01T00:00:00Z"}, "var-timeRange", "zone"),
    ({"var-timeRange": "yesterday/today"}, "var-timeRange", "ISO 8601"),
    ({"var-region": "east"}, "var-region", "north, south"),
    ({"var-timeRange": "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z/x"}, "var-timeRange", "two"),
]


def _lookups() -> float:
    return sum(
        ops_metrics.WIDGET_DATA_CACHE.labels(result=result)._value.get()
        for result in ("hit", "miss")
    )


@pytest.mark.parametrize(("params", "field", "words"), BAD_VALUES)
def test_bad_values_are_a_400_naming_them_and_nothing_is_computed(
    client_for, alice, project, orders, params, field, words, django_assert_max_num_queries
):
    client = client_for(alice)
    before = _lookups()
    with django_assert_max_num_queries(2):  # the dashboard and its widgets: no data query
        response = client.get(f"/api/dashboards/{orders.pk}", params)
    details = analytics_error(response, 400, "VALIDATION_ERROR")["details"]
    assert list(details) == [field]
    assert words in details[field][0]

    widget_data = client.get(f"/api/dashboards/{orders.pk}/widgets/total/data", params)
    assert list(analytics_error(widget_data, 400, "VALIDATION_ERROR")["details"]) == [field]
    csv = client.get(f"/api/dashboards/{orders.pk}/widgets/total/data?format=csv", params)
    assert list(analytics_error(csv, 400, "VALIDATION_ERROR")["details"]) == [field]
    v1 = client.get(f"{V1}/dashboards/{project.pk}/{orders.pk}", {"scope": "project", **params})
    assert v1_error(v1, 400, "VALIDATION_ERROR").startswith(f"{field}: ")
    # No cache lookup, so nothing was computed or written to the cache.
    assert _lookups() == before


def test_a_variable_given_twice_is_refused(client_for, alice, orders):
    response = client_for(alice).get(
        f"/api/dashboards/{orders.pk}?var-region=north&var-region=south"
    )
    assert list(analytics_error(response, 400, "VALIDATION_ERROR")["details"]) == ["var-region"]


def test_a_dashboard_without_variables_refuses_any(client_for, alice, dashboard):
    response = client_for(alice).get(f"/api/dashboards/{dashboard.pk}?var-timeRange=today")
    details = analytics_error(response, 400, "VALIDATION_ERROR")["details"]
    assert details == {
        "var-timeRange": ["Unknown variable 'timeRange'; this dashboard declares: none."]
    }


def test_a_free_dimension_value_is_checked(client_for, alice, orders):
    services.dashboard_update(
        dashboard=orders,
        user=orders.owner,
        definition={"variables": [{"name": "plan", "type": "dimension", "dimension": "plan"}]},
    )
    client = client_for(alice)
    for value, words in [("a\x00b", "NUL"), ("x" * 201, "200 characters")]:
        response = client.get(f"/api/dashboards/{orders.pk}", {"var-plan": value})
        assert words in analytics_error(response, 400, "VALIDATION_ERROR")["details"]["var-plan"][0]
    assert client.get(f"/api/dashboards/{orders.pk}", {"var-plan": "pro"}).status_code == 200


def test_all_clears_a_dimension_default(project, ingest):
    ingest(point("orders", "2026-03-15T01:00:00Z", 1, region="north"))
    ingest(point("orders", "2026-03-15T02:00:00Z", 2, region="south"))
    definition = {"variables": [{**REGION, "default": "south"}]}
    by_default = variables.resolve_variables(definition, {})
    assert by_default.variables.filters == {"region": "south"}
    cleared = variables.resolve_variables(definition, {"region": variables.ALL})
    assert cleared.variables.filters == {}
    assert cleared.applied == {"region": {"value": None, "source": "request"}}


# --- Locked values and an allow-list (what share links pass in) ---------------------------


def test_locked_values_cannot_be_overridden_and_only_allowed_names_can():
    definition = {"variables": [{**TIME, "default": "this_year"}, REGION]}
    resolved = variables.resolve_variables(
        definition, {"region": "north"}, locked={"timeRange": "today"}, allowed=["region"]
    )
    assert resolved.applied["timeRange"]["source"] == "locked"
    assert resolved.applied["timeRange"]["value"] == "today"
    assert resolved.variables.filters == {"region": "north"}

    with pytest.raises(ValidationFailed) as locked:
        variables.resolve_variables(
            definition, {"timeRange": "this_year"}, locked={"timeRange": "today"}
        )
    assert list(locked.value.details) == ["var-timeRange"]
    with pytest.raises(ValidationFailed) as forbidden:
        variables.resolve_variables(definition, {"timeRange": "today"}, allowed=["region"])
    assert "may not be changed" in forbidden.value.details["var-timeRange"][0]
    # A locked name the dashboard no longer declares is moot.
    assert variables.resolve_variables(definition, {}, locked={"gone": "x"}).applied.keys() == {
        "timeRange",
        "region",
    }


# --- Dimension filters, per widget type, through the API ----------------------------------


@pytest.fixture
def regional(project, ingest):
    def both(metric, stamp, north, south):
        return [
            point(metric, stamp, north, region="north", plan="pro"),
            point(metric, stamp, south, region="south", plan="pro"),
        ]

    ingest(
        *both("revenue", "2026-02-10T10:00:00Z", 100, 1000),
        *both("revenue", "2026-03-10T10:00:00Z", 200, 2000),
        *both("active_subscriptions", "2026-03-14T10:00:00Z", 7, 70),
        *both("orders", "2026-03-14T10:00:00Z", 3, 30),
        *both("visits", "2026-03-13T10:00:00Z", 5, 50),
        *both("deals", "2026-03-12T10:00:00Z", 2, 20),
    )
    return services.dashboard_create(
        user=project.owner,
        project=project,
        scope="project",
        name="Regions",
        definition={"variables": [TIME, REGION]},
        widgets=EVERY_TYPE,
    )


def test_a_dimension_variable_filters_every_widget_type(client_for, alice, regional):
    body = client_for(alice).get(f"/api/dashboards/{regional.pk}", {"var-region": "north"}).json()
    data = {item["id"]: item["data"] for item in body["widgets"]}

    assert data == {
        "revenue": {
            "series": [
                {"month": "Feb", "period": "2026-02", "value": 100},
                {"month": "Mar", "period": "2026-03", "value": 200},
            ]
        },
        "subs": {"value": 7, "asOf": "2026-03-14T10:00:00Z"},
        "orders": {
            "value": 3,
            "aggregation": "sum",
            "unit": "orders",
            "asOf": "2026-03-14T10:00:00Z",
        },
        "visits": {"series": [{"period": "2026-03-13", "value": 5}]},
        "deals": {"series": [{"dimension": "north", "value": 2}]},
        "share": {"series": [{"dimension": "north", "value": 2}]},
        "monthly": {"series": [{"period": "2026-03", "value": 2}]},
        "notes": None,
    }
    everything = client_for(alice).get(f"/api/dashboards/{regional.pk}").json()
    assert widget(everything, "orders")["data"]["value"] == 33
    assert widget(everything, "share")["data"]["series"] == [
        {"dimension": "south", "value": 20},
        {"dimension": "north", "value": 2},
    ]


def test_a_filter_in_the_widget_config_wins_over_the_variable(client_for, alice, regional):
    services.dashboard_update(
        dashboard=regional,
        user=regional.owner,
        widgets=[
            {
                "id": "south",
                "type": "kpi",
                "config": {
                    "metric": "orders",
                    "aggregation": "sum",
                    "filters": {"region": "south"},
                },
            }
        ],
    )
    body = client_for(alice).get(f"/api/dashboards/{regional.pk}", {"var-region": "north"}).json()
    assert widget(body, "south")["data"]["value"] == 30


def test_the_range_applies_to_every_widget_type(client_for, alice, regional):
    body = (
        client_for(alice)
        .get(f"/api/dashboards/{regional.pk}", {"var-timeRange": "2026-03-01/2026-03-13"})
        .json()
    )
    data = {item["id"]: item["data"] for item in body["widgets"]}
    assert data["revenue"]["series"] == [{"month": "Mar", "period": "2026-03", "value": 2200}]
    assert data["subs"] == {"value": None, "asOf": None}  # its points are on the 14th
    assert data["orders"]["value"] == 33  # "days": 30 in its config: its own window
    assert data["visits"]["series"] == []  # the 13th is outside [03-01, 03-13)
    assert data["deals"]["series"] == [
        {"dimension": "south", "value": 20},
        {"dimension": "north", "value": 2},
    ]
    assert data["monthly"]["series"] == [{"period": "2026-03", "value": 22}]  # "days": 365


def read_queries(data_widgets: int) -> int:
    """Visibility and the dashboard, its widgets, the series versions, then one statement
    per data widget (on PostgreSQL in a savepoint with its timeout, reset at the end)."""
    per_widget = 4 if connection.vendor == "postgresql" else 1
    return 3 + per_widget * data_widgets + (1 if connection.vendor == "postgresql" else 0)


def test_query_count_is_fixed_with_variables_on(
    client_for, alice, regional, django_assert_max_num_queries
):
    client = client_for(alice)
    params = {"var-timeRange": "last_90_days", "var-region": "north"}
    with django_assert_max_num_queries(read_queries(7)):
        cold = client.get(f"/api/dashboards/{regional.pk}", params)
    assert cold.status_code == 200
    with django_assert_max_num_queries(3):  # warm: no provider statement
        warm = client.get(f"/api/dashboards/{regional.pk}", params)
    assert warm.json()["widgets"] == cold.json()["widgets"]
