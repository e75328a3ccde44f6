from io import StringIO

import pytest
from django.core.management import call_command

from dashboards.models import Dashboard, MetricPoint, UserDashboard

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--days", "40", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_sources_dashboards_and_is_idempotent():
    output = seed()
    counts = (Dashboard.objects.count(), MetricPoint.objects.count(), UserDashboard.objects.count())
    assert "admin / dashboards-demo" in output
    executive = Dashboard.objects.get(name="Executive Summary")
    assert executive.type == "executive"
    assert executive.refresh_interval == 60
    widget_types = list(executive.widgets.order_by("position").values_list("type", flat=True))
    assert widget_types[:2] == ["revenue_chart", "active_subscriptions"]
    assert Dashboard.objects.filter(name="Sales Overview", type="sales").exists()
    default = UserDashboard.objects.get(user__username="alice", is_default=True)
    assert default.dashboard == executive
    # 41 days x (revenue, signups, 4 regions of subscriptions + 4 regions of deals)
    assert counts[1] == 41 * 10
    for dashboard in (executive, Dashboard.objects.get(name="Sales Overview")):
        names = [variable["name"] for variable in dashboard.definition["variables"]]
        assert names == ["timeRange", "region"]

    seed()
    assert (
        Dashboard.objects.count(),
        MetricPoint.objects.count(),
        UserDashboard.objects.count(),
    ) == counts
