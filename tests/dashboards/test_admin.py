"""The admin posts real change forms: validation is the models' and the registry's."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from dashboards.models import Dashboard, UserDashboard, Widget
from tests.factories import DashboardFactory, ProjectFactory, UserDashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def widget_forms(*widgets: dict, initial: int = 0) -> dict:
    data = {
        "widgets-TOTAL_FORMS": str(len(widgets)),
        "widgets-INITIAL_FORMS": str(initial),
        "widgets-MIN_NUM_FORMS": "0",
        "widgets-MAX_NUM_FORMS": "100",
    }
    for index, widget in enumerate(widgets):
        for key, value in widget.items():
            data[f"widgets-{index}-{key}"] = value
    return data


def dashboard_form(project, owner, **overrides) -> dict:
    data = {
        "name": "Executive Summary",
        "project": str(project.pk),
        "owner": str(owner.pk),
        "scope": "user",
        "type": "executive",
        "description": "Key metrics",
        "refresh_interval": "60",
        "definition": '{"theme": "dark"}',
    }
    data.update(overrides)
    return data


REVENUE = {
    "position": "0",
    "key": "widget_1",
    "type": "revenue_chart",
    "title": "Revenue",
    "size": "large",
    "config": "{}",
}
SUBS = {
    "position": "1",
    "key": "widget_2",
    "type": "active_subscriptions",
    "title": "Subs",
    "size": "small",
    "config": "{}",
}


def test_staff_creates_dashboard_with_two_widgets(admin_client, alice):
    project = ProjectFactory(owner=alice)
    url = reverse("admin:dashboards_dashboard_add")
    response = admin_client.post(
        url, {**dashboard_form(project, alice), **widget_forms(REVENUE, SUBS)}
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    dashboard = Dashboard.objects.get(name="Executive Summary")
    assert dashboard.version == 1
    assert dashboard.definition == {"theme": "dark"}
    assert list(dashboard.widgets.order_by("position").values_list("key", "type")) == [
        ("widget_1", "revenue_chart"),
        ("widget_2", "active_subscriptions"),
    ]


def test_save_and_continue_opens_the_saved_dashboard(admin_client, alice):
    project = ProjectFactory(owner=alice)
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(project, alice), **widget_forms(REVENUE), "_continue": "1"},
    )
    dashboard = Dashboard.objects.get(name="Executive Summary")
    assert response["Location"] == reverse("admin:dashboards_dashboard_change", args=[dashboard.pk])
    assert LogEntry.objects.get().object_id == str(dashboard.pk)


def test_unknown_widget_type_is_a_form_error_and_nothing_is_saved(admin_client, alice):
    project = ProjectFactory(owner=alice)
    bad = {**SUBS, "type": "sparkline"}
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(project, alice), **widget_forms(REVENUE, bad)},
    )
    assert response.status_code == 200
    assert "is not supported" in response.content.decode()
    assert not Dashboard.objects.exists()
    assert not Widget.objects.exists()


def test_invalid_widget_config_is_a_form_error(admin_client, alice):
    project = ProjectFactory(owner=alice)
    bad = {**REVENUE, "config": '{"months": 0}'}
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(project, alice), **widget_forms(bad)},
    )
    assert response.status_code == 200
    assert "months" in response.content.decode()
    assert not Dashboard.objects.exists()


def test_duplicate_name_is_a_form_error(admin_client, alice):
    existing = DashboardFactory(owner=alice, name="Executive Summary")
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(existing.project, alice, name="EXECUTIVE summary"), **widget_forms()},
    )
    assert response.status_code == 200
    assert Dashboard.objects.count() == 1


def test_refresh_interval_out_of_range_is_a_form_error(admin_client, alice):
    project = ProjectFactory(owner=alice)
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(project, alice, refresh_interval="3"), **widget_forms()},
    )
    assert response.status_code == 200
    assert "manual refresh" in response.content.decode()
    assert not Dashboard.objects.exists()


def test_change_bumps_version_and_keeps_widget_identity(admin_client, alice):
    dashboard = DashboardFactory(owner=alice, name="Ops")
    widget = WidgetFactory(dashboard=dashboard, key="w1", position=0)
    url = reverse("admin:dashboards_dashboard_change", args=[dashboard.pk])
    kept = {
        "id": str(widget.pk),
        "dashboard": str(dashboard.pk),
        "position": "0",
        "key": "w1",
        "type": "text",
        "title": "Renamed",
        "size": "full",
        "config": '{"markdown": "hi"}',
    }
    response = admin_client.post(
        url,
        {**dashboard_form(dashboard.project, alice, name="Ops 2"), **widget_forms(kept, initial=1)},
    )
    assert response.status_code == 302
    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.version) == ("Ops 2", 2)
    widget.refresh_from_db()
    assert (widget.title, widget.size) == ("Renamed", "full")


def test_making_a_default_undefaults_the_previous_one(admin_client, alice):
    first = UserDashboardFactory(user=alice, is_default=True)
    other = DashboardFactory(owner=alice)
    response = admin_client.post(
        reverse("admin:dashboards_userdashboard_add"),
        {"user": str(alice.pk), "dashboard": str(other.pk), "is_default": "on", "position": "1"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.is_default is False
    assert UserDashboard.objects.get(user=alice, dashboard=other).is_default is True


@pytest.mark.parametrize("model", ["project", "dashboard", "userdashboard", "metricpoint"])
def test_changelists_render(admin_client, model, alice):
    DashboardFactory(owner=alice)
    response = admin_client.get(reverse(f"admin:dashboards_{model}_changelist"), {"q": "a"})
    assert response.status_code == 200


def test_dashboard_change_page_links_to_live_page_and_api(admin_client, alice):
    dashboard = DashboardFactory(owner=alice)
    response = admin_client.get(reverse("admin:dashboards_dashboard_change", args=[dashboard.pk]))
    body = response.content.decode()
    assert f'href="/dashboards/{dashboard.pk}/"' in body
    assert f'href="/api/dashboards/{dashboard.pk}"' in body


def test_non_staff_cannot_use_admin(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:dashboards_dashboard_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_bad_variables_are_a_form_error_on_the_definition(admin_client, alice):
    project = ProjectFactory(owner=alice)
    definition = '{"variables": [{"name": "region", "type": "dimension"}]}'
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_add"),
        {**dashboard_form(project, alice, definition=definition), **widget_forms()},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["definition"] == ["definition.variables[0].dimension: This field is required."]
    assert not Dashboard.objects.exists()
