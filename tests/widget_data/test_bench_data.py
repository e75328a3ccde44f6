"""`manage.py bench_data` leaves the data as the services would: points, rollups equal to a
rebuild, series rows, dashboards with widgets, and an "Every widget" dashboard that reads."""

import io
import json

import pytest
from django.core.management import call_command

from dashboards import rollups
from dashboards.management.commands.bench_data import every_widget
from dashboards.models import Dashboard, MetricPoint, MetricRollup, MetricSeries, Widget
from dashboards.widgets.data import dashboard_widget_payloads

pytestmark = pytest.mark.django_db


def _rollups(project):
    return list(
        MetricRollup.objects.filter(project=project)
        .order_by("metric", "grain", "projection", "bucket", "dimensions_key")
        .values_list("metric", "grain", "projection", "bucket", "total", "count", "last_value")
    )


def test_bench_data_builds_a_consistent_data_set():
    out = io.StringIO()
    call_command(
        "bench_data", dashboards=30, other=10, points=2000, dimensions=2, values=3, stdout=out,
        stderr=io.StringIO(),
    )  # fmt: skip
    summary = json.loads(out.getvalue().strip().splitlines()[-1])

    every = Dashboard.objects.get(pk=summary["everyWidget"])
    project = every.project
    assert summary["points"] == 2000
    assert MetricPoint.objects.filter(project=project, metric="revenue").count() == 2000
    first = MetricPoint.objects.filter(metric="revenue").order_by("timestamp").first()
    assert set(first.dimensions) == {"region", "plan"}
    assert Dashboard.objects.filter(project=project).count() == 31
    assert Widget.objects.filter(dashboard=every).count() == len(every_widget("revenue"))
    assert set(MetricSeries.objects.filter(project=project).values_list("metric", flat=True)) == {
        "revenue",
        "active_subscriptions",
    }
    kept = _rollups(project)
    rollups.rebuild(project.pk)
    assert _rollups(project) == kept

    payloads = dashboard_widget_payloads(every, list(every.widgets.all()))
    assert [p.error for p in payloads] == [None] * len(payloads)
    data = {p.key: p.data for p in payloads}
    assert data["kpi_sum"]["value"] > 0
    assert len(data["bar_region_sum"]["series"]) == 3


def test_summary_changes_nothing():
    call_command(
        "bench_data", dashboards=2, other=2, points=100, dimensions=1, values=2,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )  # fmt: skip
    before = MetricPoint.objects.count(), Dashboard.objects.count()
    out = io.StringIO()
    call_command("bench_data", summary=True, stdout=out)

    assert json.loads(out.getvalue())["points"] == 100
    assert (MetricPoint.objects.count(), Dashboard.objects.count()) == before
