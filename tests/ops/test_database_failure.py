"""Without the database: 503 SERVICE_UNAVAILABLE with Retry-After, in each family's format,
one log line per request and no traceback. The fault is a database error raised in
process where the view reads or writes (a real refused connection is in scripts/faults)."""

import logging

import pytest
from django.db import InterfaceError, OperationalError

from dashboards import paging, selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5563 failed')

    for name in ("dashboard_get", "dashboard_sources", "project_get", "project_list_with_role"):
        monkeypatch.setattr(selectors, name, refuse)
    # A list page whose statement this worker remembers builds no sources: it fails here.
    monkeypatch.setattr(paging._Statement, "rows", refuse)
    # The create path's writer, whatever the service layer calls it.
    for name in ("dashboard_create", "dashboard_save"):
        if hasattr(services, name):
            monkeypatch.setattr(services, name, refuse)


def assert_one_line(caplog):
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].name == "dashboards.database"
    assert errors[0].getMessage().startswith("database unavailable: OperationalError")
    assert errors[0].exc_info is None


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/dashboards"), ("get", "/api/dashboards/{id}"), ("post", "/api/dashboards")],
)
def test_family_1_answers_503_in_its_format(client_for, alice, caplog, method, path):
    client = client_for(alice)
    url = path.format(id="3f2c6a2e-8c1a-4d5b-9a57-5d1f0c1e2b3a")
    with caplog.at_level(logging.WARNING):
        response = getattr(client, method)(
            url, {"name": "x"} if method == "post" else None, format="json"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "error": {
            "code": "SERVICE_UNAVAILABLE",
            "message": "The database is unavailable; retry shortly.",
            "details": None,
        }
    }
    assert_one_line(caplog)


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize(
    "path", ["/api/v1/projects/list", "/api/v1/projects/3f2c6a2e-8c1a-4d5b-9a57-5d1f0c1e2b3a"]
)
def test_v1_answers_503_in_its_envelope(client_for, alice, caplog, path):
    with caplog.at_level(logging.WARNING):
        response = client_for(alice).get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "data": None,
        "message": "The database is unavailable; retry shortly.",
        "status": "error",
        "code": "SERVICE_UNAVAILABLE",
    }
    assert_one_line(caplog)


def test_an_interface_error_is_503_too(client_for, alice, monkeypatch):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(selectors, "dashboard_sources", closed)
    monkeypatch.setattr(paging._Statement, "rows", closed)
    response = client_for(alice).get("/api/dashboards")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_pages_outside_the_api_answer_a_503_page(client, alice, monkeypatch, caplog):
    from dashboards.web import views as web_views

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    client.force_login(alice)
    monkeypatch.setattr(web_views.selectors, "dashboard_list_for_home", refuse)
    with caplog.at_level(logging.WARNING):
        response = client.get("/dashboards/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert b"Service unavailable" in response.content
    assert_one_line(caplog)


def test_healthz_never_touches_the_database(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OperationalError("down")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_frozen_database_query_is_cut_at_the_deadline(settings):
    """The watchdog shuts down the socket of a request past its deadline (PostgreSQL)."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no socket to a server that can freeze")
    import threading
    import time

    from ops.database import watchdog

    watchdog.start()
    connection.ensure_connection()
    # The wrapper itself, not the thread-local proxy: the watchdog runs in its own thread.
    wrappers = [connections["default"]]
    watchdog.active[threading.get_ident()] = (time.monotonic() + 0.5, wrappers, "rid", "/x")
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(4)")  # longer than the deadline
    finally:
        watchdog.active.pop(threading.get_ident(), None)
        connection.close()
    assert time.monotonic() - started < 3


def test_a_worker_forked_from_a_loaded_master_runs_its_own_watchdog():
    """gunicorn's preload_app: workers are forked from a master that built the middleware
    (and so started the watchdog); a fork keeps no thread but the caller's."""
    import json
    import os
    import threading

    from ops.database import watchdog

    watchdog.start()
    parent_thread = watchdog._thread
    watchdog.active[threading.get_ident()] = (0.0, [], "the parent's request", "/x")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's cleanup
        try:
            thread = watchdog._thread
            report = {
                "alive": thread is not None and thread.is_alive(),
                "new": thread is not parent_thread,
                "requests": len(watchdog.active),
            }
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        report = json.loads(os.read(read_end, 1000))
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
        watchdog.active.pop(threading.get_ident(), None)
    assert report == {"alive": True, "new": True, "requests": 0}
    assert parent_thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_during_commit_says_the_outcome_is_unknown(
    client_for, alice, monkeypatch
):
    # The server may have committed before the connection broke: a 503 must not claim
    # that nothing was written.
    from django.db.backends.base.base import BaseDatabaseWrapper

    def broken_commit(self):
        raise OperationalError("server closed the connection unexpectedly")

    client = client_for(alice)
    monkeypatch.setattr(BaseDatabaseWrapper, "_commit", broken_commit)
    response = client.post("/api/dashboards", {"name": "Maybe", "widgets": []}, format="json")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"outcome": "unknown"}
    assert "may have been saved" in response.json()["error"]["message"]


def test_postgresql_connections_carry_the_timeouts(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("10s",)
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 3
    # Below gunicorn's 30 s worker timeout, above the statement timeout.
    assert 10 < settings.DB_REQUEST_DEADLINE < 30


@pytest.mark.django_db
def test_batch_commands_lift_the_request_statement_timeout():
    """bench_data and metrics_retention work over millions of rows (ops/database.py)."""
    from django.db import connection

    from ops.database import lift_statement_timeout

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement timeout")
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1234")
        lift_statement_timeout()
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.django_db(transaction=True)
def test_a_migration_lifts_it_for_its_own_transaction_only():
    """Migrations 0007 and 0008 pass over every rollup row; the connection serves on."""
    from django.db import connection, transaction

    from ops.database import lift_statement_timeout

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement timeout")
    with transaction.atomic(), connection.cursor() as cursor:
        lift_statement_timeout(local=True)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


@pytest.mark.django_db(transaction=True)
def test_a_reconnect_that_fails_after_a_broken_commit_still_says_unknown(
    client_for, alice, monkeypatch
):
    """COMMIT breaks, the rollback too, Django drops the connection and connects again on
    leaving the block; the database is still unreachable, so that connect error is what
    the view raises. The server may have committed: the answer must not say otherwise.
    (Seen in scripts/faults with PostgreSQL frozen: a 503 for a create that was written.)"""
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    wrapper = connections["default"]
    if wrapper.vendor != "postgresql":
        pytest.skip("an in-memory SQLite database is never closed, so never reconnected")

    def broken(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    def unreachable(self, *args, **kwargs):
        raise OperationalError("connection timeout expired")

    client = client_for(alice)
    monkeypatch.setattr(BaseDatabaseWrapper, "_commit", broken)
    monkeypatch.setattr(BaseDatabaseWrapper, "_rollback", broken)
    monkeypatch.setattr(type(wrapper), "get_new_connection", unreachable)
    response = client.post("/api/dashboards", {"name": "Maybe", "widgets": []}, format="json")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"outcome": "unknown"}
