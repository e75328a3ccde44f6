"""`manage.py bench_data --dashboards N` writes by SQL what the services would have written."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from dashboards import benchdata
from dashboards.models import Dashboard, DashboardVersion
from dashboards.specs import export_document
from tests.api.analytics.conftest import API
from tests.api.v1.conftest import V1

pytestmark = pytest.mark.django_db


def _count(client, **params) -> int:
    response = client.get(f"{API}/dashboards", params)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_command_builds_the_data_set_and_prints_a_summary():
    out, err = io.StringIO(), io.StringIO()
    call_command("bench_data", "--dashboards", "40", "--other", "20", stdout=out, stderr=err)
    summary = json.loads(out.getvalue())
    assert summary["dashboards"] == 40
    assert summary["otherVisible"] == 20
    assert summary["firstDashboard"] == str(benchdata.bench_uuid(0))
    assert "bench: dashboards 40/40" in err.getvalue()


def test_counts_names_widgets_and_visibility(client_for):
    bench = benchdata.generate_dashboards(count=40, other=20)
    owner = Dashboard.objects.get(pk=bench.dashboard_id(0)).owner
    other = Dashboard.objects.filter(owner_id=bench.other_user_id).first().owner
    client = client_for(owner)
    assert _count(client) == 40
    assert _count(client, **{"$filter": "contains(name,'sales')"}) == 8  # every 5th
    assert _count(client, **{"$filter": "widgetCount eq 5"}) == 20  # every 2nd
    # bench-other: 18 own, 1 shared by bench-peer in its project, 1 of bench's assigned.
    other_client = client_for(other)
    assert _count(other_client) == 20
    v1 = other_client.get(f"{V1}/dashboards/list", {"scope": "user,project"})
    assert v1["X-Total-Count"] == "20"
    sources = Dashboard.objects.filter(pk__in=[r["id"] for r in v1.json()["data"]])
    assert sources.filter(owner_id=bench.other_user_id).count() == 18
    assert sources.filter(owner_id=bench.peer_user_id, scope="project").count() == 1
    assert sources.filter(owner_id=bench.user_id, assignments__user=other).count() == 1


def test_stored_widget_counts_match_the_rows():
    benchdata.generate_dashboards(count=30, other=10)
    counted = Dashboard.objects.annotate(rows=Count("widgets"))
    assert counted.count() == 30 + 9
    assert all(d.widget_count == d.rows for d in counted)
    for dashboard in counted:
        dashboard.full_clean()  # what the services would accept


def test_generated_dashboards_read_through_both_families(client_for):
    bench = benchdata.generate_dashboards(count=4, other=0)
    dashboard = Dashboard.objects.get(pk=bench.dashboard_id(0))
    client = client_for(dashboard.owner)
    body = client.get(f"{API}/dashboards/{dashboard.pk}").json()
    assert [w["id"] for w in body["widgets"]] == [f"widget_{k}" for k in range(1, 6)]
    v1 = client.get(f"{V1}/dashboards/{dashboard.project_id}/{dashboard.pk}")
    assert v1.status_code == 200


def test_running_again_replaces_and_moves_cached_totals(client_for):
    bench = benchdata.generate_dashboards(count=10, other=0)
    client = client_for(Dashboard.objects.get(pk=bench.dashboard_id(0)).owner)
    assert _count(client) == 10  # cached
    benchdata.generate_dashboards(count=25, other=0)
    assert Dashboard.objects.count() == 25
    assert _count(client) == 25


def test_other_needs_enough_of_benchs_dashboards_to_assign():
    with pytest.raises(ValueError, match="needs"):
        benchdata.generate_dashboards(count=1, other=100)


def test_each_dashboard_has_its_first_version_as_the_writer_would_record_it():
    benchdata.generate_dashboards(count=6, other=4)
    for dashboard in Dashboard.objects.prefetch_related("widgets"):
        version = DashboardVersion.objects.get(dashboard=dashboard)
        widgets = dashboard.widgets.order_by("position", "id")
        assert (version.number, version.author_id, version.message) == (1, None, "")
        assert version.created_at == dashboard.updated_at
        assert version.document == export_document(dashboard, widgets)
