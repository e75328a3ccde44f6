"""Every write in `dashboards/services.py`: what it does, what it refuses, and that a refusal
writes nothing."""

import uuid

import pytest

from dashboards import selectors, services
from dashboards.exceptions import (
    Conflict,
    DashboardNotFound,
    DuplicateDashboard,
    DuplicateProject,
    InvalidWidgetType,
    PermissionDenied,
    PreconditionFailed,
    UserNotFound,
    ValidationFailed,
)
from dashboards.models import (
    MAX_DEFINITION_BYTES,
    MAX_WIDGETS,
    Dashboard,
    Project,
    ProjectMembership,
    UserDashboard,
    Widget,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REVENUE = {"id": "widget_1", "type": "revenue_chart", "title": "Revenue", "size": "large"}
SUBS = {"id": "widget_2", "type": "active_subscriptions", "title": "Subs", "size": "small"}


def text_widget(key: str | None = None, **extra) -> dict:
    spec = {"type": "text", "title": f"Text {key}", "size": "medium", "config": {"markdown": "hi"}}
    if key is not None:
        spec["id"] = key
    spec.update(extra)
    return spec


def keys(dashboard: Dashboard) -> list[str]:
    return list(dashboard.widgets.order_by("position").values_list("key", flat=True))


@pytest.fixture
def board(alice, project):
    """A shared dashboard of alice's project with two widgets."""
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Executive Summary",
        widgets=[REVENUE, SUBS],
    )


# --- Personal project -----------------------------------------------------------------


def test_personal_project_is_created_once(alice):
    first = services.project_get_personal(user=alice)
    second = services.project_get_personal(user=alice)
    assert first.pk == second.pk
    assert first.is_personal
    assert first.owner == alice
    assert Project.objects.filter(owner=alice, is_personal=True).count() == 1


def test_personal_projects_are_per_user(alice, bob):
    assert services.project_get_personal(user=alice) != services.project_get_personal(user=bob)


def test_personal_project_coexists_with_a_project_called_personal(alice):
    services.project_create(user=alice, name="Personal")
    personal = services.project_get_personal(user=alice)
    assert personal.is_personal
    assert Project.objects.filter(owner=alice).count() == 2


# --- Projects -------------------------------------------------------------------------


def test_project_create_stores_the_fields(alice):
    given = uuid.uuid4()
    project = services.project_create(
        user=alice, name="Growth", description="KPIs", metadata={"team": "g"}, id=given
    )
    project.refresh_from_db()
    assert (project.pk, project.name, project.description) == (given, "Growth", "KPIs")
    assert project.metadata == {"team": "g"}
    assert project.owner == alice
    assert not project.is_personal


def test_project_create_refuses_a_name_the_owner_already_uses(alice):
    services.project_create(user=alice, name="Growth")
    with pytest.raises(DuplicateProject) as caught:
        services.project_create(user=alice, name="gROWTH")
    assert caught.value.code == "DUPLICATE_PROJECT"
    assert caught.value.details == {"name": ["Project name already exists."]}
    assert Project.objects.filter(owner=alice).count() == 1


def test_project_create_allows_a_name_another_owner_uses(alice, bob):
    services.project_create(user=alice, name="Growth")
    services.project_create(user=bob, name="Growth")
    assert Project.objects.filter(name="Growth").count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "metadata": ["a"]}, "metadata"),
        ({"name": "ok", "description": "x" * 2001}, "description"),
    ],
)
def test_project_create_refuses_bad_fields(alice, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        services.project_create(user=alice, **fields)
    assert field in caught.value.details
    assert not Project.objects.exists()


def test_project_admin_updates_the_project(erin, project):
    services.project_update(project=project, user=erin, name="Renamed", metadata={"a": 1})
    project.refresh_from_db()
    assert (project.name, project.metadata) == ("Renamed", {"a": 1})


@pytest.mark.parametrize("who", ["bob", "dave", "charlie"])
def test_non_admins_may_not_update_the_project(request, project, who):
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, user=request.getfixturevalue(who), name="X")
    project.refresh_from_db()
    assert project.name == "Analytics"


def test_project_update_refuses_unknown_fields(alice, project):
    with pytest.raises(ValidationFailed) as caught:
        services.project_update(project=project, user=alice, owner=alice)
    assert caught.value.details == {"owner": ["Unknown field."]}


def test_project_update_into_a_taken_name_is_duplicate(alice, project):
    other = services.project_create(user=alice, name="Other")
    with pytest.raises(DuplicateProject):
        services.project_update(project=other, user=alice, name="analytics")
    other.refresh_from_db()
    assert other.name == "Other"


