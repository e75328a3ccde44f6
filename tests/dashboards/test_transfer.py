"""Import and duplicate as the services do them: matched by uid then name, all or nothing,
a dry run that is exactly the real run, names that never collide."""

import copy
import json
import uuid

import pytest

from dashboards import selectors, services
from dashboards.exceptions import (
    DuplicateDashboard,
    InvalidWidgetType,
    PermissionDenied,
    ValidationFailed,
)
from dashboards.models import Dashboard, DashboardVersion, UserDashboard, Widget
from tests.factories import ProjectFactory, UserDashboardFactory

pytestmark = pytest.mark.django_db

TEXT = {"id": "t", "type": "text", "title": "Hello", "size": "full", "config": {"markdown": "hi"}}
KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


def export(user, project) -> list[dict]:
    return list(selectors.project_export_documents(user=user, project=project))


def run_import(user, project, documents, **options):
    return services.dashboards_import(
        actor=user, project=project, schema_version=1, documents=documents, **options
    )


def state() -> tuple:
    """Everything an import could write."""
    return (
        sorted(Dashboard.objects.values_list("id", "name", "version", "description")),
        sorted(Widget.objects.values_list("dashboard_id", "key", "title")),
        sorted(DashboardVersion.objects.values_list("dashboard_id", "number")),
    )


def without_uid(documents: list[dict]) -> list[dict]:
    return sorted(
        ({k: v for k, v in d.items() if k != "uid"} for d in documents), key=lambda d: d["name"]
    )


@pytest.fixture
def source(alice, project):
    """Three dashboards of alice's project: two shared, one private."""
    services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Executive",
        type="executive",
        refresh_interval=60,
        definition={"layout": {"columns": 3}, "theme": "dark"},
        widgets=[TEXT, KPI],
    )
    services.dashboard_create(user=alice, project=project, scope="project", name="Sales")
    services.dashboard_create(user=alice, project=project, name="Mine", widgets=[KPI])
    return project


@pytest.fixture
def empty(alice):
    return ProjectFactory(owner=alice, name="Empty")


# --- Round trip ------------------------------------------------------------------------


def test_export_then_import_into_an_empty_project_reproduces_every_dashboard(alice, source, empty):
    exported = export(alice, source)
    result = run_import(alice, empty, exported)
    assert [o.action for o in result.outcomes] == ["created"] * 3
    again = export(alice, empty)
    # The originals still hold the uids, so the copies got new ids; all else is equal.
    assert without_uid(again) == without_uid(exported)
    assert {d["uid"] for d in again}.isdisjoint({d["uid"] for d in exported})


def test_reimport_after_delete_keeps_the_uids_and_is_byte_identical(alice, source):
    exported = export(alice, source)
    text = json.dumps(exported, sort_keys=True)
    Dashboard.objects.filter(project=source).delete()
    run_import(alice, source, exported)
    assert json.dumps(export(alice, source), sort_keys=True) == text


def test_importing_the_same_file_again_changes_nothing(alice, source, empty):
    exported = export(alice, source)
    run_import(alice, empty, exported)
    before = state()
    result = run_import(alice, empty, exported)
    assert [o.action for o in result.outcomes] == ["unchanged"] * 3
    assert state() == before


# --- Dry run ---------------------------------------------------------------------------


@pytest.mark.parametrize("on_conflict", ["overwrite", "rename"])
def test_a_dry_run_writes_nothing_and_predicts_the_real_run(alice, source, empty, on_conflict):
    exported = export(alice, source)
    run_import(alice, empty, exported[:2])
    changed = copy.deepcopy(exported)
    changed[0]["description"] = "changed"
    changed.append({"name": "Brand new", "widgets": [KPI]})
    before = state()
    plan = run_import(alice, empty, changed, on_conflict=on_conflict, dry_run=True)
    assert state() == before
    real = run_import(alice, empty, changed, on_conflict=on_conflict)
    assert plan.dry_run is True
    assert real.dry_run is False
    assert plan.outcomes == real.outcomes
    assert {o.action for o in real.outcomes} >= {"unchanged", "created"}


