"""Request ids in responses and log lines, JSON logs, Prometheus metrics at /metrics."""

import json
import logging
import re

import pytest

from ops.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db

REVENUE = {"id": "rev", "type": "revenue_chart", "title": "Revenue", "size": "large"}


def test_a_request_id_is_generated_and_returned(client):
    response = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


def test_a_well_formed_request_id_is_accepted(client):
    rid = "7d3c0a1e-42b5-4c2e-9f3a-0d4c5e6f7a8b"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=rid)["X-Request-ID"] == rid


@pytest.mark.parametrize("bad", ["short", "x" * 200, "has space in it", "<script>alert(1)"])
def test_a_malformed_request_id_is_replaced(client, bad):
    returned = client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
    assert returned != bad
    assert re.fullmatch(r"[0-9a-f]{32}", returned)


def test_every_log_line_of_a_request_carries_its_id(client_for, alice, caplog):
    rid = "req-0123456789abcdef"
    with caplog.at_level(logging.WARNING):
        response = client_for(alice).get(
            "/api/dashboards/3f2c6a2e-8c1a-4d5b-9a57-5d1f0c1e2b3a", HTTP_X_REQUEST_ID=rid
        )
    assert response.status_code == 404
    assert response["X-Request-ID"] == rid
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert lines
    id_filter = RequestIdFilter()
    for record in lines:
        id_filter.filter(record)
        assert record.request_id == rid


def test_the_json_formatter_writes_one_object_per_line():
    record = logging.LogRecord(
        "dashboards.database",
        logging.WARNING,
        __file__,
        1,
        "database unavailable: %s",
        ("X",),
        None,
    )
    record.request_id = "abc12345"
    record.path = "/api/dashboards"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING"
    assert parsed["logger"] == "dashboards.database"
    assert parsed["message"] == "database unavailable: X"
    assert parsed["request_id"] == "abc12345"
    assert parsed["path"] == "/api/dashboards"
    assert "time" in parsed


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        sample_name, _, rest = sample.partition("{")
        if sample_name != name:
            continue
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if found == wanted:
            return float(value)
    return 0.0


def test_metrics_count_requests_widget_cache_and_ingestion(client, client_for, alice, project):
    api = client_for(alice)
    before = client.get("/metrics").content.decode()
    created = api.post(
        "/api/dashboards",
        {"name": "M", "projectId": str(project.pk), "widgets": [REVENUE]},
        format="json",
    ).json()
    api.post(
        f"/api/projects/{project.pk}/metrics",
        {"points": [{"metric": "revenue", "timestamp": "2026-01-03T10:00:00Z", "value": 5}] * 1},
        format="json",
    )
    for _ in range(3):
        assert api.get(f"/api/dashboards/{created['id']}").status_code == 200
    after = client.get("/metrics")
    assert after.status_code == 200
    assert after["Content-Type"].startswith("text/plain")
    text = after.content.decode()
    route = {"route": "analytics:dashboard-detail", "method": "GET", "status": "200"}

    def delta(name, **labels):
        return metric(text, name, **labels) - metric(before, name, **labels)

    assert delta("dashboards_http_requests_total", **route) == 3
    assert delta("dashboards_http_request_duration_seconds_count", **route) == 3
    assert delta("dashboards_ingested_points_total") == 1
    assert delta("dashboards_widget_data_cache_total", result="miss") == 1
    assert delta("dashboards_widget_data_cache_total", result="hit") == 2


def test_metrics_are_refused_to_other_addresses(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_metrics_with_a_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token", **outside).status_code
        == 200
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 404


def test_behind_a_proxy_the_forwarded_address_counts(client, settings):
    settings.NUM_PROXIES = 1
    # nginx on 127.0.0.1 appended the real client; the left entries are the client's own.
    forged = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"}
    assert client.get("/metrics", **forged).status_code == 404
    local = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert client.get("/metrics", **local).status_code == 200


def test_unknown_methods_do_not_add_label_values(client):
    client.generic("BREW", "/healthz")
    text = client.get("/metrics").content.decode()
    assert 'method="BREW"' not in text
    assert 'method="other"' in text