def test_personal_project_cannot_be_renamed_but_can_be_described(alice):
    personal = services.project_get_personal(user=alice)
    with pytest.raises(ValidationFailed) as caught:
        services.project_update(project=personal, user=alice, name="Mine")
    assert "name" in caught.value.details
    services.project_update(project=personal, user=alice, description="My things")
    personal.refresh_from_db()
    assert (personal.name, personal.description) == ("Personal", "My things")


def test_project_delete_removes_dashboards_and_widgets(erin, project, board):
    services.project_delete(project=project, user=erin)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Dashboard.objects.filter(pk=board.pk).exists()
    assert not Widget.objects.exists()


@pytest.mark.parametrize("who", ["bob", "dave", "charlie"])
def test_non_admins_may_not_delete_the_project(request, project, who):
    with pytest.raises(PermissionDenied):
        services.project_delete(project=project, user=request.getfixturevalue(who))
    assert Project.objects.filter(pk=project.pk).exists()


def test_personal_project_cannot_be_deleted(alice):
    personal = services.project_get_personal(user=alice)
    with pytest.raises(ValidationFailed):
        services.project_delete(project=personal, user=alice)
    assert Project.objects.filter(pk=personal.pk).exists()


# --- Memberships ----------------------------------------------------------------------


def test_admin_adds_a_member_and_changes_their_role(erin, charlie, project):
    services.membership_set(project=project, actor=erin, user_id=charlie.pk, role="viewer")
    membership = services.membership_set(
        project=project, actor=erin, user_id=str(charlie.pk), role="editor"
    )
    assert membership.role == "editor"
    assert ProjectMembership.objects.filter(project=project, user=charlie).count() == 1


@pytest.mark.parametrize("who", ["bob", "dave", "charlie"])
def test_non_admins_may_not_manage_members(request, project, staff, who):
    with pytest.raises(PermissionDenied):
        services.membership_set(
            project=project, actor=request.getfixturevalue(who), user_id=staff.pk, role="admin"
        )
    assert not ProjectMembership.objects.filter(user=staff).exists()


def test_membership_refuses_an_unknown_role(alice, charlie, project):
    with pytest.raises(ValidationFailed) as caught:
        services.membership_set(project=project, actor=alice, user_id=charlie.pk, role="owner")
    assert "role" in caught.value.details
    assert not ProjectMembership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize("user_id", [999999, "abc", None])
def test_membership_for_a_missing_user_is_user_not_found(alice, project, user_id):
    with pytest.raises(UserNotFound):
        services.membership_set(project=project, actor=alice, user_id=user_id, role="viewer")


def test_membership_for_an_inactive_user_is_user_not_found(alice, project):
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(UserNotFound):
        services.membership_set(project=project, actor=alice, user_id=gone.pk, role="viewer")


def test_the_owner_cannot_be_given_a_role(erin, alice, project):
    with pytest.raises(ValidationFailed):
        services.membership_set(project=project, actor=erin, user_id=alice.pk, role="viewer")
    assert not ProjectMembership.objects.filter(user=alice).exists()


def test_admin_removes_a_member(erin, bob, project):
    services.membership_remove(project=project, actor=erin, user_id=bob.pk)
    assert not ProjectMembership.objects.filter(project=project, user=bob).exists()


def test_a_member_may_leave(bob, project):
    services.membership_remove(project=project, actor=bob, user_id=bob.pk)
    assert not ProjectMembership.objects.filter(project=project, user=bob).exists()


def test_a_non_admin_may_not_remove_someone_else(dave, bob, project):
    with pytest.raises(PermissionDenied):
        services.membership_remove(project=project, actor=dave, user_id=bob.pk)
    assert ProjectMembership.objects.filter(project=project, user=bob).exists()


def test_removing_a_non_member_is_user_not_found(alice, charlie, project):
    with pytest.raises(UserNotFound):
        services.membership_remove(project=project, actor=alice, user_id=charlie.pk)


# --- dashboard_create -----------------------------------------------------------------


def test_create_without_project_goes_to_the_personal_project(alice):
    dashboard = services.dashboard_create(
        user=alice,
        name="Executive Summary",
        description="Top line",
        type="executive",
        refresh_interval=60,
        definition={"layout": {"columns": 12}},
        widgets=[REVENUE, SUBS],
    )
    dashboard.refresh_from_db()
    assert dashboard.project == services.project_get_personal(user=alice)
    assert (dashboard.owner, dashboard.scope, dashboard.version) == (alice, "user", 1)
    assert (dashboard.type, dashboard.refresh_interval) == ("executive", 60)
    assert dashboard.definition == {"layout": {"columns": 12}}
    widgets = list(dashboard.widgets.order_by("position").values("key", "type", "size", "title"))
    assert widgets == [
        {"key": "widget_1", "type": "revenue_chart", "size": "large", "title": "Revenue"},
        {"key": "widget_2", "type": "active_subscriptions", "size": "small", "title": "Subs"},
    ]


