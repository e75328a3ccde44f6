"""A fixed number of SQL queries per request, however many dashboards or widgets."""

import pytest
from rest_framework.throttling import UserRateThrottle

from tests.api.analytics.conftest import API, error
from tests.factories import DashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db

# the list version, the page and, when the total is not cached yet, the count (the user
# comes from the token's claims on reads)
LIST_QUERIES = 3
LIST_QUERIES_CACHED = 2
# dashboard + widgets (text widgets need no data queries)
DETAIL_QUERIES = 2


@pytest.mark.parametrize("n", [1, 50])
def test_list_query_count_does_not_grow_with_rows(
    client_for, alice, n, django_assert_max_num_queries
):
    for _ in range(n):
        WidgetFactory(dashboard=DashboardFactory(owner=alice))
    client = client_for(alice)
    with django_assert_max_num_queries(LIST_QUERIES):
        body = client.get(f"{API}/dashboards", {"$top": 50}).json()
    assert body["count"] == n
    assert {row["widgetCount"] for row in body["value"]} == {1}
    with django_assert_max_num_queries(LIST_QUERIES_CACHED):
        again = client.get(f"{API}/dashboards", {"$top": 50}).json()
    assert again == body


@pytest.mark.parametrize("n", [1, 30])
def test_detail_query_count_does_not_grow_with_widgets(
    client_for, alice, n, django_assert_max_num_queries
):
    dashboard = DashboardFactory(owner=alice)
    for position in range(n):
        WidgetFactory(dashboard=dashboard, position=position)
    client = client_for(alice)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        body = client.get(f"{API}/dashboards/{dashboard.pk}").json()
    assert len(body["widgets"]) == n


def test_detail_with_data_widgets_is_fixed_once_cached(
    client_for, alice, django_assert_max_num_queries
):
    dashboard = DashboardFactory(owner=alice)
    for position in range(30):
        WidgetFactory(
            dashboard=dashboard,
            position=position,
            type="kpi",
            size="small",
            config={"metric": f"m{position % 3}"},
        )
    client = client_for(alice)
    client.get(f"{API}/dashboards/{dashboard.pk}")  # computes and caches the data
    # + one query for the series versions of its metrics (what keys the cached data)
    with django_assert_max_num_queries(DETAIL_QUERIES + 1):
        body = client.get(f"{API}/dashboards/{dashboard.pk}").json()
    assert body["widgets"][0]["data"]["value"] is None


def test_next_link_pages_through_everything(client_for, alice):
    for _ in range(5):
        DashboardFactory(owner=alice)
    client = client_for(alice)
    seen, url = [], f"{API}/dashboards?$top=2"
    while url:
        body = client.get(url).json()
        assert body["count"] == 5
        seen += [row["id"] for row in body["value"]]
        url = body.get("nextLink")
    assert len(seen) == len(set(seen)) == 5


def test_skip_past_the_end_is_an_empty_page(client_for, alice):
    DashboardFactory(owner=alice)
    body = client_for(alice).get(f"{API}/dashboards", {"$skip": 10}).json()
    assert body == {"value": [], "count": 1}


def test_throttled_is_429(client_for, alice, monkeypatch, settings):
    settings.API_THROTTLE_READS = True
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    client = client_for(alice)
    statuses = [client.get(f"{API}/widget-types").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get(f"{API}/widget-types")
    err = error(response, 429, "RATE_LIMITED")
    assert err["details"]["retryAfter"] > 0
    assert int(response["Retry-After"]) > 0


def test_filter_and_orderby_through_the_endpoint(client_for, alice, bob):
    for name in ["Regional Sales", "Marketing", "sales ops", "Finance"]:
        DashboardFactory(owner=alice, name=name)
    DashboardFactory(owner=bob, name="Bob's sales")  # invisible to alice: never counted
    body = (
        client_for(alice)
        .get(
            f"{API}/dashboards",
            {
                "$filter": "contains(name,'sales') and widgetCount eq 0",
                "$orderby": "name desc",
                "$top": 1,
            },
        )
        .json()
    )
    assert body["count"] == 2
    assert [row["name"] for row in body["value"]] == ["sales ops"]
    assert "%24skiptoken=" in body["nextLink"]
    assert "skip=" not in body["nextLink"].replace("skiptoken=", "")
    following = client_for(alice).get(body["nextLink"]).json()
    assert following["count"] == 2
    assert [row["name"] for row in following["value"]] == ["Regional Sales"]
    assert "nextLink" not in following


def test_writes_are_rate_limited_per_user_even_when_reads_are_not(client_for, alice, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    client = client_for(alice)
    assert [client.get(f"{API}/widget-types").status_code for _ in range(3)] == [200] * 3
    statuses = [
        client.post(f"{API}/dashboards", {"name": f"D{i}"}, format="json").status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
