"""Versions as the service records them: one per change, none for a write that changes
nothing, retention without reusing numbers, restore through the writer."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dashboards import services
from dashboards.exceptions import (
    DuplicateDashboard,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
    VersionNotFound,
)
from dashboards.models import Dashboard, DashboardVersion
from dashboards.services.versions import version_build
from dashboards.specs import export_document
from tests.factories import DashboardFactory, UserFactory, WidgetFactory

pytestmark = pytest.mark.django_db

KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Ops",
        definition={"theme": "dark", "layout": {"columns": 2}},
        widgets=[KPI],
        message="First cut",
    )


def numbers(dashboard):
    return list(
        DashboardVersion.objects.filter(dashboard=dashboard)
        .order_by("number")
        .values_list("number", flat=True)
    )


def current_document(dashboard):
    dashboard.refresh_from_db()
    return export_document(dashboard, dashboard.widgets.order_by("position", "id"))


def test_create_records_version_one_with_the_whole_document(alice, board):
    version = DashboardVersion.objects.get(dashboard=board)
    assert (version.number, version.author, version.message) == (1, alice, "First cut")
    assert version.restored_from is None
    assert version.created_at == board.updated_at
    assert version.document == current_document(board)
    assert version.document["uid"] == str(board.pk)
    assert version.document["widgets"] == [KPI]


def test_each_change_appends_the_next_number_by_its_author(alice, dave, board):
    services.dashboard_update(dashboard=board, user=dave, description="Edited", message="why")
    services.dashboard_update(dashboard=board, user=alice, widgets=[])
    assert numbers(board) == [1, 2, 3]
    second = DashboardVersion.objects.get(dashboard=board, number=2)
    assert (second.author, second.message, second.document["description"]) == (
        dave,
        "why",
        "Edited",
    )
    assert DashboardVersion.objects.get(dashboard=board, number=3).document == current_document(
        board
    )


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"name": "Ops", "scope": "project"},
        {"widgets": [KPI]},
        # The same JSON: key order and 2 vs 2.0 are not changes.
        {"definition": {"layout": {"columns": 2.0}, "theme": "dark"}},
    ],
)
def test_a_write_that_changes_nothing_records_nothing(alice, board, fields):
    updated_at = board.updated_at
    same = services.dashboard_update(dashboard=board, user=alice, message="noop", **fields)
    assert same.version == 1
    board.refresh_from_db()
    assert (board.version, board.updated_at) == (1, updated_at)
    assert numbers(board) == [1]


def test_a_stale_version_on_a_write_that_changes_nothing_is_still_412(alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    with pytest.raises(PreconditionFailed):
        services.dashboard_update(dashboard=board, user=alice, expected_version=1)


@pytest.mark.parametrize(
    ("message", "error"),
    [("x" * 501, "at most 500"), (5, "Must be a string"), ("a\x00b", "Null characters")],
)
def test_a_bad_message_is_refused_before_anything_is_written(alice, board, message, error):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboard_update(dashboard=board, user=alice, description="new", message=message)
    assert error in caught.value.details["message"][0]
    board.refresh_from_db()
    assert (board.version, board.description) == (1, "")
    assert numbers(board) == [1]


def test_a_message_of_500_characters_is_kept(alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="n", message="m" * 500)
    assert DashboardVersion.objects.get(dashboard=board, number=2).message == "m" * 500


def test_retention_keeps_the_newest_and_never_reuses_numbers(settings, alice, board):
    settings.DASHBOARD_VERSIONS_KEEP = 3
    for n in range(5):
        services.dashboard_update(dashboard=board, user=alice, description=f"v{n + 2}")
    assert numbers(board) == [4, 5, 6]
    services.dashboard_update(dashboard=board, user=alice, description="v7")
    assert numbers(board) == [5, 6, 7]
    board.refresh_from_db()
    assert board.version == 7


def test_retention_zero_keeps_every_version(settings, alice, board):
    settings.DASHBOARD_VERSIONS_KEEP = 0
    for n in range(60):
        services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
    assert numbers(board) == list(range(1, 62))


def test_lowering_retention_prunes_at_the_next_write(settings, alice, board):
    for n in range(5):
        services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
    settings.DASHBOARD_VERSIONS_KEEP = 2
    services.dashboard_update(dashboard=board, user=alice, description="last")
    assert numbers(board) == [6, 7]


def test_deleting_a_dashboard_deletes_its_history(alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    services.dashboard_delete(dashboard=board, user=alice)
    assert not DashboardVersion.objects.exists()


def test_a_deleted_author_leaves_an_anonymous_version(alice, dave, board):
    services.dashboard_update(dashboard=board, user=dave, description="by dave")
    dave.delete()
    version = DashboardVersion.objects.get(dashboard=board, number=2)
    assert version.author is None


def test_moving_a_dashboard_in_the_admin_is_a_version(superuser, alice, board):
    other = UserFactory(username="other")
    services.dashboard_save(
        actor=superuser,
        spec=services.dashboards.spec_from_fields(),
        dashboard=board,
        owner=other,
        as_admin=True,
    )
    assert numbers(board) == [1, 2]
    board.refresh_from_db()
    assert board.owner == other


# --- Restore ---------------------------------------------------------------------------


def test_restore_brings_the_content_back_as_a_new_version(alice, board):
    first = DashboardVersion.objects.get(dashboard=board, number=1).document
    services.dashboard_update(
        dashboard=board, user=alice, name="Renamed", widgets=[], definition={}
    )
    restored, version = services.dashboard_restore(
        actor=alice, dashboard=board, number=1, message="undo"
    )
    assert (restored.version, version.number) == (3, 1)
    newest = DashboardVersion.objects.get(dashboard=board, number=3)
    assert (newest.restored_from, newest.message) == (1, "undo")
    assert newest.document == first
    assert current_document(board) == first


def test_restore_keeps_the_scope(alice, board):
    services.dashboard_update(dashboard=board, user=alice, scope="user", description="private")
    restored, _ = services.dashboard_restore(actor=alice, dashboard=board, number=1)
    assert (restored.scope, restored.description) == ("user", "")


def test_an_editor_may_restore_a_shared_dashboard_a_viewer_may_not(bob, dave, board):
    services.dashboard_update(dashboard=board, user=dave, description="x")
    with pytest.raises(PermissionDenied):
        services.dashboard_restore(actor=bob, dashboard=board, number=1)
    restored, _ = services.dashboard_restore(actor=dave, dashboard=board, number=1)
    assert restored.version == 3


def test_restore_with_a_stale_version_is_412_and_writes_nothing(alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    with pytest.raises(PreconditionFailed):
        services.dashboard_restore(actor=alice, dashboard=board, number=1, expected_version=1)
    board.refresh_from_db()
    assert (board.version, board.description) == (2, "2")
    assert numbers(board) == [1, 2]


def test_restoring_the_current_content_writes_nothing(alice, board):
    restored, _ = services.dashboard_restore(actor=alice, dashboard=board, number=1)
    assert restored.version == 1
    assert numbers(board) == [1]


def test_restoring_a_name_taken_since_is_a_conflict_and_writes_nothing(alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, name="Ops v2")
    services.dashboard_create(user=alice, project=project, scope="project", name="OPS")
    with pytest.raises(DuplicateDashboard):
        services.dashboard_restore(actor=alice, dashboard=board, number=1)
    assert numbers(board) == [1, 2]


@pytest.mark.parametrize("number", [9, 0, -1, "x", None, True])
def test_restoring_a_version_that_does_not_exist_is_not_found(alice, board, number):
    with pytest.raises(VersionNotFound):
        services.dashboard_restore(actor=alice, dashboard=board, number=number)


def test_a_pruned_version_cannot_be_restored(settings, alice, board):
    settings.DASHBOARD_VERSIONS_KEEP = 1
    services.dashboard_update(dashboard=board, user=alice, description="2")
    with pytest.raises(VersionNotFound):
        services.dashboard_restore(actor=alice, dashboard=board, number=1)


# --- Bulk builders and the upgrade -----------------------------------------------------


def test_version_build_gives_bulk_builders_the_writers_shape(alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    board.refresh_from_db()
    built = version_build(dashboard=board, widgets=board.widgets.all(), author=None)
    kept = DashboardVersion.objects.get(dashboard=board, number=2)
    assert (built.number, built.document, built.created_at) == (
        kept.number,
        kept.document,
        kept.created_at,
    )
    assert built.pk is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_each_existing_dashboard_as_its_first_version(alice):
    executor = MigrationExecutor(connection)
    target = ("dashboards", "0003_dashboard_versions")
    before = executor.loader.graph.node_map[target].parents
    previous = [p.key for p in before if p.key[0] == "dashboards"]
    executor.migrate(previous)
    old_apps = executor.loader.project_state(previous).apps
    old_dashboard = old_apps.get_model("dashboards", "Dashboard")
    old_project = old_apps.get_model("dashboards", "Project")
    project = old_project.objects.create(name="Before", owner_id=alice.pk)
    made = old_dashboard.objects.create(
        project=project, owner_id=alice.pk, name="Old", version=7, definition={"a": 1}
    )
    old_apps.get_model("dashboards", "Widget").objects.create(
        dashboard=made, key="w", type="text", title="T", size="small", config={"markdown": "m"}
    )
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    version = DashboardVersion.objects.get(dashboard_id=made.pk)
    dashboard = Dashboard.objects.get(pk=made.pk)
    assert (version.number, version.author, version.message) == (7, None, "")
    assert version.document == export_document(dashboard, dashboard.widgets.all())


def test_factory_dashboards_have_no_history_until_their_first_write(alice):
    # Rows made outside the writer (tests' factories) start their history at a write.
    board = DashboardFactory(owner=alice)
    WidgetFactory(dashboard=board, key="w")
    services.dashboard_update(dashboard=board, user=alice, description="first")
    assert numbers(board) == [2]
