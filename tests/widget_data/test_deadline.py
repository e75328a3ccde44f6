"""No widget can take a dashboard down: one deadline per request, an error object per widget.

The slow query is real: PostgreSQL sleeps (`pg_sleep`), SQLite counts to a billion in a
recursive CTE; the deadline (a statement timeout, a progress handler) must cut it short.
"""

import time

import pytest
from django.core.cache import cache
from django.db import connection

from dashboards.widgets import query
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db

API = "/api/dashboards"


def _slow_sql() -> str:
    if connection.vendor == "postgresql":
        return "SELECT 1 AS slow FROM (SELECT pg_sleep(30)) s"
    return (
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000000) "
        "SELECT count(*) AS slow FROM c"
    )


@pytest.fixture
def slow_metric(monkeypatch):
    """Make every provider query over the metric `orders` slow (the others stay fast)."""
    original = query.records

    def records(selection, group_dimension=None):
        sql, params = original(selection, group_dimension)
        if selection.metric == "orders":
            sql = f"SELECT r.* FROM ({sql}) r CROSS JOIN ({_slow_sql()}) s"  # noqa: S608
        return sql, params

    monkeypatch.setattr(query, "records", records)


@pytest.fixture
def broken_metric(monkeypatch):
    """Make the query over `orders` fail in the database (a column that does not exist)."""
    original = query.records

    def records(selection, group_dimension=None):
        sql, params = original(selection, group_dimension)
        if selection.metric == "orders":
            sql = f"SELECT r.*, no_such_column FROM ({sql}) r"  # noqa: S608
        return sql, params

    monkeypatch.setattr(query, "records", records)


@pytest.fixture
def filled(ingest):
    from django.utils import timezone

    stamp = timezone.now().replace(microsecond=0).isoformat()
    ingest(point("orders", stamp, 3), point("visits", stamp, 10), point("revenue", stamp, 7))


def test_a_slow_widget_times_out_alone_and_the_dashboard_answers_200(
    client_for, alice, dashboard, filled, slow_metric, settings
):
    settings.WIDGET_DATA_DEADLINE_SECONDS = 1
    started = time.monotonic()
    response = client_for(alice).get(f"{API}/{dashboard.pk}")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < 5
    widgets = {w["id"]: w for w in response.json()["widgets"]}
    assert widgets["orders"]["data"] is None
    assert widgets["orders"]["error"]["code"] == "WIDGET_TIMEOUT"
    assert "1 s" in widgets["orders"]["error"]["message"]
    # Widgets before it answered; those after it had no time left, or answered: never 500.
    assert widgets["revenue"]["data"]["series"][0]["value"] == 7
    assert "error" not in widgets["notes"]
    for widget in widgets.values():
        assert ("error" in widget) == (widget["data"] is None and widget["type"] != "text")


def test_a_timed_out_widget_is_not_cached(
    client_for, alice, dashboard, filled, slow_metric, settings, monkeypatch
):
    settings.WIDGET_DATA_DEADLINE_SECONDS = 1
    client = client_for(alice)
    assert client.get(f"{API}/{dashboard.pk}/widgets/orders/data").status_code == 503

    monkeypatch.undo()  # the database is fast again
    settings.WIDGET_DATA_DEADLINE_SECONDS = 10
    response = client.get(f"{API}/{dashboard.pk}/widgets/orders/data")
    assert response.status_code == 200
    assert response.json()["data"]["value"] == 3


def test_widget_endpoint_answers_503_with_the_widget_error(
    client_for, alice, dashboard, filled, slow_metric, settings
):
    settings.WIDGET_DATA_DEADLINE_SECONDS = 0.5
    response = client_for(alice).get(f"{API}/{dashboard.pk}/widgets/orders/data")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")
    body = response.json()
    assert body["id"] == "orders"
    assert body["type"] == "kpi"
    assert body["data"] is None
    assert body["error"]["code"] == "WIDGET_TIMEOUT"


def test_a_failing_widget_answers_its_error_and_the_next_ones_still_answer(
    client_for, alice, dashboard, filled, broken_metric
):
    response = client_for(alice).get(f"{API}/{dashboard.pk}")

    assert response.status_code == 200
    widgets = {w["id"]: w for w in response.json()["widgets"]}
    assert widgets["orders"] == {**widgets["orders"], "data": None}
    assert widgets["orders"]["error"] == {
        "code": "WIDGET_DATA_ERROR",
        "message": "This widget's data could not be computed.",
    }
    # The failed statement left the connection usable (a savepoint on PostgreSQL).
    assert widgets["visits"]["data"]["series"][0]["value"] == 10
    # Failures are not cached as if they were data.
    assert cache.get(f"widget-data:{response_etag(client_for(alice), dashboard)}") is None


def response_etag(client, dashboard) -> str:
    # The widget endpoint (still failing) sends no ETag; the digest is the fast widget's
    # neighbour's... so read it from the payload plan instead.
    from django.utils import timezone

    from dashboards.widgets.data import widget_plans
    from dashboards.widgets.query import NO_VARIABLES

    widgets = [w for w in dashboard.widgets.all() if w.key == "orders"]
    return widget_plans(dashboard, widgets, timezone.now(), NO_VARIABLES)[0].digest


def test_once_the_budget_is_spent_the_remaining_widgets_do_not_query(
    dashboard, filled, django_assert_max_num_queries
):
    from dashboards.widgets.data import dashboard_widget_payloads
    from dashboards.widgets.deadline import Deadline

    widgets = list(dashboard.widgets.order_by("position"))
    with django_assert_max_num_queries(1):  # the series versions only
        payloads = dashboard_widget_payloads(dashboard, widgets, deadline=Deadline(0))

    codes = {p.key: (p.error or {}).get("code") for p in payloads}
    assert codes == {
        "revenue": "WIDGET_TIMEOUT",
        "subs": "WIDGET_TIMEOUT",
        "orders": "WIDGET_TIMEOUT",
        "visits": "WIDGET_TIMEOUT",
        "deals": "WIDGET_TIMEOUT",
        "share": "WIDGET_TIMEOUT",
        "monthly": "WIDGET_TIMEOUT",
        "notes": None,  # text has no data to compute
    }


def test_the_live_page_shows_the_error_and_answers_200(
    alice, dashboard, filled, slow_metric, settings
):
    from django.test import Client

    settings.WIDGET_DATA_DEADLINE_SECONDS = 0.5
    client = Client()
    client.force_login(alice)
    response = client.get(f"/dashboards/{dashboard.pk}/")

    assert response.status_code == 200
    assert b'"code": "WIDGET_TIMEOUT"' in response.content
