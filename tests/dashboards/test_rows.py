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
            [rows.db_value("id", pk)],
        )
        return rows.instance(cursor.fetchone())


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