def test_a_refused_create_leaves_no_personal_project_behind(alice):
    with pytest.raises(InvalidWidgetType):
        services.dashboard_create(user=alice, name="X", widgets=[{"type": "sparkline"}])
    with pytest.raises(ValidationFailed):
        services.dashboard_create(user=alice, name="")
    assert not Project.objects.filter(owner=alice).exists()


def test_create_defaults(alice):
    dashboard = services.dashboard_create(user=alice, name="Bare")
    dashboard.refresh_from_db()
    assert (dashboard.type, dashboard.refresh_interval, dashboard.definition) == ("custom", 0, {})
    assert dashboard.widgets.count() == 0


def test_create_with_a_given_id(alice):
    given = uuid.uuid4()
    dashboard = services.dashboard_create(user=alice, name="Mine", id=given)
    assert Dashboard.objects.get(pk=given) == dashboard


def test_create_with_a_taken_id_is_a_conflict_not_a_crash(alice, bob):
    taken = services.dashboard_create(user=alice, name="First")
    with pytest.raises(Conflict) as caught:
        services.dashboard_create(user=bob, name="Second", id=taken.pk, widgets=[REVENUE])
    assert caught.value.code == "CONFLICT"
    assert "id" in caught.value.details
    assert Dashboard.objects.get(pk=taken.pk).name == "First"
    assert not Widget.objects.exists()


def test_project_create_with_a_taken_id_is_a_conflict(alice, bob):
    taken = services.project_create(user=alice, name="First")
    with pytest.raises(Conflict):
        services.project_create(user=bob, name="Second", id=taken.pk)
    assert Project.objects.get(pk=taken.pk).owner == alice


def test_widget_without_id_gets_one_that_no_other_widget_uses(alice):
    dashboard = services.dashboard_create(
        user=alice, name="Gen", widgets=[text_widget(), text_widget("widget_1"), text_widget()]
    )
    assert keys(dashboard) == ["widget_2", "widget_1", "widget_3"]


def test_widget_defaults_are_medium_untitled_and_empty_config(alice):
    dashboard = services.dashboard_create(user=alice, name="D", widgets=[{"type": "text"}])
    widget = dashboard.widgets.get()
    assert (widget.key, widget.size, widget.title, widget.config) == ("widget_1", "medium", "", {})


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_editors_and_admins_create_in_the_project(request, project, who):
    user = request.getfixturevalue(who)
    dashboard = services.dashboard_create(user=user, project=project, name="Team", scope="project")
    assert (dashboard.project, dashboard.owner) == (project, user)


@pytest.mark.parametrize("who", ["bob", "charlie", "staff"])
def test_viewers_and_outsiders_may_not_create_in_the_project(request, project, who):
    with pytest.raises(PermissionDenied):
        services.dashboard_create(user=request.getfixturevalue(who), project=project, name="X")
    assert not Dashboard.objects.exists()


def test_superuser_creates_in_any_project(superuser, project):
    services.dashboard_create(user=superuser, project=project, name="Root's")
    assert Dashboard.objects.filter(project=project, owner=superuser).exists()


def test_create_refuses_a_duplicate_private_name_ignoring_case(alice):
    services.dashboard_create(user=alice, name="Sales Overview")
    with pytest.raises(DuplicateDashboard) as caught:
        services.dashboard_create(user=alice, name="sales overview")
    assert caught.value.code == "DUPLICATE_DASHBOARD"
    assert caught.value.details == {"name": ["Dashboard name already exists."]}
    assert Dashboard.objects.count() == 1


def test_create_refuses_a_name_the_project_already_shares(alice, dave, project):
    services.dashboard_create(user=alice, project=project, name="Ops", scope="project")
    with pytest.raises(DuplicateDashboard):
        services.dashboard_create(user=dave, project=project, name="OPS", scope="project")


def test_another_users_private_dashboard_never_conflicts(alice, dave, project):
    services.dashboard_create(user=alice, project=project, name="Ops")
    services.dashboard_create(user=dave, project=project, name="Ops")
    assert Dashboard.objects.filter(name="Ops").count() == 2


