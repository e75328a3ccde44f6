"""The rules the database itself enforces, on SQLite and PostgreSQL alike.

These tests write through the ORM on purpose, past the services: a constraint must hold even
for a writer that skips the Python checks (a lost race, a shell, a future bug).
"""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from dashboards.models import (
    MAX_DEFINITION_BYTES,
    Dashboard,
    MetricPoint,
    Project,
    ProjectMembership,
    UserDashboard,
    Widget,
    dimensions_key,
)
from tests.factories import (
    DashboardFactory,
    MembershipFactory,
    ProjectFactory,
    UserDashboardFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def violates(constraint: str, *, sqlite_text: str | None = None) -> Iterator[None]:
    """Expect the database to refuse the write by breaking `constraint`.

    PostgreSQL names the constraint; SQLite names it for check constraints and expression
    indexes, and lists the columns (`sqlite_text`) for plain unique ones.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    error = caught.value
    if connection.vendor == "postgresql":
        assert error.__cause__.diag.constraint_name == constraint
    else:
        assert (sqlite_text or constraint) in str(error)


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def other(db):
    return UserFactory(username="other")


@pytest.fixture
def shared_project(owner):
    return ProjectFactory(owner=owner, name="Shared")


# --- Dashboard names ------------------------------------------------------------------


def test_private_name_is_unique_per_owner_and_project_ignoring_case(owner, shared_project):
    DashboardFactory(owner=owner, project=shared_project, name="Sales Overview")
    with violates("dashboard_name_unique_user_scope"):
        DashboardFactory(owner=owner, project=shared_project, name="SALES overview")
    assert Dashboard.objects.count() == 1


def test_private_names_of_two_owners_never_conflict(owner, other, shared_project):
    DashboardFactory(owner=owner, project=shared_project, name="Sales")
    DashboardFactory(owner=other, project=shared_project, name="sales")
    assert Dashboard.objects.filter(name__iexact="sales").count() == 2


def test_private_name_may_repeat_in_another_project(owner, shared_project):
    elsewhere = ProjectFactory(owner=owner, name="Elsewhere")
    DashboardFactory(owner=owner, project=shared_project, name="Sales")
    DashboardFactory(owner=owner, project=elsewhere, name="Sales")
    assert Dashboard.objects.filter(name="Sales").count() == 2


def test_shared_name_is_unique_per_project_whoever_owns_it(owner, other, shared_project):
    DashboardFactory(owner=owner, project=shared_project, name="Ops", scope="project")
    with violates("dashboard_name_unique_project_scope"):
        DashboardFactory(owner=other, project=shared_project, name="oPs", scope="project")


def test_shared_name_may_repeat_in_another_project(owner, shared_project):
    elsewhere = ProjectFactory(owner=owner, name="Elsewhere")
    DashboardFactory(owner=owner, project=shared_project, name="Ops", scope="project")
    DashboardFactory(owner=owner, project=elsewhere, name="Ops", scope="project")
    assert Dashboard.objects.filter(name="Ops").count() == 2


def test_private_and_shared_dashboards_are_checked_in_separate_namespaces(owner, shared_project):
    # Each scope has its own rule; a private name never blocks (or reveals to) the project.
    DashboardFactory(owner=owner, project=shared_project, name="Ops", scope="user")
    DashboardFactory(owner=owner, project=shared_project, name="ops", scope="project")
    assert Dashboard.objects.count() == 2


def test_renaming_into_a_taken_name_is_refused(owner, shared_project):
    DashboardFactory(owner=owner, project=shared_project, name="First")
    second = DashboardFactory(owner=owner, project=shared_project, name="Second")
    with violates("dashboard_name_unique_user_scope"):
        Dashboard.objects.filter(pk=second.pk).update(name="FIRST")
    second.refresh_from_db()
    assert second.name == "Second"


def test_sharing_a_dashboard_whose_name_the_project_already_shares_is_refused(
    owner, other, shared_project
):
    DashboardFactory(owner=other, project=shared_project, name="Ops", scope="project")
    private = DashboardFactory(owner=owner, project=shared_project, name="ops", scope="user")
    with violates("dashboard_name_unique_project_scope"):
        Dashboard.objects.filter(pk=private.pk).update(scope="project")


# --- Dashboard check constraints ------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, 5, 60, 86400])
def test_refresh_interval_accepts_manual_and_five_to_a_day(seconds):
    dashboard = DashboardFactory(refresh_interval=seconds)
    dashboard.refresh_from_db()
    assert dashboard.refresh_interval == seconds


@pytest.mark.parametrize("seconds", [1, 4, 86401, 10**6])
def test_refresh_interval_outside_the_range_is_refused(seconds):
    with violates("dashboard_refresh_interval_range"):
        DashboardFactory(refresh_interval=seconds)
    assert not Dashboard.objects.exists()


def test_negative_refresh_interval_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardFactory(refresh_interval=-5)


def test_unknown_scope_is_refused():
    with violates("dashboard_scope_valid"):
        DashboardFactory(scope="team")


def test_version_below_one_is_refused():
    dashboard = DashboardFactory()
    with violates("dashboard_version_positive"):
        Dashboard.objects.filter(pk=dashboard.pk).update(version=0)


def test_new_dashboard_has_version_one_and_defaults():
    dashboard = DashboardFactory()
    dashboard.refresh_from_db()
    assert (dashboard.version, dashboard.scope, dashboard.refresh_interval) == (1, "user", 0)
    assert dashboard.definition == {}


def test_definition_is_stored_verbatim():
    definition = {"layout": [{"i": "w1", "x": 0, "y": 0}], "theme": None, "nested": {"ü": [1.5]}}
    dashboard = DashboardFactory(definition=definition)
    dashboard.refresh_from_db()
    assert dashboard.definition == definition


# --- Model validators (used by full_clean, the services and the admin) ----------------


@pytest.mark.parametrize("seconds", [3, 86401])
def test_refresh_interval_validator_names_the_field(seconds):
    dashboard = DashboardFactory.build(refresh_interval=seconds)
    with pytest.raises(ValidationError) as caught:
        dashboard.full_clean(exclude=["project", "owner"])
    assert "refresh_interval" in caught.value.message_dict


def test_definition_over_256_kib_fails_validation():
    dashboard = DashboardFactory.build(definition={"blob": "x" * MAX_DEFINITION_BYTES})
    with pytest.raises(ValidationError) as caught:
        dashboard.full_clean(exclude=["project", "owner"])
    assert "definition" in caught.value.message_dict


def test_definition_must_be_an_object():
    dashboard = DashboardFactory.build(definition=["not", "an", "object"])
    with pytest.raises(ValidationError) as caught:
        dashboard.full_clean(exclude=["project", "owner"])
    assert "definition" in caught.value.message_dict


@pytest.mark.parametrize("slug", ["Executive", "with space", "", "-lead"])
def test_type_must_be_a_lowercase_slug(slug):
    dashboard = DashboardFactory.build(type=slug)
    with pytest.raises(ValidationError) as caught:
        dashboard.full_clean(exclude=["project", "owner"])
    assert "type" in caught.value.message_dict


def test_widget_clean_refuses_an_unknown_type():
    widget = WidgetFactory.build(type="sparkline", dashboard=DashboardFactory())
    with pytest.raises(ValidationError) as caught:
        widget.full_clean()
    assert "type" in caught.value.message_dict
    assert "sparkline" in caught.value.message_dict["type"][0]


def test_widget_clean_refuses_a_size_the_type_does_not_take():
    widget = WidgetFactory.build(
        type="active_subscriptions", size="full", config={}, dashboard=DashboardFactory()
    )
    with pytest.raises(ValidationError) as caught:
        widget.full_clean()
    assert list(caught.value.message_dict) == ["size"]


def test_widget_clean_refuses_a_config_outside_the_schema():
    widget = WidgetFactory.build(type="kpi", size="small", config={}, dashboard=DashboardFactory())
    with pytest.raises(ValidationError) as caught:
        widget.full_clean()
    assert "metric" in caught.value.message_dict["config"][0]


# --- Widgets --------------------------------------------------------------------------


def test_widget_key_is_unique_within_a_dashboard():
    dashboard = DashboardFactory()
    WidgetFactory(dashboard=dashboard, key="widget_1")
    with violates(
        "widget_key_unique", sqlite_text="dashboards_widget.dashboard_id, dashboards_widget.key"
    ):
        WidgetFactory(dashboard=dashboard, key="widget_1")
    assert dashboard.widgets.count() == 1


def test_same_widget_key_on_two_dashboards_is_fine():
    WidgetFactory(key="widget_1")
    WidgetFactory(key="widget_1")
    assert Widget.objects.filter(key="widget_1").count() == 2


@pytest.mark.parametrize("size", ["huge", "", "Small"])
def test_widget_size_outside_the_four_is_refused(size):
    with violates("widget_size_valid"):
        WidgetFactory(size=size)


def test_deleting_a_dashboard_cascades_to_widgets_and_assignments():
    dashboard = DashboardFactory()
    WidgetFactory(dashboard=dashboard)
    UserDashboardFactory(dashboard=dashboard)
    dashboard.delete()
    assert not Widget.objects.exists()
    assert not UserDashboard.objects.exists()


# --- Assignments ----------------------------------------------------------------------


def test_a_user_has_at_most_one_default_dashboard(owner):
    UserDashboardFactory(user=owner, is_default=True)
    with violates("one_default_dashboard_per_user", sqlite_text="dashboards_userdashboard.user_id"):
        UserDashboardFactory(user=owner, is_default=True)
    assert UserDashboard.objects.filter(user=owner, is_default=True).count() == 1


def test_many_non_default_assignments_and_other_users_defaults_are_fine(owner, other):
    UserDashboardFactory(user=owner, is_default=True)
    UserDashboardFactory(user=owner, is_default=False)
    UserDashboardFactory(user=owner, is_default=False)
    UserDashboardFactory(user=other, is_default=True)
    assert UserDashboard.objects.filter(is_default=True).count() == 2


def test_promoting_a_second_default_by_update_is_refused(owner):
    UserDashboardFactory(user=owner, is_default=True)
    second = UserDashboardFactory(user=owner, is_default=False)
    with violates("one_default_dashboard_per_user", sqlite_text="dashboards_userdashboard.user_id"):
        UserDashboard.objects.filter(pk=second.pk).update(is_default=True)


def test_a_dashboard_is_assigned_to_a_user_once(owner):
    dashboard = DashboardFactory()
    UserDashboardFactory(user=owner, dashboard=dashboard)
    with violates(
        "assignment_unique",
        sqlite_text="dashboards_userdashboard.user_id, dashboards_userdashboard.dashboard_id",
    ):
        UserDashboardFactory(user=owner, dashboard=dashboard)


# --- Projects and memberships ---------------------------------------------------------


def test_project_name_is_unique_per_owner_ignoring_case(owner):
    ProjectFactory(owner=owner, name="Growth")
    with violates("project_name_ci_unique_per_owner"):
        ProjectFactory(owner=owner, name="GROWTH")


def test_two_owners_may_use_the_same_project_name(owner, other):
    ProjectFactory(owner=owner, name="Growth")
    ProjectFactory(owner=other, name="growth")
    assert Project.objects.filter(name__iexact="growth").count() == 2


def test_one_personal_project_per_user(owner, other):
    ProjectFactory(owner=owner, name="Personal", is_personal=True)
    ProjectFactory(owner=other, name="Personal", is_personal=True)
    with violates("one_personal_project_per_user", sqlite_text="dashboards_project.owner_id"):
        ProjectFactory(owner=owner, name="Personal 2", is_personal=True)


def test_personal_project_name_does_not_block_a_project_called_personal(owner):
    ProjectFactory(owner=owner, name="Personal", is_personal=True)
    ProjectFactory(owner=owner, name="personal")
    assert Project.objects.filter(owner=owner).count() == 2


def test_one_membership_per_user_and_project(owner, other, shared_project):
    MembershipFactory(project=shared_project, user=other, role="viewer")
    with violates(
        "one_membership_per_user",
        sqlite_text="dashboards_projectmembership.project_id, dashboards_projectmembership.user_id",
    ):
        MembershipFactory(project=shared_project, user=other, role="editor")


@pytest.mark.parametrize("role", ["owner", "", "Admin"])
def test_membership_role_outside_the_three_is_refused(other, shared_project, role):
    with violates("membership_role_valid"):
        MembershipFactory(project=shared_project, user=other, role=role)
    assert not ProjectMembership.objects.exists()


def test_deleting_a_project_cascades_to_dashboards_and_memberships(owner, other, shared_project):
    MembershipFactory(project=shared_project, user=other)
    dashboard = DashboardFactory(owner=owner, project=shared_project)
    WidgetFactory(dashboard=dashboard)
    shared_project.delete()
    assert not Dashboard.objects.exists()
    assert not Widget.objects.exists()
    assert not ProjectMembership.objects.exists()


# --- Metric points --------------------------------------------------------------------

MOMENT = datetime(2026, 1, 3, 10, 0, tzinfo=UTC)


def _point(project, **kwargs) -> MetricPoint:
    fields = {"metric": "revenue", "timestamp": MOMENT, "value": 1.0, "dimensions": {}}
    fields.update(kwargs)
    point = MetricPoint(project=project, **fields)
    point.save()
    return point


def test_metric_point_identity_is_project_metric_timestamp_dimensions(shared_project):
    _point(shared_project, dimensions={"region": "eu", "plan": "pro"})
    with violates(
        "metric_point_identity",
        sqlite_text="dashboards_metricpoint.project_id, dashboards_metricpoint.metric",
    ):
        # Same dimensions in another key order: the same point.
        _point(shared_project, value=2.0, dimensions={"plan": "pro", "region": "eu"})


def test_metric_points_differing_in_one_part_of_the_identity_coexist(owner, shared_project):
    _point(shared_project)
    _point(shared_project, dimensions={"region": "eu"})
    _point(shared_project, metric="active_subscriptions")
    _point(shared_project, timestamp=datetime(2026, 1, 3, 10, 0, 1, tzinfo=UTC))
    _point(ProjectFactory(owner=owner, name="Other"))
    assert MetricPoint.objects.count() == 5


def test_dimensions_key_is_stable_and_order_independent():
    assert dimensions_key({"a": 1, "b": "x"}) == dimensions_key({"b": "x", "a": 1})
    assert dimensions_key({}) == dimensions_key(None)
    assert dimensions_key({"a": 1}) != dimensions_key({"a": 2})
    assert len(dimensions_key({"a": 1})) == 40
