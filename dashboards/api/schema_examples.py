"""Examples for the OpenAPI schema, taken from the two source documents (shared/seeds).

The sources show ids such as "dashboard_123"; ids here are UUIDs, so the examples use
UUIDs and keep every other field name and value as the sources write them.
"""

from typing import Any

DASHBOARD_ID = "3f2c8a4e-9b1d-4c6e-8f0a-1b2c3d4e5f60"
OTHER_DASHBOARD_ID = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PROJECT_ID = "0b6f2d1e-5c4a-4b3f-9e8d-7c6b5a4f3e2d"

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

# operationId -> request body example
REQUEST_EXAMPLES: dict[str, Any] = {
    "dashboards_create": EXECUTIVE_SUMMARY,
    "dashboards_update": {
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
    },
    "v1_dashboard_save": {
        "scope": "user",
        "dashboard": {"name": "Sales Overview", "definition": {}},
    },
}

# (operationId, status) -> response body example
RESPONSE_EXAMPLES: dict[tuple[str, str], Any] = {
    ("dashboards_create", "201"): {
        "id": DASHBOARD_ID,
        "name": "Executive Summary",
        "type": "executive",
        "createdAt": "2026-06-02T10:30:00Z",
    },
    ("dashboards_list", "200"): {
        "value": [
            {
                "id": DASHBOARD_ID,
                "name": "Executive Summary",
                "type": "executive",
                "widgetCount": 5,
                "createdAt": "2026-06-02T10:30:00Z",
            }
        ],
        "count": 20,
    },
    ("dashboards_destroy", "200"): {"success": True, "message": "Dashboard deleted"},
    ("user_dashboards_list", "200"): {
        "userId": 123,
        "dashboards": [
            {
                "id": DASHBOARD_ID,
                "name": "Executive Summary",
                "type": "executive",
                "isDefault": True,
            },
            {
                "id": OTHER_DASHBOARD_ID,
                "name": "Sales Performance",
                "type": "sales",
                "isDefault": False,
            },
        ],
    },
    ("v1_dashboards_list", "200"): {
        "data": [
            {
                "id": DASHBOARD_ID,
                "project_id": PROJECT_ID,
                "name": "My Dashboard",
                "created_at": "2026-01-15T10:30:00Z",
                "updated_at": "2026-04-10T14:20:00Z",
            }
        ],
        "message": "All dashboards listed successfully",
        "status": "success",
    },
    ("v1_dashboard_save", "201"): {
        "data": {"id": DASHBOARD_ID},
        "message": f"Dashboard '{DASHBOARD_ID}' saved successfully",
        "status": "success",
    },
}
