"""Two ingestions into the same hours of one series at once stay exact (PostgreSQL).

Each recompute reads committed points; without the per-(series, day) lock, each of two
overlapping transactions could miss the other's points and the later commit would leave a
partial sum. SQLite runs one writer at a time, so there is nothing to race there.
"""

import pytest
from django.db import connection

from dashboards import metrics, rollups
from dashboards.models import MetricPoint, MetricRollup, MetricSeries
from tests.dashboards.test_concurrency import run_together
from tests.factories import ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises write transactions; concurrent writers need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def _rows(project):
    return list(
        MetricRollup.objects.filter(project=project)
        .order_by("grain", "bucket", "dimensions_key")
        .values_list("grain", "bucket", "dimensions_key", "total", "count", "minimum", "maximum")
    )


@pytest.mark.parametrize("round_", range(3))
def test_overlapping_ingestions_leave_exact_rollups(round_):
    owner = UserFactory()
    project = ProjectFactory(owner=owner)

    def batch(offset: int):
        points = [
            {
                "metric": "load",
                "timestamp": f"2026-01-01T{m // 60 % 24:02d}:{m % 60:02d}:{offset:02d}Z",
                "value": m + offset,
                "dimensions": {"region": "nsew"[m % 4]},
            }
            for m in range(0, 1440)
        ]
        return lambda: metrics.metrics_ingest(project=project, user=owner, body={"points": points})

    # The metric exists already: no project lock for the metric bound serializes them.
    metrics.metrics_ingest(
        project=project,
        user=owner,
        body={"points": [{"metric": "load", "timestamp": "2026-01-01T00:00:00Z", "value": 1}]},
    )
    outcomes = run_together(*[batch(offset) for offset in range(1, 5)])

    assert outcomes == [1440] * 4
    assert MetricPoint.objects.filter(project=project).count() == 4 * 1440 + 1
    kept = _rows(project)
    rollups.rebuild(project.pk)
    assert _rows(project) == kept
    assert MetricSeries.objects.get(project=project, metric="load").version == 5