def test_a_refused_create_writes_no_widgets(alice):
    services.dashboard_create(user=alice, name="Taken")
    with pytest.raises(DuplicateDashboard):
        services.dashboard_create(user=alice, name="taken", widgets=[REVENUE])
    assert not Widget.objects.exists()


def test_unknown_widget_type_is_invalid_widget_type_and_nothing_is_written(alice):
    with pytest.raises(InvalidWidgetType) as caught:
        services.dashboard_create(user=alice, name="X", widgets=[REVENUE, {"type": "sparkline"}])
    assert caught.value.code == "INVALID_WIDGET_TYPE"
    assert "sparkline" in caught.value.message
    assert not Dashboard.objects.exists()
    assert not Widget.objects.exists()


@pytest.mark.parametrize(
    ("widgets", "field"),
    [
        ([REVENUE, {**SUBS, "size": "huge"}], "widgets[1].size"),
        ([{**SUBS, "size": "full"}], "widgets[0].size"),
        ([{"type": "kpi", "size": "small", "config": {}}], "widgets[0].config"),
        (
            [{"type": "kpi", "size": "small", "config": {"metric": "a b"}}],
            "widgets[0].config.metric",
        ),
        ([{"type": "text", "config": "markdown"}], "widgets[0].config"),
        ([REVENUE, "not a widget"], "widgets[1]"),
        ([{"type": "text", "colour": "red"}], "widgets[0].colour"),
        ([{"type": "text", "id": 7}], "widgets[0].id"),
        ([{"type": "text", "id": "has space"}], "widgets[0].id"),
        ([{"type": "text", "id": "x" * 65}], "widgets[0].id"),
        ([{"type": "text", "title": "x" * 201}], "widgets[0].title"),
        ([{"type": "text", "title": 5}], "widgets[0].title"),
        ([text_widget(), text_widget("a"), text_widget("a")], "widgets[2].id"),
        ([text_widget(), {"type": "text", "id": ["a"]}], "widgets[1].id"),
        ([{"type": "text", "id": {"a": 1}}], "widgets[0].id"),
    ],
)
def test_bad_widget_is_validation_failed_naming_the_widget_field(alice, widgets, field):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(user=alice, name="X", widgets=widgets)
    assert caught.value.code == "VALIDATION_ERROR"
    assert field in caught.value.details, caught.value.details
    assert not Dashboard.objects.exists()


def test_widgets_must_be_a_list(alice):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(user=alice, name="X", widgets={"type": "text"})
    assert "widgets" in caught.value.details


def test_a_hundred_widgets_are_fine(alice):
    dashboard = services.dashboard_create(
        user=alice, name="Full", widgets=[text_widget() for _ in range(MAX_WIDGETS)]
    )
    assert dashboard.widgets.count() == MAX_WIDGETS
    assert keys(dashboard)[-1] == "widget_100"


def test_more_than_a_hundred_widgets_are_refused(alice):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(
            user=alice, name="Over", widgets=[text_widget() for _ in range(MAX_WIDGETS + 1)]
        )
    assert "widgets" in caught.value.details
    assert not Dashboard.objects.exists()


def test_definition_over_256_kib_is_refused(alice):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(
            user=alice, name="Big", definition={"blob": "x" * MAX_DEFINITION_BYTES}
        )
    assert "definition" in caught.value.details
    assert not Dashboard.objects.exists()


def test_definition_just_under_the_limit_is_kept(alice):
    blob = "x" * (MAX_DEFINITION_BYTES - len('{"blob":""}'))
    dashboard = services.dashboard_create(user=alice, name="Big", definition={"blob": blob})
    dashboard.refresh_from_db()
    assert len(dashboard.definition["blob"]) == len(blob)


@pytest.mark.parametrize("key", ["name", "description", "type", "refreshInterval", "widgets"])
def test_reserved_definition_keys_are_refused(alice, key):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(user=alice, name="X", definition={key: "x", "theme": "dark"})
    assert key in caught.value.details["definition"][0]
    assert not Dashboard.objects.exists()


