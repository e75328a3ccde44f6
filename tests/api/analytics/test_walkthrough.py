"""The analytics source document, walked end to end with every field it shows."""

import uuid
from datetime import datetime

import pytest

from dashboards.models import Dashboard, UserDashboard, Widget
from tests.api.analytics.conftest import API, EXECUTIVE_SUMMARY

pytestmark = pytest.mark.django_db


def iso(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def test_the_source_document_end_to_end(client_for, alice):
    client = client_for(alice)

    # Creates a new custom dashboard.
    created = client.post(f"{API}/dashboards", EXECUTIVE_SUMMARY, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "name", "type", "createdAt"}
    dashboard_id = body["id"]
    uuid.UUID(dashboard_id)
    assert (body["name"], body["type"]) == ("Executive Summary", "executive")
    iso(body["createdAt"])
    assert created["Location"].endswith(f"/api/dashboards/{dashboard_id}")
    assert created["ETag"] == f'"{dashboard_id}-v1"'

    # Gets dashboard details by ID with all widgets.
    detail = client.get(created["Location"])
    assert detail.status_code == 200
    got = detail.json()
    assert got["id"] == dashboard_id
    assert got["name"] == "Executive Summary"
    assert got["description"] == "Key metrics and KPIs"
    assert got["type"] == "executive"
    assert got["refreshInterval"] == 60
    assert got["version"] == 1
    iso(got["createdAt"])
    iso(got["updatedAt"])
    assert [(w["id"], w["type"], w["title"], w["size"]) for w in got["widgets"]] == [
        ("widget_1", "revenue_chart", "Monthly Revenue", "large"),
        ("widget_2", "active_subscriptions", "Active Subscriptions", "small"),
    ]
    assert got["widgets"][0]["data"] == {"series": []}  # no revenue points yet
    assert detail["ETag"] == f'"{dashboard_id}-v1"'

    # Gets all dashboards with pagination.
    listed = client.get(f"{API}/dashboards", {"$top": 10, "$skip": 0})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    [row] = listed.json()["value"]
    assert set(row) == {"id", "name", "type", "widgetCount", "createdAt"}
    assert (row["id"], row["name"], row["type"], row["widgetCount"]) == (
        dashboard_id,
        "Executive Summary",
        "executive",
        2,
    )
    assert "nextLink" not in listed.json()

    # Updates dashboard definition and layout.
    widget_1_pk = Widget.objects.get(dashboard_id=dashboard_id, key="widget_1").pk
    update = {
        "name": "Executive Summary - Updated",
        "description": "Updated key metrics and KPIs",
        "refreshInterval": 90,
        "widgets": [
            {
                "id": "widget_1",
                "type": "revenue_chart",
                "title": "Quarterly Revenue",
                "size": "large",
            }
        ],
    }
    updated = client.put(
        f"{API}/dashboards/{dashboard_id}", update, format="json", HTTP_IF_MATCH=detail["ETag"]
    )
    assert updated.status_code == 200, updated.content
    assert set(updated.json()) == {"id", "name", "updatedAt", "version"}
    assert updated.json()["name"] == "Executive Summary - Updated"
    assert updated.json()["version"] == 2
    assert updated["ETag"] == f'"{dashboard_id}-v2"'
    widgets = list(Widget.objects.filter(dashboard_id=dashboard_id))
    assert [(w.pk, w.title) for w in widgets] == [(widget_1_pk, "Quarterly Revenue")]
    stored = Dashboard.objects.get(pk=dashboard_id)
    assert (stored.refresh_interval, stored.type) == (90, "executive")

    # Gets all dashboards assigned to a specific user: assign it as the default first.
    assigned = client.post(
        f"{API}/users/{alice.pk}/dashboards",
        {"dashboardId": dashboard_id, "isDefault": True},
        format="json",
    )
    assert assigned.status_code == 201, assigned.content
    mine = client.get(f"{API}/users/{alice.pk}/dashboards")
    assert mine.json() == {
        "userId": alice.pk,
        "dashboards": [
            {
                "id": dashboard_id,
                "name": "Executive Summary - Updated",
                "type": "executive",
                "isDefault": True,
            }
        ],
    }

    # Deletes a dashboard and its widgets.
    deleted = client.delete(f"{API}/dashboards/{dashboard_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True, "message": "Dashboard deleted"}
    assert not Dashboard.objects.filter(pk=dashboard_id).exists()
    assert not Widget.objects.filter(dashboard_id=dashboard_id).exists()
    assert not UserDashboard.objects.filter(dashboard_id=dashboard_id).exists()
    assert client.get(f"{API}/dashboards/{dashboard_id}").json()["error"]["code"] == (
        "DASHBOARD_NOT_FOUND"
    )
