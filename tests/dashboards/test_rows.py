"""Instances from written-out SQL (`dashboards.rows`) are what the ORM would load."""

import pytest
from django.db import connection
from django.db.models.signals import post_init

from dashboards.models import Dashboard, Project, Widget
from dashboards.rows import ModelRows
from tests.factories import DashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def loaded(model, alias: str, pk):
    rows = ModelRows(model, alias)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rows.columns} FROM {rows.table} WHERE {alias}.id = %s",  # noqa: S608
            [rows.db_value("id", pk, connection)],
        )
        return rows.instance(cursor.fetchone(), connection)


def values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


@pytest.mark.parametrize("model", [Dashboard, Project, Widget])
def test_an_instance_equals_the_orms(alice, model):
    dashboard = DashboardFactory(owner=alice, definition={"layout": {"columns": 12}})
    widget = WidgetFactory(dashboard=dashboard, config={"markdown": "x", "n": 2**70})
    pk = {Dashboard: dashboard.pk, Project: dashboard.project_id, Widget: widget.pk}[model]
    ours = loaded(model, "x", pk)
    theirs = model.objects.get(pk=pk)
    assert values(ours) == values(theirs)
    assert (ours._state.adding, ours._state.db) == (False, theirs._state.db)


def test_an_instance_saves_as_an_update_not_a_new_row(alice):
    dashboard = DashboardFactory(owner=alice, name="Before")
    ours = loaded(Dashboard, "d", dashboard.pk)
    ours.name = "After"
    ours.save(update_fields=["name"])
    assert Dashboard.objects.count() == 1
    assert Dashboard.objects.get().name == "After"
    assert ours.project.pk == dashboard.project_id  # relations load as usual


def test_a_connected_init_signal_still_fires(alice):
    dashboard = DashboardFactory(owner=alice)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Dashboard)
    try:
        ours = loaded(Dashboard, "d", dashboard.pk)
    finally:
        post_init.disconnect(receiver, sender=Dashboard)
    assert seen == [ours]


def test_dashboard_get_reads_the_dashboard_once_and_its_widgets_in_order(alice):
    from dashboards import selectors
    from dashboards.exceptions import DashboardNotFound

    big = {"notes": "x" * 200_000}
    dashboard = DashboardFactory(owner=alice, definition=big)
    for position in (2, 0, 1):
        WidgetFactory(dashboard=dashboard, position=position, key=f"w{position}")
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        loaded_dashboard = selectors.dashboard_get(user=alice, dashboard_id=dashboard.pk)
    assert [w.key for w in loaded_dashboard.widgets.all()] == ["w0", "w1", "w2"]
    assert loaded_dashboard.definition == big
    assert len(statements) == 1  # one statement...
    empty = DashboardFactory(owner=alice)
    assert list(selectors.dashboard_get(user=alice, dashboard_id=empty.pk).widgets.all()) == []
    # ...and a dashboard outside the asked scope is not found, whatever its widgets.
    with pytest.raises(DashboardNotFound):
        selectors.dashboard_get(user=alice, dashboard_id=dashboard.pk, scopes=["project"])