def test_definition_must_be_an_object(alice):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(user=alice, name="X", definition=["a"])
    assert "definition" in caught.value.details


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "X", "description": "x" * 2001}, "description"),
        ({"name": "X", "refresh_interval": 3}, "refresh_interval"),
        ({"name": "X", "refresh_interval": 86401}, "refresh_interval"),
        ({"name": "X", "refresh_interval": -1}, "refresh_interval"),
        ({"name": "X", "refresh_interval": "soon"}, "refresh_interval"),
        ({"name": "X", "type": "Not A Slug"}, "type"),
        ({"name": "X", "scope": "team"}, "scope"),
    ],
)
def test_create_refuses_bad_fields(alice, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_create(user=alice, **fields)
    assert field in caught.value.details
    assert caught.value.message.startswith(field)
    assert not Dashboard.objects.exists()


# --- dashboard_update -----------------------------------------------------------------


def test_update_changes_fields_and_bumps_the_version_by_one(alice, board):
    before = board.updated_at
    updated = services.dashboard_update(
        dashboard=board, user=alice, name="Exec", description="d", refresh_interval=30
    )
    assert updated.version == 2
    assert updated.updated_at > before
    again = services.dashboard_update(dashboard=updated, user=alice, type="executive")
    assert again.version == 3
    board.refresh_from_db()
    assert (board.name, board.description, board.refresh_interval) == ("Exec", "d", 30)
    assert (board.type, board.version) == ("executive", 3)


def test_update_that_changes_nothing_writes_nothing(alice, board):
    # docs/history.md: no new version, the same ETag, updated_at untouched.
    before = board.updated_at
    same = services.dashboard_update(
        dashboard=board, user=alice, name=board.name, description=board.description
    )
    assert same.version == 1
    board.refresh_from_db()
    assert (board.version, board.updated_at) == (1, before)
    assert board.versions.count() == 1


def test_replacing_widgets_keeps_the_identity_of_kept_ids(alice, board):
    kept_pk = board.widgets.get(key="widget_1").pk
    dropped_pk = board.widgets.get(key="widget_2").pk
    updated = services.dashboard_update(
        dashboard=board,
        user=alice,
        widgets=[
            text_widget("new_one"),
            {"id": "widget_1", "type": "kpi", "size": "small", "config": {"metric": "mrr"}},
        ],
    )
    assert keys(updated) == ["new_one", "widget_1"]
    kept = Widget.objects.get(dashboard=board, key="widget_1")
    assert kept.pk == kept_pk
    assert (kept.type, kept.size, kept.config, kept.position) == (
        "kpi",
        "small",
        {"metric": "mrr"},
        1,
    )
    assert not Widget.objects.filter(pk=dropped_pk).exists()
    assert updated.version == 2


def test_a_replaced_dashboard_reads_back_through_the_selector(alice, board):
    services.dashboard_update(
        dashboard=board, user=alice, name="New", widgets=[SUBS, text_widget("note"), REVENUE]
    )
    got = selectors.dashboard_get(user=alice, dashboard_id=board.pk)
    assert (got.name, got.version) == ("New", 2)
    assert [w.key for w in got.widgets.all()] == ["widget_2", "note", "widget_1"]


def test_update_without_widgets_leaves_them_alone(alice, board):
    pks = list(board.widgets.order_by("position").values_list("pk", flat=True))
    services.dashboard_update(dashboard=board, user=alice, name="Renamed")
    assert list(board.widgets.order_by("position").values_list("pk", flat=True)) == pks


def test_update_with_an_empty_widget_list_removes_them(alice, board):
    services.dashboard_update(dashboard=board, user=alice, widgets=[])
    assert not board.widgets.exists()


def test_replacing_with_a_hundred_widgets_then_fewer(alice, board):
    services.dashboard_update(
        dashboard=board, user=alice, widgets=[text_widget(f"w{i}") for i in range(MAX_WIDGETS)]
    )
    assert board.widgets.count() == MAX_WIDGETS
    services.dashboard_update(dashboard=board, user=alice, widgets=[text_widget("w99")])
    assert keys(board) == ["w99"]


def test_update_with_the_current_version_succeeds(alice, board):
    updated = services.dashboard_update(
        dashboard=board, user=alice, expected_version=1, name="Exec"
    )
    assert (updated.name, updated.version) == ("Exec", 2)


def test_update_with_a_stale_version_is_precondition_failed_and_writes_nothing(alice, board):
    services.dashboard_update(dashboard=board, user=alice, name="Second")
    with pytest.raises(PreconditionFailed) as caught:
        services.dashboard_update(
            dashboard=board, user=alice, expected_version=1, name="Lost", widgets=[]
        )
    assert caught.value.code == "PRECONDITION_FAILED"
    assert caught.value.details == {"currentVersion": 2}
    board.refresh_from_db()
    assert (board.name, board.version) == ("Second", 2)
    assert keys(board) == ["widget_1", "widget_2"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"name": ""}, ValidationFailed),
        ({"description": "x" * 2001}, ValidationFailed),
        ({"refresh_interval": 2}, ValidationFailed),
        ({"definition": {"widgets": []}}, ValidationFailed),
        ({"definition": {"blob": "x" * MAX_DEFINITION_BYTES}}, ValidationFailed),
        ({"widgets": [{"type": "sparkline"}]}, InvalidWidgetType),
        (
            {"widgets": [text_widget("widget_1"), {"type": "text", "size": "huge"}]},
            ValidationFailed,
        ),
        ({"scope": "team"}, ValidationFailed),
        ({"owner": None}, ValidationFailed),
    ],
)
def test_a_refused_update_writes_nothing(alice, board, change, error):
    with pytest.raises(error):
        services.dashboard_update(dashboard=board, user=alice, **{"description": "new", **change})
    board.refresh_from_db()
    assert (board.description, board.version, board.refresh_interval) == ("", 1, 0)
    assert keys(board) == ["widget_1", "widget_2"]
    assert board.widgets.get(key="widget_1").type == "revenue_chart"


