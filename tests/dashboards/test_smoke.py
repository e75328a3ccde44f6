import pytest

from dashboards import selectors, services
from dashboards.exceptions import DuplicateDashboard, InvalidWidgetType

pytestmark = pytest.mark.django_db


def test_create_and_replace(alice):
    d = services.dashboard_create(
        user=alice,
        name="Executive Summary",
        widgets=[
            {"id": "widget_1", "type": "revenue_chart", "title": "Rev", "size": "large"},
            {"type": "active_subscriptions", "size": "small"},
        ],
    )
    assert d.project.is_personal
    assert [w.key for w in d.widgets.order_by("position")] == ["widget_1", "widget_2"]
    w1 = d.widgets.get(key="widget_1").pk
    d = services.dashboard_update(
        dashboard=d,
        user=alice,
        widgets=[{"id": "widget_1", "type": "kpi", "size": "small", "config": {"metric": "x"}}],
        name="New",
    )
    assert d.version == 2
    assert list(d.widgets.values_list("pk", "type")) == [(w1, "kpi")]
    with pytest.raises(DuplicateDashboard):
        services.dashboard_create(user=alice, name="new")
    with pytest.raises(InvalidWidgetType):
        services.dashboard_create(user=alice, name="x", widgets=[{"type": "nope"}])
    got = selectors.dashboard_get(user=alice, dashboard_id=d.id)
    assert got.name == "New"
