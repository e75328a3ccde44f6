from datetime import UTC, datetime
from typing import Any

import pytest

from dashboards import metrics


def point(metric: str, timestamp: str, value: float, **dimensions: str) -> dict[str, Any]:
    raw: dict[str, Any] = {"metric": metric, "timestamp": timestamp, "value": value}
    if dimensions:
        raw["dimensions"] = dimensions
    return raw


@pytest.fixture
def ingest(project):
    """Write points into `project` through the ingestion service (as its owner)."""

    def write(*points: dict[str, Any], target=None) -> int:
        target = target or project
        return metrics.metrics_ingest(
            project=target, user=target.owner, body={"points": list(points)}
        )

    return write


# A Sunday in March; the window of `days=7` starts on Monday 2026-03-09 00:00 UTC.
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


EVERY_TYPE = [
    {"id": "revenue", "type": "revenue_chart", "title": "Revenue", "size": "large"},
    {"id": "subs", "type": "active_subscriptions", "title": "Subscribers", "size": "small"},
    {
        "id": "orders",
        "type": "kpi",
        "title": "Orders",
        "size": "small",
        "config": {"metric": "orders", "aggregation": "sum", "days": 30, "unit": "orders"},
    },
    {"id": "visits", "type": "line_chart", "title": "Visits", "config": {"metric": "visits"}},
    {
        "id": "deals",
        "type": "bar_chart",
        "title": "Deals",
        "config": {"metric": "deals", "groupBy": "dimension", "dimension": "region"},
    },
    {
        "id": "share",
        "type": "pie_chart",
        "title": "Share",
        "config": {"metric": "deals", "dimension": "region"},
    },
    {
        "id": "monthly",
        "type": "table",
        "title": "Monthly",
        "config": {"metric": "deals", "groupBy": "month", "days": 365},
    },
    {"id": "notes", "type": "text", "title": "Notes", "config": {"markdown": "**Hi**"}},
]


@pytest.fixture
def dashboard(project):
    """A dashboard shared with alice's project, one widget of each of the 8 types."""
    from dashboards import services

    return services.dashboard_create(
        user=project.owner,
        project=project,
        scope="project",
        name="Everything",
        refresh_interval=5,
        widgets=EVERY_TYPE,
    )
