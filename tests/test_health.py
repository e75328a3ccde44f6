"""/healthz and /readyz: no login, no throttling, real failures give 503 (no mocks)."""

import socket
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler, OperationalError

from dashboards import health


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PROJECT_REDIS_BACKEND = "dashboards_site.cache.ReusingRedisCache"


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": PROJECT_REDIS_BACKEND,
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }


def test_healthz_answers_without_login_or_database(client):
    # No django_db mark: pytest-django makes any database access here an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_a_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    # The cache is checked only when it is shared (Redis); local memory cannot be down.
    assert ("cache" in body["checks"]) is health.shared_cache_configured()


@pytest.mark.django_db
def test_readyz_checks_a_configured_redis(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": health.REDIS_BACKEND, "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("backend", [health.REDIS_BACKEND, PROJECT_REDIS_BACKEND])
def test_readyz_detects_redis_whatever_the_backend_subclass(client, settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/15"}}
    assert health.shared_cache_configured() is True
    assert client.get("/readyz").json()["checks"]["cache"]["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.usefixtures("dead_redis")
def test_readyz_is_200_degraded_when_only_redis_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"] == {
        "status": "degraded",
        "error": "ConnectionError",
        "ms": body["checks"]["cache"]["ms"],
    }
    # Short timeouts: an unreachable Redis costs the probe well under a second.
    assert body["checks"]["cache"]["ms"] < 1000


@pytest.mark.django_db
@pytest.mark.usefixtures("dead_redis")
def test_readyz_is_503_when_the_database_fails_even_with_redis_down(client, monkeypatch):
    def broken(connection=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "database_check", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["cache"]["status"] == "degraded"


@pytest.mark.django_db
def test_readyz_is_503_when_only_the_database_fails(client, monkeypatch):
    def broken(connection=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "database_check", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "status": "error",
        "error": "OperationalError",
        "ms": response.json()["checks"]["database"]["ms"],
    }


@pytest.mark.usefixtures("dead_redis")
def test_healthz_stays_up_when_redis_is_down(client):
    assert client.get("/healthz").status_code == 200


def test_database_check_fails_on_an_unreachable_database(tmp_path: Path, django_db_blocker):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "missing-dir" / "db.sqlite3"),
            }
        }
    )
    connection = handler["default"]
    with django_db_blocker.unblock():
        with pytest.raises(OperationalError):
            health.database_check(connection)
        ready, results = health.run_checks({"database": lambda: health.database_check(connection)})
    assert ready is False
    assert results["database"]["error"] == "OperationalError"


@pytest.mark.django_db
def test_readyz_is_not_throttled(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"},
    }
    statuses = {client.get("/readyz").status_code for _ in range(3)}
    assert statuses == {200}