def test_a_dry_run_reports_what_only_the_database_can_tell(alice, project):
    # Document 1 renames A to "B" while B still exists: a real run fails there, so must the plan.
    a = services.dashboard_create(user=alice, project=project, scope="project", name="A")
    services.dashboard_create(user=alice, project=project, scope="project", name="B")
    documents = [{"uid": str(a.pk), "name": "b", "scope": "project"}]
    with pytest.raises(DuplicateDashboard) as caught:
        run_import(alice, project, documents, on_conflict="overwrite", dry_run=True)
    assert "dashboards[0].name" in caught.value.details


# --- All or nothing --------------------------------------------------------------------


def ten_documents() -> list[dict]:
    return [{"name": f"Board {i}", "widgets": [dict(KPI)]} for i in range(10)]


@pytest.mark.parametrize(
    ("breakage", "error", "key"),
    [
        (
            {"widgets": [TEXT, KPI, {**KPI, "id": "z", "type": "sparkline"}]},
            InvalidWidgetType,
            "dashboards[7].widgets[2].type",
        ),
        ({"refreshInterval": 3}, ValidationFailed, "dashboards[7].refreshInterval"),
        ({"widgets": [{**KPI, "size": "huge"}]}, ValidationFailed, "dashboards[7].widgets[0].size"),
        ({"name": 5}, ValidationFailed, "dashboards[7].name"),
        ({"owner": 1}, ValidationFailed, "dashboards[7].owner"),
        ({"uid": "not-a-uuid"}, ValidationFailed, "dashboards[7].uid"),
        ({"scope": "team"}, ValidationFailed, "dashboards[7].scope"),
    ],
)
def test_a_bad_document_at_index_7_of_10_writes_nothing(alice, project, breakage, error, key):
    documents = ten_documents()
    documents[7].update(breakage)
    before = state()
    with pytest.raises(error) as caught:
        run_import(alice, project, documents)
    assert key in caught.value.details
    assert caught.value.message.startswith(key)
    assert state() == before


def test_a_non_object_document_is_named_by_its_index(alice, project):
    with pytest.raises(ValidationFailed) as caught:
        run_import(alice, project, [{"name": "ok"}, "nope"])
    assert caught.value.details == {"dashboards[1]": ["Must be a JSON object."]}


@pytest.mark.parametrize("version", [2, 0, "1", None, True])
def test_an_unknown_schema_version_is_refused(alice, project, version):
    with pytest.raises(ValidationFailed) as caught:
        services.dashboards_import(
            actor=alice, project=project, schema_version=version, documents=[]
        )
    assert "schemaVersion" in caught.value.details


def test_at_most_500_dashboards_per_request_but_any_number_from_files(alice, project):
    documents = [{"name": f"D{i}"} for i in range(501)]
    with pytest.raises(ValidationFailed) as caught:
        run_import(alice, project, documents, dry_run=True)
    assert "At most 500" in caught.value.details["dashboards"][0]
    result = run_import(alice, project, documents, dry_run=True, max_dashboards=None)
    assert len(result.outcomes) == 501


def test_two_documents_for_one_dashboard_are_refused(alice, project):
    uid = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as caught:
        run_import(alice, project, [{"uid": uid, "name": "A"}, {"uid": uid, "name": "B"}])
    assert "dashboards[1].uid" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        run_import(alice, project, [{"name": "Same"}, {"name": "SAME"}])
    assert "dashboards[1].name" in caught.value.details


# --- Matching and conflicts ------------------------------------------------------------


def test_a_conflict_under_fail_names_every_document_and_writes_nothing(alice, source, empty):
    exported = export(alice, source)
    run_import(alice, empty, exported)
    changed = copy.deepcopy(exported)
    changed[0]["description"] = "new"
    # Exported in id order, so which dashboard is third varies: change what all of them have.
    changed[2]["refreshInterval"] = changed[2]["refreshInterval"] + 5
    before = state()
    with pytest.raises(DuplicateDashboard) as caught:
        run_import(alice, empty, changed)
    assert set(caught.value.details) == {"dashboards[0]", "dashboards[2]"}
    assert state() == before


