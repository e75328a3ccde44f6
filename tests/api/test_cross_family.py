"""One domain, two dialects: what one family writes, the other reads, losslessly."""

import pytest

from tests.api.analytics.conftest import EXECUTIVE_SUMMARY

pytestmark = pytest.mark.django_db

EXTRA = {
    "layout": {"columns": 12, "cells": [{"w": "widget_1", "x": 0, "y": 0}]},
    "theme": "dark",
    "filters": {"region": None},
    "nested": [1, "two", {"three": 3.5}],
}


def test_family_1_create_reads_through_v1_with_widgets_in_the_definition(client_for, alice):
    client = client_for(alice)
    created = client.post(
        "/api/dashboards", {**EXECUTIVE_SUMMARY, "definition": EXTRA}, format="json"
    ).json()
    detail = client.get(f"/api/dashboards/{created['id']}").json()
    v1 = client.get(f"/api/v1/dashboards/{detail['projectId']}/{created['id']}").json()["data"]
    assert v1["name"] == "Executive Summary"
    assert v1["scope"] == "user"
    assert v1["version"] == 1
    assert v1["definition"] == {
        **EXTRA,
        "description": "Key metrics and KPIs",
        "type": "executive",
        "refreshInterval": 60,
        "widgets": [
            {
                "id": "widget_1",
                "type": "revenue_chart",
                "title": "Monthly Revenue",
                "size": "large",
                "config": {},
            },
            {
                "id": "widget_2",
                "type": "active_subscriptions",
                "title": "Active Subscriptions",
                "size": "small",
                "config": {},
            },
        ],
    }


def test_v1_save_reads_through_family_1(client_for, alice, project):
    client = client_for(alice)
    definition = {
        **EXTRA,
        "description": "Pipeline",
        "type": "sales",
        "refreshInterval": 300,
        "widgets": [
            {
                "id": "deals",
                "type": "kpi",
                "title": "Deals",
                "size": "small",
                "config": {"metric": "deals", "aggregation": "sum"},
            }
        ],
    }
    saved = client.post(
        f"/api/v1/dashboards/{project.pk}/save",
        {"scope": "project", "dashboard": {"name": "Sales Overview", "definition": definition}},
        format="json",
    )
    assert saved.status_code in (200, 201), saved.content
    dashboard_id = saved.json()["data"]["id"]
    detail = client.get(f"/api/dashboards/{dashboard_id}").json()
    assert (detail["name"], detail["type"], detail["description"]) == (
        "Sales Overview",
        "sales",
        "Pipeline",
    )
    assert (detail["refreshInterval"], detail["scope"]) == (300, "project")
    assert detail["definition"] == EXTRA
    assert [(w["id"], w["type"], w["config"]) for w in detail["widgets"]] == [
        ("deals", "kpi", {"metric": "deals", "aggregation": "sum"})
    ]
    # ...and back through v1 unchanged.
    again = client.get(f"/api/v1/dashboards/{project.pk}/{dashboard_id}?scope=project")
    assert again.json()["data"]["definition"] == definition


def test_family_1_update_bumps_the_version_v1_sees_and_v1_version_guards_it(
    client_for, alice, project
):
    client = client_for(alice)
    created = client.post(
        "/api/dashboards", {"name": "Ops", "projectId": str(project.pk)}, format="json"
    ).json()
    client.patch(f"/api/dashboards/{created['id']}", {"refreshInterval": 30}, format="json")
    v1 = client.get(f"/api/v1/dashboards/{project.pk}/{created['id']}").json()["data"]
    assert v1["version"] == 2
    assert v1["definition"]["refreshInterval"] == 30
    stale = client.post(
        f"/api/v1/dashboards/{project.pk}/save",
        {"dashboard": {"id": created["id"], "name": "Ops", "definition": {}, "version": 1}},
        format="json",
    )
    assert stale.status_code == 412
    assert stale.json()["status"] == "conflict"
    assert client.get(f"/api/dashboards/{created['id']}").json()["refreshInterval"] == 30


def test_an_etag_from_v1_guards_a_family_1_write(client_for, alice, project):
    client = client_for(alice)
    created = client.post(
        "/api/dashboards", {"name": "Etag", "projectId": str(project.pk)}, format="json"
    ).json()
    etag = client.get(f"/api/v1/dashboards/{project.pk}/{created['id']}")["ETag"]
    ok = client.patch(
        f"/api/dashboards/{created['id']}", {"name": "E2"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200
    stale = client.patch(
        f"/api/dashboards/{created['id']}", {"name": "E3"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