def test_renaming_into_a_taken_name_is_duplicate(alice, project, board):
    other = services.dashboard_create(user=alice, project=project, name="Other", scope="project")
    with pytest.raises(DuplicateDashboard):
        services.dashboard_update(dashboard=other, user=alice, name="EXECUTIVE summary")
    other.refresh_from_db()
    assert (other.name, other.version) == ("Other", 1)


def test_widget_errors_on_update_name_the_widget(alice, board):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_update(
            dashboard=board,
            user=alice,
            widgets=[REVENUE, {"type": "kpi", "size": "small", "config": {"days": 0}}],
        )
    assert set(caught.value.details) == {"widgets[1].config", "widgets[1].config.days"}


@pytest.mark.parametrize("who", ["dave", "erin"])
def test_project_editors_and_admins_change_a_shared_dashboard(request, board, who):
    updated = services.dashboard_update(
        dashboard=board, user=request.getfixturevalue(who), name="Team edit"
    )
    assert (updated.name, updated.version) == ("Team edit", 2)


@pytest.mark.parametrize("who", ["bob", "charlie", "staff"])
def test_viewers_and_outsiders_may_not_change_it(request, board, who):
    with pytest.raises(PermissionDenied):
        services.dashboard_update(dashboard=board, user=request.getfixturevalue(who), name="No")
    board.refresh_from_db()
    assert (board.name, board.version) == ("Executive Summary", 1)


def test_project_admin_may_not_change_a_private_dashboard(alice, erin, project):
    private = services.dashboard_create(user=alice, project=project, name="Mine")
    with pytest.raises(PermissionDenied):
        services.dashboard_update(dashboard=private, user=erin, name="Theirs")


def test_only_the_owner_changes_the_scope(alice, dave, board):
    with pytest.raises(PermissionDenied):
        services.dashboard_update(dashboard=board, user=dave, scope="user")
    updated = services.dashboard_update(dashboard=board, user=alice, scope="user")
    assert (updated.scope, updated.version) == ("user", 2)


def test_sharing_a_name_the_project_already_shares_is_duplicate(alice, dave, project, board):
    private = services.dashboard_create(user=dave, project=project, name="executive summary")
    with pytest.raises(DuplicateDashboard):
        services.dashboard_update(dashboard=private, user=dave, scope="project")
    private.refresh_from_db()
    assert private.scope == "user"


def test_update_refuses_unknown_fields(alice, board):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_update(dashboard=board, user=alice, project=None, version=9)
    assert caught.value.details == {"project": ["Unknown field."], "version": ["Unknown field."]}


# --- dashboard_delete -----------------------------------------------------------------


def test_delete_cascades_widgets_and_assignments(alice, bob, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=board)
    services.dashboard_delete(dashboard=board, user=alice)
    assert not Dashboard.objects.filter(pk=board.pk).exists()
    assert not Widget.objects.filter(dashboard_id=board.pk).exists()
    assert not UserDashboard.objects.filter(dashboard_id=board.pk).exists()


def test_project_admin_deletes_a_shared_dashboard(erin, board):
    services.dashboard_delete(dashboard=board, user=erin)
    assert not Dashboard.objects.filter(pk=board.pk).exists()


@pytest.mark.parametrize("who", ["bob", "dave", "charlie", "staff"])
def test_others_may_not_delete_it(request, board, who):
    with pytest.raises(PermissionDenied):
        services.dashboard_delete(dashboard=board, user=request.getfixturevalue(who))
    assert Dashboard.objects.filter(pk=board.pk).exists()
    assert board.widgets.count() == 2


def test_project_admin_may_not_delete_a_private_dashboard(dave, erin, project):
    private = services.dashboard_create(user=dave, project=project, name="Dave's")
    with pytest.raises(PermissionDenied):
        services.dashboard_delete(dashboard=private, user=erin)
    assert Dashboard.objects.filter(pk=private.pk).exists()


