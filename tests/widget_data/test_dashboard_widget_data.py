"""`dashboard_widget_data`: what `GET /api/dashboards/{id}` embeds, at a fixed query count."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection

from dashboards.widgets.data import dashboard_widget_data, dashboard_widget_payloads
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(ingest):
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = (today + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ingest(
        point("revenue", stamp, 5000),
        point("active_subscriptions", stamp, 1234),
        point("orders", stamp, 3),
        point("visits", stamp, 10),
        point("deals", stamp, 2, region="north"),
        point("deals", stamp, 1, region="south"),
    )
    return stamp


def _widgets(dashboard):
    return list(dashboard.widgets.order_by("position"))


def test_every_widget_gets_its_data(dashboard, filled):
    data = dashboard_widget_data(dashboard, _widgets(dashboard))
    month = filled[:7]

    assert data == {
        "revenue": {
            "series": [
                {
                    "month": datetime.strptime(month, "%Y-%m").strftime("%b"),
                    "period": month,
                    "value": 5000,
                }
            ]
        },
        "subs": {"value": 1234, "asOf": filled},
        "orders": {"value": 3, "aggregation": "sum", "unit": "orders", "asOf": filled},
        "visits": {"series": [{"period": filled[:10], "value": 10}]},
        "deals": {
            "series": [{"dimension": "north", "value": 2}, {"dimension": "south", "value": 1}]
        },
        "share": {
            "series": [{"dimension": "north", "value": 2}, {"dimension": "south", "value": 1}]
        },
        "monthly": {"series": [{"period": month, "value": 3}]},
        "notes": None,
    }


def cold_queries(data_widgets: int) -> int:
    """The versions query, then one statement per data widget; on PostgreSQL each runs in a
    savepoint (here: the test's transaction) with its SET LOCAL timeout, reset at the end."""
    if connection.vendor == "postgresql":
        return 1 + 4 * data_widgets + 1
    return 1 + data_widgets


def test_eight_widgets_cost_one_query_per_data_widget_cold_and_one_warm(
    dashboard, filled, django_assert_num_queries
):
    widgets = _widgets(dashboard)
    assert len(widgets) == 8
    with django_assert_num_queries(cold_queries(7)):  # the text widget has no query
        cold = dashboard_widget_data(dashboard, widgets)
    with django_assert_num_queries(1):  # the series versions, confirmed by the database
        warm = dashboard_widget_data(dashboard, widgets)

    assert warm == cold


def test_cached_data_is_refreshed_after_ingestion(dashboard, filled, ingest):
    widgets = _widgets(dashboard)
    dashboard_widget_data(dashboard, widgets)

    ingest(point("orders", filled, 10))  # replaces the value 3

    assert dashboard_widget_data(dashboard, widgets)["orders"]["value"] == 10


def test_etags_are_per_widget_and_stable(dashboard, filled):
    first = {p.key: p.etag for p in dashboard_widget_payloads(dashboard, _widgets(dashboard))}
    second = {p.key: p.etag for p in dashboard_widget_payloads(dashboard, _widgets(dashboard))}

    assert first == second
    assert len(set(first.values())) == 8


def test_data_is_in_the_shared_cache(dashboard, filled):
    payloads = dashboard_widget_payloads(dashboard, _widgets(dashboard))
    digest = next(p.etag for p in payloads if p.key == "orders").strip('"')

    assert cache.get(f"widget-data:{digest}")["data"]["value"] == 3