def test_a_renamed_dashboard_is_still_recognised_by_its_uid(alice, source):
    exported = export(alice, source)
    board = Dashboard.objects.get(project=source, name="Sales")
    services.dashboard_update(dashboard=board, user=alice, name="Sales (old name)")
    result = run_import(alice, source, exported, on_conflict="overwrite")
    actions = {o.name: o.action for o in result.outcomes}
    assert actions["Sales"] == "updated"
    board.refresh_from_db()
    assert board.name == "Sales"
    assert Dashboard.objects.filter(project=source).count() == 3


def test_without_uid_a_document_matches_by_name_within_its_scope(alice, source):
    result = run_import(
        alice,
        source,
        [
            {"name": "sales", "scope": "project", "description": "by name"},
            {"name": "Sales", "scope": "user"},  # another namespace: a new dashboard
        ],
        on_conflict="overwrite",
    )
    assert [o.action for o in result.outcomes] == ["updated", "created"]
    assert Dashboard.objects.get(project=source, scope="project", name="sales").description == (
        "by name"
    )


def test_overwrite_records_a_version_with_the_import_message(alice, source, empty):
    exported = export(alice, source)
    run_import(alice, empty, exported)
    next(d for d in exported if d["name"] == "Sales")["description"] = "v2"
    run_import(alice, empty, exported, on_conflict="overwrite", message="From staging")
    board = Dashboard.objects.get(project=empty, name="Sales")
    newest = DashboardVersion.objects.filter(dashboard=board).first()
    assert (board.version, newest.number, newest.message) == (2, 2, "From staging")
    assert DashboardVersion.objects.get(dashboard=board, number=1).message == "Imported"


def test_rename_takes_the_next_free_name(alice, source):
    services.dashboard_create(user=alice, project=source, scope="project", name="Sales (2)")
    result = run_import(
        alice,
        source,
        [
            {"name": "Sales", "scope": "project", "description": "a"},
            {"name": "Executive", "scope": "project"},
        ],
        on_conflict="rename",
    )
    renamed = result.of("renamed")
    assert [(o.renamed_from, o.name) for o in renamed] == [
        ("Sales", "Sales (3)"),
        ("Executive", "Executive (2)"),
    ]


def test_rename_keeps_a_free_uid_and_replaces_a_taken_one(alice, source, empty):
    exported = export(alice, source)
    free = str(uuid.uuid4())
    documents = [{**exported[0], "uid": free}]
    run_import(alice, empty, [{**exported[0], "uid": str(uuid.uuid4()), "description": "x"}])
    result = run_import(alice, empty, documents, on_conflict="rename")
    assert result.outcomes[0].action == "renamed"
    assert str(result.outcomes[0].id) == free


def test_new_ids_are_the_same_in_the_dry_run_and_the_real_run(alice, source, empty):
    exported = export(alice, source)  # uids taken by the originals
    plan = run_import(alice, empty, exported, dry_run=True)
    real = run_import(alice, empty, exported)
    assert [o.id for o in plan.outcomes] == [o.id for o in real.outcomes]
    assert {str(o.id) for o in real.outcomes}.isdisjoint({d["uid"] for d in exported})


def test_a_hidden_dashboard_is_never_matched_or_revealed(alice, dave, project):
    hidden = services.dashboard_create(user=alice, project=project, name="Private")
    result = run_import(dave, project, [{"uid": str(hidden.pk), "name": "Private"}])
    assert result.outcomes[0].action == "created"
    assert result.outcomes[0].id != hidden.pk
    hidden.refresh_from_db()
    assert hidden.version == 1