# --- Assignments ----------------------------------------------------------------------


def test_assign_appends_in_order_and_is_idempotent(alice, bob, project, board):
    second = services.dashboard_create(user=alice, project=project, name="Two", scope="project")
    first = services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=second)
    again = services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    assert again.pk == first.pk
    rows = UserDashboard.objects.filter(user=bob).order_by("position")
    assert [(r.dashboard_id, r.position, r.is_default) for r in rows] == [
        (board.pk, 0, False),
        (second.pk, 1, False),
    ]


def test_assign_as_default_undefaults_the_previous_one(alice, bob, staff, project, board):
    second = services.dashboard_create(user=alice, project=project, name="Two", scope="project")
    services.dashboard_assign(actor=staff, user_id=bob.pk, dashboard=board, is_default=True)
    services.dashboard_assign(actor=staff, user_id=bob.pk, dashboard=second, is_default=True)
    defaults = UserDashboard.objects.filter(user=bob, is_default=True)
    assert list(defaults.values_list("dashboard_id", flat=True)) == [second.pk]


def test_assigning_again_without_default_keeps_the_default(alice, bob, staff, board):
    services.dashboard_assign(actor=staff, user_id=bob.pk, dashboard=board, is_default=True)
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    assert UserDashboard.objects.get(user=bob, dashboard=board).is_default


def test_assign_does_not_change_the_dashboard_version(alice, bob, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    board.refresh_from_db()
    assert board.version == 1


@pytest.mark.parametrize("who", ["dave", "erin", "staff", "superuser"])
def test_editors_admins_and_staff_may_assign(request, bob, board, who):
    services.dashboard_assign(actor=request.getfixturevalue(who), user_id=bob.pk, dashboard=board)
    assert UserDashboard.objects.filter(user=bob, dashboard=board).exists()


@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_staff_may_assign_to_anyone(request, charlie, board, who):
    services.dashboard_assign(
        actor=request.getfixturevalue(who), user_id=charlie.pk, dashboard=board
    )
    assert UserDashboard.objects.filter(user=charlie, dashboard=board).exists()


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_others_assign_only_to_users_sharing_a_project(request, charlie, board, who):
    # charlie shares no project with them: answered exactly like a missing user.
    with pytest.raises(UserNotFound):
        services.dashboard_assign(
            actor=request.getfixturevalue(who), user_id=charlie.pk, dashboard=board
        )
    assert not UserDashboard.objects.exists()


def test_a_non_staff_changer_may_not_pick_someones_default(alice, bob, board):
    with pytest.raises(PermissionDenied):
        services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board, is_default=True)
    assert not UserDashboard.objects.exists()


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_viewers_and_outsiders_may_not_assign(request, board, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.dashboard_assign(actor=user, user_id=user.pk, dashboard=board)
    assert not UserDashboard.objects.exists()


@pytest.mark.parametrize("user_id", [999999, "nobody", None])
def test_assign_to_a_missing_user_is_user_not_found(alice, board, user_id):
    with pytest.raises(UserNotFound):
        services.dashboard_assign(actor=alice, user_id=user_id, dashboard=board)


def test_assignee_unassigns_themselves(alice, bob, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    services.dashboard_unassign(actor=bob, user_id=bob.pk, dashboard=board)
    assert not UserDashboard.objects.exists()


@pytest.mark.parametrize("who", ["alice", "dave", "staff"])
def test_changers_and_staff_unassign_someone(request, alice, bob, board, who):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    services.dashboard_unassign(actor=request.getfixturevalue(who), user_id=bob.pk, dashboard=board)
    assert not UserDashboard.objects.exists()


def test_outsider_may_not_unassign_someone(alice, bob, charlie, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    # charlie shares no project with bob: bob is a user charlie cannot name.
    with pytest.raises(UserNotFound):
        services.dashboard_unassign(actor=charlie, user_id=bob.pk, dashboard=board)
    assert UserDashboard.objects.filter(user=bob).exists()


def test_unassigning_what_is_not_assigned_is_dashboard_not_found(bob, board):
    with pytest.raises(DashboardNotFound) as caught:
        services.dashboard_unassign(actor=bob, user_id=bob.pk, dashboard=board)
    assert caught.value.code == "DASHBOARD_NOT_FOUND"


def test_user_picks_and_clears_their_default(alice, bob, staff, project, board):
    second = services.dashboard_create(user=alice, project=project, name="Two", scope="project")
    services.dashboard_assign(actor=staff, user_id=bob.pk, dashboard=board, is_default=True)
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=second)
    services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=second)
    assert [a.dashboard_id for a in UserDashboard.objects.filter(user=bob, is_default=True)] == [
        second.pk
    ]
    services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=second, is_default=False)
    assert not UserDashboard.objects.filter(user=bob, is_default=True).exists()


