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