def test_overwriting_a_dashboard_the_caller_may_not_change_is_refused(alice, dave, project):
    # Assigned to dave, so he sees it (and it matches), but it is alice's to change.
    private = services.dashboard_create(user=alice, project=project, name="Private")
    UserDashboardFactory(user=dave, dashboard=private)
    documents = [
        {"name": "New one"},
        {"uid": str(private.pk), "name": "Private", "description": "x"},
    ]
    before = state()
    with pytest.raises(PermissionDenied) as caught:
        run_import(dave, project, documents, on_conflict="overwrite")
    assert list(caught.value.details) == ["dashboards[1]"]
    assert state() == before


def test_making_a_shared_dashboard_private_by_import_is_for_its_owner(alice, dave, project):
    shared = services.dashboard_create(user=alice, project=project, scope="project", name="S")
    documents = [{"uid": str(shared.pk), "name": "S", "scope": "user"}]
    with pytest.raises(PermissionDenied):
        run_import(dave, project, documents, on_conflict="overwrite")
    assert run_import(alice, project, documents, on_conflict="overwrite").outcomes[0].action == (
        "updated"
    )


def test_a_viewer_may_not_import_even_a_dry_run(bob, project):
    with pytest.raises(PermissionDenied):
        run_import(bob, project, [{"name": "X"}], dry_run=True)


def test_an_unknown_on_conflict_is_refused(alice, project):
    with pytest.raises(ValidationFailed):
        run_import(alice, project, [], on_conflict="merge")


# --- Duplicate -------------------------------------------------------------------------


@pytest.fixture
def original(alice, project):
    board = services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Revenue",
        definition={"theme": "dark"},
        widgets=[TEXT, KPI],
    )
    services.dashboard_update(dashboard=board, user=alice, description="v2")
    board.refresh_from_db()
    UserDashboardFactory(user=alice, dashboard=board)
    return board


def test_duplicates_are_named_copy_of_then_numbered(dave, original):
    names = [services.dashboard_duplicate(actor=dave, source=original).name for _ in range(3)]
    assert names == ["Copy of Revenue", "Copy of Revenue (2)", "Copy of Revenue (3)"]


def test_a_duplicate_copies_widgets_not_assignments_and_names_its_source(alice, original):
    copy_ = services.dashboard_duplicate(actor=alice, source=original)
    assert list(copy_.widgets.order_by("position").values_list("key", "type", "config")) == [
        ("t", "text", {"markdown": "hi"}),
        ("k", "kpi", {"metric": "mrr"}),
    ]
    assert (copy_.scope, copy_.definition, copy_.description) == (
        "project",
        {"theme": "dark"},
        "v2",
    )
    assert not UserDashboard.objects.filter(dashboard=copy_).exists()
    first = DashboardVersion.objects.get(dashboard=copy_)
    assert first.number == 1
    assert "Revenue" in first.message
    assert str(original.pk) in first.message
    assert "version 2" in first.message


def test_a_duplicate_may_go_to_another_project_with_another_scope_and_name(alice, original):
    other = ProjectFactory(owner=alice, name="Other")
    copy_ = services.dashboard_duplicate(
        actor=alice, source=original, project=other, scope="user", name="Mine", message="fork"
    )
    assert (copy_.project, copy_.scope, copy_.name) == (other, "user", "Mine")
    assert DashboardVersion.objects.get(dashboard=copy_).message.startswith("fork")


def test_a_duplicate_with_a_taken_name_is_a_conflict(alice, original):
    with pytest.raises(DuplicateDashboard):
        services.dashboard_duplicate(actor=alice, source=original, name="revenue")


def test_a_duplicate_needs_create_permission_in_the_target(bob, original):
    with pytest.raises(PermissionDenied):
        services.dashboard_duplicate(actor=bob, source=original)


def test_a_long_name_is_shortened_to_fit(alice, project):
    board = services.dashboard_create(user=alice, project=project, name="N" * 200)
    first = services.dashboard_duplicate(actor=alice, source=board)
    second = services.dashboard_duplicate(actor=alice, source=board)
    assert len(first.name) == len(second.name) == 200
    assert second.name.endswith(" (2)")