def test_staff_picks_someones_default(alice, bob, staff, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    services.dashboard_set_default(actor=staff, user_id=bob.pk, dashboard=board)
    assert UserDashboard.objects.get(user=bob).is_default


def test_others_may_not_pick_someones_default(alice, bob, board):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=board)
    # Even the dashboard's owner: the default is the user's own choice.
    with pytest.raises(PermissionDenied):
        services.dashboard_set_default(actor=alice, user_id=bob.pk, dashboard=board)
    assert not UserDashboard.objects.get(user=bob).is_default


def test_default_of_an_unassigned_dashboard_is_dashboard_not_found(bob, board):
    with pytest.raises(DashboardNotFound):
        services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=board)
    assert not UserDashboard.objects.exists()


def test_set_default_for_a_missing_user_is_user_not_found(staff, board):
    with pytest.raises(UserNotFound):
        services.dashboard_set_default(actor=staff, user_id=999999, dashboard=board)


@pytest.fixture
def three_assigned(alice, bob, project, board):
    boards = [board] + [
        services.dashboard_create(user=alice, project=project, name=n, scope="project")
        for n in ("Two", "Three")
    ]
    for dashboard in boards:
        services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=dashboard)
    return boards


def _order(user) -> list:
    return list(
        UserDashboard.objects.filter(user=user)
        .order_by("position")
        .values_list("dashboard_id", flat=True)
    )


def test_reorder_sets_the_positions(bob, three_assigned):
    one, two, three = three_assigned
    services.assignments_reorder(
        actor=bob, user_id=bob.pk, dashboard_ids=[three.pk, one.pk, two.pk]
    )
    assert _order(bob) == [three.pk, one.pk, two.pk]


def test_reorder_accepts_ids_as_strings_in_any_spelling(bob, three_assigned):
    one, two, three = three_assigned
    services.assignments_reorder(
        actor=bob, user_id=bob.pk, dashboard_ids=[str(two.pk).upper(), three.pk.hex, str(one.pk)]
    )
    assert _order(bob) == [two.pk, three.pk, one.pk]


@pytest.mark.parametrize(
    "pick",
    [
        lambda b: [b[0].pk, b[1].pk],  # one missing
        lambda b: [b[0].pk, b[1].pk, b[2].pk, uuid.uuid4()],  # one extra
        lambda b: [b[0].pk, b[0].pk, b[1].pk],  # one twice, one missing
        lambda b: [b[0].pk, b[1].pk, b[2].pk, b[2].pk],  # one twice
        lambda b: [b[0].pk, b[1].pk, "not-a-uuid"],
    ],
)
def test_reorder_must_name_every_assignment_exactly_once(bob, three_assigned, pick):
    before = _order(bob)
    with pytest.raises(ValidationFailed) as caught:
        services.assignments_reorder(actor=bob, user_id=bob.pk, dashboard_ids=pick(three_assigned))
    assert "dashboardIds" in caught.value.details
    assert _order(bob) == before


def test_only_the_user_or_staff_reorder(alice, bob, staff, three_assigned):
    one, two, three = three_assigned
    with pytest.raises(PermissionDenied):
        services.assignments_reorder(
            actor=alice, user_id=bob.pk, dashboard_ids=[three.pk, two.pk, one.pk]
        )
    services.assignments_reorder(
        actor=staff, user_id=bob.pk, dashboard_ids=[three.pk, two.pk, one.pk]
    )
    assert _order(bob) == [three.pk, two.pk, one.pk]


def test_reorder_of_an_empty_list(charlie):
    services.assignments_reorder(actor=charlie, user_id=charlie.pk, dashboard_ids=[])
    assert _order(charlie) == []


def test_new_widget_without_id_never_takes_over_a_dropped_widgets_row(alice):
    dashboard = services.dashboard_create(
        user=alice, name="Reuse", widgets=[{"type": "text", "config": {"markdown": "old"}}]
    )
    old = dashboard.widgets.get()
    assert old.key == "widget_1"
    updated = services.dashboard_update(
        dashboard=dashboard, user=alice, widgets=[{"type": "text", "config": {"markdown": "new"}}]
    )
    new = updated.widgets.get()
    assert new.key == "widget_2"
    assert new.pk != old.pk
