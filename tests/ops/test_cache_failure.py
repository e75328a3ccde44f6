"""Without the cache everything works from the database (SPEC, "Failure and retries").

A real unreachable Redis (a closed port) and a frozen one (a listener that never answers),
through the project's backend: no mock of Redis.
"""

import logging
import time

import pytest
from django.core.cache import cache

from dashboards.models import Dashboard, MetricPoint
from ops import metrics
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dead_redis")]

REVENUE = {"id": "rev", "type": "revenue_chart", "title": "Revenue", "size": "large"}


def test_reads_writes_and_ingestion_work_without_redis(client_for, alice, project):
    client = client_for(alice)
    created = client.post(
        "/api/dashboards",
        {"name": "Board", "projectId": str(project.pk), "widgets": [REVENUE]},
        format="json",
    )
    assert created.status_code == 201
    ingest = client.post(
        f"/api/projects/{project.pk}/metrics",
        {"points": [{"metric": "revenue", "timestamp": "2026-01-03T10:00:00Z", "value": 5}]},
        format="json",
    )
    assert ingest.status_code == 200
    assert MetricPoint.objects.count() == 1

    detail = client.get(f"/api/dashboards/{created.json()['id']}")
    assert detail.status_code == 200
    assert detail.json()["widgets"][0]["data"] is not None  # computed from the database
    data = client.get(f"/api/dashboards/{created.json()['id']}/widgets/rev/data")
    assert data.status_code == 200
    v1 = client.get(f"/api/v1/dashboards/{project.pk}/{created.json()['id']}")
    assert v1.status_code == 200
    assert Dashboard.objects.count() == 1


def test_login_works_without_redis(api_client, alice):
    response = api_client.post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert "access" in response.json()


def test_throttles_fail_open_with_one_log_line(client_for, alice, project, settings, caplog):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "2/min"},
    }
    client = client_for(alice)
    body = {"points": [{"metric": "m", "timestamp": "2026-01-03T10:00:00Z", "value": 1}]}
    with caplog.at_level(logging.WARNING, logger="dashboards.cache"):
        statuses = [
            client.post(f"/api/projects/{project.pk}/metrics", body, format="json").status_code
            for _ in range(5)
        ]
    # Over the 2/min write limit, yet never 429 (it cannot be counted) and never 500.
    assert statuses == [200] * 5
    lines = [r for r in caplog.records if r.name == "dashboards.cache"]
    assert len(lines) == 1
    assert "cache unavailable" in lines[0].getMessage()
    assert "throttles fail open" in lines[0].getMessage()
    assert lines[0].exc_info is None


def test_the_breaker_skips_redis_after_a_failure():
    before = metrics.CACHE_ERRORS.labels(operation="get")._value.get()
    assert cache.get("k", "default") == "default"
    assert cache.available is False
    for _ in range(20):
        assert cache.get("k", "default") == "default"
        cache.set("k", 1)
        assert cache.get_many(["a", "b"]) == {}
        assert cache.add("k", 1) is False
        assert cache.incr("k", 3) == 3
    # One failed round trip; the rest were skipped.
    assert metrics.CACHE_ERRORS.labels(operation="get")._value.get() == before + 1


def test_the_breaker_closes_after_its_window(settings, monkeypatch):
    from dashboards_site import cache as backend

    cache.get("k")
    assert cache.available is False
    later = time.monotonic() + 60
    monkeypatch.setattr(backend.time, "monotonic", lambda: later)
    assert cache.available is True


@pytest.mark.usefixtures("frozen_redis")
def test_a_frozen_redis_costs_one_short_timeout_then_nothing(client_for, alice, project):
    started = time.perf_counter()
    assert cache.get("k", "miss") == "miss"
    first = time.perf_counter() - started
    assert first < 0.5  # socket timeouts of 100 ms, no retries
    started = time.perf_counter()
    for _ in range(10):
        cache.get("k")
    assert time.perf_counter() - started < 0.05  # the breaker is open
    response = client_for(alice).get(f"/api/v1/projects/{project.pk}")
    assert response.status_code == 200
