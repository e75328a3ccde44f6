"""Helpers for family 1: one place that knows its error shape."""

from typing import Any

API = "/api"

EXECUTIVE_SUMMARY = {
    "name": "Executive Summary",
    "description": "Key metrics and KPIs",
    "type": "executive",
    "widgets": [
        {"id": "widget_1", "type": "revenue_chart", "title": "Monthly Revenue", "size": "large"},
        {
            "id": "widget_2",
            "type": "active_subscriptions",
            "title": "Active Subscriptions",
            "size": "small",
        },
    ],
    "refreshInterval": 60,
}


def error(response, status: int, code: str) -> dict[str, Any]:
    """Assert the family-1 error shape and return `error`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]
