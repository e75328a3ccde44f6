"""Data versions confirmed by the database: no stale answer after any cache restore, data
without a cache, a TTL on every key, and a fixed number of queries per dashboard read."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection

from dashboards import metrics, selectors, services
from dashboards.models import Widget
from dashboards.widgets import data as widget_data
from dashboards.widgets import registry
from dashboards.widgets.data import DATA_KEY, dashboard_widget_payloads
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db

API = "/api/dashboards"


def _today(hours: int = 1) -> str:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _orders(dashboard):
    payloads = dashboard_widget_payloads(dashboard, list(dashboard.widgets.all()))
    return next(p for p in payloads if p.key == "orders")


def test_old_cache_contents_and_a_new_watermark_give_the_fresh_answer(dashboard, ingest):
    ingest(point("orders", _today(), 3))
    old = _orders(dashboard)
    assert old.data["value"] == 3
    old_key = DATA_KEY.format(digest=old.etag.strip('"'))
    snapshot = {old_key: cache.get(old_key)}

    ingest(point("orders", _today(), 10))  # a new version in the database
    # The cache is restored from a snapshot taken before that ingestion.
    cache.clear()
    cache.set_many(snapshot, timeout=60)

    fresh = _orders(dashboard)
    assert fresh.data["value"] == 10
    assert fresh.etag != old.etag
    assert cache.get(old_key) == snapshot[old_key]  # the old entry is there, and ignored


def test_data_after_a_cache_flush_equals_data_before(client_for, alice, dashboard, ingest):
    ingest(point("orders", _today(), 3), point("deals", _today(), 2, region="north"))
    client = client_for(alice)
    before = client.get(f"{API}/{dashboard.pk}").json()["widgets"]

    cache.clear()

    assert client.get(f"{API}/{dashboard.pk}").json()["widgets"] == before


def test_widget_data_works_without_a_cache(client_for, alice, dashboard, ingest, settings):
    ingest(point("orders", _today(), 3))
    expected = _orders(dashboard).data
    # A cache that keeps nothing: what a failing, fail-soft cache looks like to the reader.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    client = client_for(alice)
    response = client.get(f"{API}/{dashboard.pk}/widgets/orders/data")
    assert response.status_code == 200
    assert response.json()["data"] == expected
    assert (
        client.get(
            f"{API}/{dashboard.pk}/widgets/orders/data", HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )
    ingest(point("orders", _today(), 5))
    assert client.get(f"{API}/{dashboard.pk}/widgets/orders/data").json()["data"]["value"] == 5


def test_every_cache_key_written_has_a_ttl(dashboard, ingest, monkeypatch):
    timeouts = []
    for name in ("set", "add", "set_many"):
        real = getattr(cache, name)

        def recording(*args, _real=real, timeout=None, **kwargs):
            timeouts.append(timeout)
            return _real(*args, timeout=timeout, **kwargs)

        monkeypatch.setattr(cache, name, recording)
    ingest(point("orders", _today(), 3))
    _orders(dashboard)

    assert timeouts
    assert all(t is not None and 0 < t <= 24 * 3600 for t in timeouts), timeouts


def _dashboard_of(project, n: int):
    widgets = [
        {
            "id": f"w{i}",
            "type": ["kpi", "line_chart", "bar_chart"][i % 3],
            "title": "t",
            "size": "medium",
            "config": {"metric": f"m{i % 5}", "groupBy": "dimension", "dimension": "region"}
            if i % 3 == 2
            else {"metric": f"m{i % 5}"},
        }
        for i in range(n)
    ]
    return services.dashboard_create(
        user=project.owner, project=project, name=f"N{n}", widgets=widgets
    )


@pytest.mark.parametrize("n", [1, 20, 100])
def test_dashboard_reads_cost_a_fixed_number_of_queries(
    client_for, project, ingest, n, django_assert_num_queries
):
    ingest(*[point(f"m{i}", _today(), i, region="north") for i in range(5)])
    dashboard = _dashboard_of(project, n)
    client = client_for(project.owner)
    per_widget = 4 if connection.vendor == "postgresql" else 1
    reset = 1 if connection.vendor == "postgresql" else 0
    # dashboard with its widgets, series versions; then one statement per widget
    # (PostgreSQL: in a savepoint with its SET LOCAL timeout)
    with django_assert_num_queries(2 + per_widget * n + reset):
        cold = client.get(f"{API}/{dashboard.pk}")
    with django_assert_num_queries(2):
        warm = client.get(f"{API}/{dashboard.pk}")
    assert cold.status_code == warm.status_code == 200
    assert cold.json()["widgets"] == warm.json()["widgets"]


def test_the_dashboard_statement_reads_the_versions_a_query_of_their_own_would(
    alice, project, ingest
):
    """`selectors.dashboard_get` joins each widget to its metric's series by an SQL form of
    the type modules' rule (`registry.metric_sql`): for every type, with and without a
    metric, with and without points, it finds what `metrics.series_versions` finds."""
    ingest(point("m1", _today(), 1), point("revenue", _today(), 2))
    ingest(point("m1", _today(2), 3))  # a second version
    dashboard = services.dashboard_create(user=alice, project=project, name="All", widgets=[])
    configs = [{"metric": "m1"}, {"metric": "m2"}, {"metric": "revenue"}, {}, {"metric": ""}]
    position = 0
    for widget_type in registry.all_types():
        for config in configs:
            # Stored as is: only the type and the config matter to the rule.
            Widget.objects.create(
                dashboard=dashboard,
                key=f"w{position}",
                type=widget_type.name,
                position=position,
                config=config,
            )
            position += 1
    loaded = selectors.dashboard_get(user=alice, dashboard_id=dashboard.pk, with_series=True)
    widgets = list(loaded.widgets.all())
    wanted = {w.key: registry.get(w.type).metric(w.config) for w in widgets}
    joined = widget_data._joined_versions(widgets, wanted)
    assert joined is not None
    assert joined == metrics.series_versions(project.pk, [m for m in wanted.values() if m])
    assert joined["m1"].version == 2
    assert joined["m2"] == metrics.NO_DATA


def test_a_widgets_data_read_costs_one_query_while_its_data_is_cached(
    client_for, alice, dashboard, ingest, django_assert_num_queries
):
    """The dashboard, its widgets and their series versions in one statement."""
    ingest(point("orders", _today(), 3))
    client = client_for(alice)
    url = f"{API}/{dashboard.pk}/widgets/orders/data"
    first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url)
    with django_assert_num_queries(1):
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (first.status_code, again.status_code, unchanged.status_code) == (200, 200, 304)
    assert again.json()["data"] == first.json()["data"]
    ingest(point("orders", _today(), 4))  # a new version: seen by the same single statement
    # then the provider's statement (PostgreSQL: in a savepoint with its SET LOCAL timeout)
    with django_assert_num_queries(1 + (5 if connection.vendor == "postgresql" else 1)):
        fresh = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert fresh["ETag"] != first["ETag"]
    assert fresh.json()["data"] != first.json()["data"]


def test_a_process_serves_data_it_already_holds_without_the_cache(
    client_for, alice, dashboard, ingest, django_assert_num_queries
):
    """Copies kept in the process are keyed like the cache: an entry gone from the cache
    costs nothing, and new points (a new version in the database) are never answered from
    an old copy."""
    ingest(point("orders", _today(), 3))
    client = client_for(alice)
    url = f"{API}/{dashboard.pk}/widgets/orders/data"
    before = client.get(url)
    cache.delete(DATA_KEY.format(digest=before["ETag"].strip('"')))  # gone from the cache
    with django_assert_num_queries(1):  # the dashboard's statement; no provider statement
        after = client.get(url)
    assert after.json() == before.json()
    ingest(point("orders", _today(2), 4))
    fresh = client.get(url)
    assert fresh["ETag"] != before["ETag"]
    assert fresh.json()["data"] != before.json()["data"]


def test_the_copies_in_a_process_are_bounded_by_their_size():
    held = widget_data.held_data(budget=960)
    entry = {"data": [1.5] * 5}  # 30 bytes of JSON: 32 fill the budget
    held.remember({f"k{i}": entry for i in range(32)})
    assert held.recall(["k0"]) == {"k0": entry}  # now the most recently used
    held.remember({"k32": entry})  # over the budget: the least recently used goes
    assert held.recall(["k0", "k1", "k32"]) == {"k0": entry, "k32": entry}
    held.remember({"big": {"data": [1.5] * 20}})  # 90 bytes: over 960 / 16
    assert held.recall(["big"]) == {}
