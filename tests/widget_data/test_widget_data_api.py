"""`GET /api/dashboards/{id}/widgets/{widgetId}/data`: ETags, 304, invalidation, visibility."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.http import parse_http_date

from dashboards import services
from tests.factories import DashboardFactory, ProjectFactory, WidgetFactory
from tests.widget_data.conftest import EVERY_TYPE, point

pytestmark = pytest.mark.django_db


def url(dashboard, key: str) -> str:
    return f"/api/dashboards/{dashboard.pk}/widgets/{key}/data"


def recent(hours_ago: int = 1) -> str:
    moment = datetime.now(UTC) - timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_answers_the_widgets_data_with_validators(client_for, alice, project, dashboard, ingest):
    latest = recent(1)  # once: a second boundary between two calls would change it
    ingest(point("orders", recent(2), 3), point("orders", latest, 4))
    response = client_for(alice).get(url(dashboard, "orders"))

    assert response.status_code == 200
    assert response.json() == {
        "id": "orders",
        "type": "kpi",
        "data": {"value": 7, "aggregation": "sum", "unit": "orders", "asOf": latest},
        "variables": {},
    }
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
    assert response["Cache-Control"] == "private, no-cache"
    assert parse_http_date(response["Last-Modified"]) <= datetime.now(UTC).timestamp() + 1


def test_current_etag_gets_304_without_body(client_for, alice, dashboard, ingest):
    ingest(point("orders", recent(), 3))
    client = client_for(alice)
    etag = client.get(url(dashboard, "orders"))["ETag"]

    response = client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


@pytest.mark.parametrize("form", ["W/{etag}", '"other", {etag}', "*"])
def test_if_none_match_forms(client_for, alice, dashboard, form):
    client = client_for(alice)
    etag = client.get(url(dashboard, "revenue"))["ETag"]

    response = client.get(url(dashboard, "revenue"), HTTP_IF_NONE_MATCH=form.format(etag=etag))

    assert response.status_code == 304


def test_stale_etag_gets_200(client_for, alice, dashboard):
    response = client_for(alice).get(url(dashboard, "revenue"), HTTP_IF_NONE_MATCH='"stale"')

    assert response.status_code == 200
    assert response.json()["data"] == {"series": []}


def test_new_points_change_the_etag_and_the_data(client_for, alice, project, dashboard):
    client = client_for(alice)
    first = client.get(url(dashboard, "orders"))
    assert first.json()["data"]["value"] is None

    ingested = client.post(
        f"/api/projects/{project.pk}/metrics",
        {"points": [point("orders", recent(), 42)]},
        format="json",
    )
    assert ingested.status_code == 200

    second = client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["data"]["value"] == 42
    assert second["ETag"] != first["ETag"]
    third = client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 304


def test_points_of_another_metric_or_project_keep_the_etag(client_for, alice, dashboard, ingest):
    client = client_for(alice)
    etag = client.get(url(dashboard, "orders"))["ETag"]

    ingest(point("visits", recent(), 1))
    ingest(point("orders", recent(), 1), target=ProjectFactory(owner=alice))

    assert client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_config_change_changes_the_etag(client_for, alice, dashboard, ingest):
    ingest(point("orders", recent(), 5), point("orders", recent(2), 1))
    client = client_for(alice)
    etag = client.get(url(dashboard, "orders"))["ETag"]

    widgets = [dict(w) for w in EVERY_TYPE]
    widgets[2] = {**widgets[2], "config": {"metric": "orders", "aggregation": "max"}}
    services.dashboard_update(dashboard=dashboard, user=alice, widgets=widgets)

    response = client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["data"]["value"] == 5
    assert response["ETag"] != etag


def test_a_flushed_cache_keeps_the_etag_and_the_data(client_for, alice, dashboard, ingest):
    from django.core.cache import cache

    ingest(point("orders", recent(), 4))
    client = client_for(alice)
    before = client.get(url(dashboard, "orders"))
    cache.clear()

    after = client.get(url(dashboard, "orders"))
    assert after.json() == before.json()
    assert after["ETag"] == before["ETag"]  # the version is the database's, not the cache's
    revalidated = client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert revalidated.status_code == 304


def test_text_widget_has_null_data(client_for, alice, dashboard):
    response = client_for(alice).get(url(dashboard, "notes"))

    assert response.status_code == 200
    assert response.json() == {"id": "notes", "type": "text", "data": None, "variables": {}}


def test_project_viewer_reads_shared_dashboard(client_for, bob, dashboard):
    assert client_for(bob).get(url(dashboard, "revenue")).status_code == 200


def test_outsider_gets_404(client_for, charlie, dashboard):
    response = client_for(charlie).get(url(dashboard, "revenue"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DASHBOARD_NOT_FOUND"


def test_member_gets_404_for_private_dashboard(client_for, bob, project, alice):
    private = DashboardFactory(owner=alice, project=project, scope="user")
    WidgetFactory(dashboard=private, key="w")

    response = client_for(bob).get(url(private, "w"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DASHBOARD_NOT_FOUND"


@pytest.mark.parametrize("dashboard_id", [uuid.uuid4(), "nope"])
def test_missing_dashboard_gets_404(client_for, alice, dashboard_id):
    response = client_for(alice).get(f"/api/dashboards/{dashboard_id}/widgets/w/data")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DASHBOARD_NOT_FOUND"


def test_unknown_widget_gets_404(client_for, alice, dashboard):
    response = client_for(alice).get(url(dashboard, "widget_99"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "WIDGET_NOT_FOUND"


def test_anonymous_gets_401(api_client, dashboard):
    response = api_client.get(url(dashboard, "revenue"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_session_of_a_logged_in_user_works(api_client, alice, dashboard):
    # The live page polls with the session cookie.
    api_client.force_login(alice)

    assert api_client.get(url(dashboard, "revenue")).status_code == 200


def test_warm_304_and_200_cost_a_fixed_number_of_queries(
    client_for, alice, dashboard, ingest, django_assert_max_num_queries
):
    ingest(point("orders", recent(), 3))
    client = client_for(alice)
    etag = client.get(url(dashboard, "orders"))["ETag"]
    # dashboard, widgets, the series version of its metric (the user comes from the JWT)
    with django_assert_max_num_queries(3):
        assert client.get(url(dashboard, "orders"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_assert_max_num_queries(3):
        assert client.get(url(dashboard, "orders")).status_code == 200


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_timestamp_out_of_range_in_utc_is_400(client_for, alice, project, stamp):
    response = client_for(alice).post(
        f"/api/projects/{project.pk}/metrics",
        {"points": [{"metric": "revenue", "timestamp": stamp, "value": 1}]},
        format="json",
    )
    assert response.status_code == 400
    assert "points[0].timestamp" in response.json()["error"]["details"]
