"""Examples for the OpenAPI schema, taken from the two source documents (shared/seeds).

The sources show ids such as "dashboard_123"; ids here are UUIDs, so the examples use
UUIDs and keep every other field name and value as the sources write them.
"""

from typing import Any

from dashboards.diff import document_diff
from dashboards.documents import v1_field, v1_pointer

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

EXECUTIVE_SUMMARY_UPDATED = {
    "name": "Executive Summary - Updated",
    "description": "Updated key metrics and KPIs",
    "refreshInterval": 90,
    "widgets": [
        {"id": "widget_1", "type": "revenue_chart", "title": "Quarterly Revenue", "size": "large"}
    ],
}


def _document(body: dict[str, Any]) -> dict[str, Any]:
    """A body above as the export document the server would keep (keys sorted)."""
    widgets = [{"config": {}, **widget} for widget in body["widgets"]]
    document = {
        "uid": DASHBOARD_ID,
        "type": "executive",
        "scope": "user",
        "definition": {},
        **body,
        "widgets": [dict(sorted(w.items())) for w in widgets],
    }
    return dict(sorted(document.items()))


VERSION_1 = _document(EXECUTIVE_SUMMARY)
VERSION_2 = _document(EXECUTIVE_SUMMARY_UPDATED)
# The real diff of the two (computed, so the example cannot drift from the code).
PATCH, SUMMARY = document_diff(VERSION_1, VERSION_2)
V1_PATCH = [{**op, "path": v1_pointer(op["path"])} for op in PATCH]
V1_SUMMARY = {
    "fields": [v1_field(field) for field in SUMMARY["fields"]],
    "widgets_added": SUMMARY["widgetsAdded"],
    "widgets_removed": SUMMARY["widgetsRemoved"],
    "widgets_changed": SUMMARY["widgetsChanged"],
    "widgets_moved": SUMMARY["widgetsMoved"],
}
V1_VERSION_1 = {
    "id": DASHBOARD_ID,
    "name": VERSION_1["name"],
    "scope": VERSION_1["scope"],
    "definition": {
        "description": VERSION_1["description"],
        "refreshInterval": VERSION_1["refreshInterval"],
        "type": VERSION_1["type"],
        "widgets": VERSION_1["widgets"],
    },
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
    "dashboard_version_restore": {"message": "Back to the monthly view"},
    "v1_dashboard_version_restore": {"version": 2, "message": "Back to the monthly view"},
    "dashboard_duplicate": {"name": "Executive Summary (EMEA)", "scope": "user"},
    "v1_dashboard_duplicate": {"name": "Executive Summary (EMEA)"},
    "project_import": {
        "schemaVersion": 1,
        "dashboards": [VERSION_1],
        "onConflict": "rename",
        "dryRun": True,
        "message": "From staging",
    },
    "v1_project_import": {
        "document": {"schemaVersion": 1, "dashboards": [VERSION_1]},
        "on_conflict": "rename",
        "dry_run": True,
        "message": "From staging",
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
    ("dashboard_versions_list", "200"): {
        "value": [
            {
                "version": 2,
                "createdAt": "2026-06-02T11:00:00Z",
                "authorId": 123,
                "message": "Quarterly view",
                "restoredFrom": None,
            },
            {
                "version": 1,
                "createdAt": "2026-06-02T10:30:00Z",
                "authorId": 123,
                "message": "",
                "restoredFrom": None,
            },
        ],
        "count": 2,
    },
    ("dashboard_version_retrieve", "200"): {
        "version": 1,
        "createdAt": "2026-06-02T10:30:00Z",
        "authorId": 123,
        "message": "",
        "restoredFrom": None,
        "dashboard": VERSION_1,
    },
    ("dashboard_version_diff", "200"): {"from": 1, "to": 2, "patch": PATCH, "summary": SUMMARY},
    ("dashboard_version_restore", "200"): {
        "id": DASHBOARD_ID,
        "name": "Executive Summary",
        "updatedAt": "2026-06-02T11:30:00Z",
        "version": 3,
        "restoredFrom": 1,
    },
    ("dashboard_export", "200"): {"dashboard": VERSION_1, "schemaVersion": 1},
    ("project_export", "200"): {"dashboards": [VERSION_1], "schemaVersion": 1},
    ("project_import", "200"): {
        "dryRun": True,
        "created": [],
        "updated": [],
        "unchanged": [],
        "renamed": [
            {"from": "Executive Summary", "to": "Executive Summary (2)", "id": OTHER_DASHBOARD_ID}
        ],
    },
    ("dashboard_duplicate", "201"): {
        "id": OTHER_DASHBOARD_ID,
        "name": "Executive Summary (EMEA)",
        "type": "executive",
        "createdAt": "2026-06-02T12:00:00Z",
    },
    ("v1_dashboard_versions_list", "200"): {
        "data": [
            {
                "version": 2,
                "created_at": "2026-06-02T11:00:00Z",
                "author_id": 123,
                "message": "Quarterly view",
                "restored_from": None,
            }
        ],
        "message": "Versions listed successfully",
        "status": "success",
    },
    ("v1_dashboard_version_load", "200"): {
        "data": {
            "version": 1,
            "created_at": "2026-06-02T10:30:00Z",
            "author_id": 123,
            "message": "",
            "restored_from": None,
            "dashboard": V1_VERSION_1,
        },
        "message": "Version loaded successfully",
        "status": "success",
    },
    ("v1_dashboard_version_diff", "200"): {
        "data": {"from": 1, "to": 2, "patch": V1_PATCH, "summary": V1_SUMMARY},
        "message": "Versions compared successfully",
        "status": "success",
    },
    ("v1_dashboard_version_restore", "200"): {
        "data": {
            "id": DASHBOARD_ID,
            "name": "Executive Summary",
            "updated_at": "2026-06-02T11:30:00Z",
            "version": 3,
            "restored_from": 1,
        },
        "message": f"Dashboard '{DASHBOARD_ID}' restored from version 1",
        "status": "success",
    },
    ("v1_project_export", "200"): {
        "data": {"dashboards": [VERSION_1], "schemaVersion": 1},
        "message": f"Project '{PROJECT_ID}' exported successfully",
        "status": "success",
    },
    ("v1_project_import", "200"): {
        "data": {
            "dry_run": True,
            "created": [{"name": "Executive Summary", "id": DASHBOARD_ID}],
            "updated": [],
            "unchanged": [],
            "renamed": [],
        },
        "message": "Import of 1 dashboards planned (dry run, nothing written)",
        "status": "success",
    },
    ("v1_dashboard_duplicate", "201"): {
        "data": {"id": OTHER_DASHBOARD_ID},
        "message": f"Dashboard '{DASHBOARD_ID}' duplicated as '{OTHER_DASHBOARD_ID}'",
        "status": "success",
    },
    ("v1_dashboard_save", "201"): {
        "data": {"id": DASHBOARD_ID},
        "message": f"Dashboard '{DASHBOARD_ID}' saved successfully",
        "status": "success",
    },
}
