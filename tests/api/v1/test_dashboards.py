"""`/api/v1/dashboards/...`: the source's workflow, upsert, scopes, reads and deletes."""

import uuid

import pytest

from dashboards.models import Dashboard, UserDashboard, Widget
from tests.api.v1.conftest import V1, error, ok, save_body
from tests.factories import DashboardFactory, UserDashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def url_save(project) -> str:
    return f"{V1}/dashboards/{project.pk}/save"


def url_detail(project_id, dashboard_id, scope: str | None = "user") -> str:
    query = f"?scope={scope}" if scope is not None else ""
    return f"{V1}/dashboards/{project_id}/{dashboard_id}{query}"


def test_complete_workflow_list_save_get_update_delete(client_for, alice, project):
    client = client_for(alice)

    # 1. List all dashboards: nothing yet.
    listed = client.get(f"{V1}/dashboards/list?scope=user")
    assert ok(listed, "All dashboards listed successfully") == []

    # 2. Save a new dashboard: the server picks the UUID.
    saved = client.post(
        url_save(project), save_body("Sales Overview", {"theme": "dark"}), format="json"
    )
    data = ok(saved, status=201)
    dashboard_id = data["id"]
    assert data == {"id": dashboard_id}
    assert saved.json()["message"] == f"Dashboard '{dashboard_id}' saved successfully"
    uuid.UUID(dashboard_id)

    # 3. Load it: the full dashboard, its definition and an ETag.
    loaded = client.get(url_detail(project.pk, dashboard_id))
    dashboard = ok(loaded, "Dashboard loaded successfully")
    assert dashboard == {
        "id": dashboard_id,
        "project_id": str(project.pk),
        "name": "Sales Overview",
        "scope": "user",
        "definition": {
            "theme": "dark",
            "description": "",
            "type": "custom",
            "refreshInterval": 0,
            "widgets": [],
        },
        "version": 1,
        "created_at": dashboard["created_at"],
        "updated_at": dashboard["updated_at"],
        "variables": {},
    }
    assert loaded["ETag"] == f'"{dashboard_id}-v1"'

    # The list now shows its metadata only.
    listed = ok(client.get(f"{V1}/dashboards/list?scope=user"))
    assert listed == [
        {
            "id": dashboard_id,
            "project_id": str(project.pk),
            "name": "Sales Overview",
            "created_at": dashboard["created_at"],
            "updated_at": listed[0]["updated_at"],
        }
    ]

    # Update it through the same save, with the version we read.
    updated = client.post(
        url_save(project),
        save_body("Sales Overview 2026", {"theme": "light"}, id=dashboard_id, version=1),
        format="json",
    )
    assert ok(updated, f"Dashboard '{dashboard_id}' saved successfully") == {"id": dashboard_id}
    assert updated["ETag"] == f'"{dashboard_id}-v2"'
    reloaded = ok(client.get(url_detail(project.pk, dashboard_id)))
    assert reloaded["name"] == "Sales Overview 2026"
    assert reloaded["definition"]["theme"] == "light"
    assert reloaded["version"] == 2

    # 4. Delete it: permanent.
    deleted = client.delete(url_detail(project.pk, dashboard_id))
    assert ok(deleted, f"Dashboard '{dashboard_id}' deleted successfully") == {"id": dashboard_id}
    assert not Dashboard.objects.filter(pk=dashboard_id).exists()
    error(client.get(url_detail(project.pk, dashboard_id)), 404, "DASHBOARD_NOT_FOUND")


# --- Upsert ----------------------------------------------------------------------------


def test_save_without_id_creates_with_a_new_uuid(client_for, dave, project):
    response = client_for(dave).post(url_save(project), save_body("Mine"), format="json")
    dashboard = Dashboard.objects.get(pk=ok(response, status=201)["id"])
    assert (dashboard.owner, dashboard.project, dashboard.scope) == (dave, project, "user")
    assert response["Location"] == f"{V1}/dashboards/{project.pk}/{dashboard.pk}?scope=user"


def test_save_with_unknown_client_id_creates_with_that_id(client_for, alice, project):
    client_id = uuid.uuid4()
    response = client_for(alice).post(
        url_save(project), save_body("Client chose", id=str(client_id)), format="json"
    )
    assert ok(response, f"Dashboard '{client_id}' saved successfully", 201) == {
        "id": str(client_id)
    }
    assert Dashboard.objects.get(pk=client_id).name == "Client chose"


def test_save_with_existing_id_updates_in_place(client_for, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project, name="Before")
    WidgetFactory(dashboard=dashboard, key="keep")
    response = client_for(alice).post(
        url_save(project),
        save_body(
            "After",
            {"widgets": [{"id": "keep", "type": "text", "config": {"markdown": "new"}}]},
            id=str(dashboard.pk),
        ),
        format="json",
    )
    assert ok(response, status=200) == {"id": str(dashboard.pk)}
    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.version) == ("After", 2)
    assert list(dashboard.widgets.values_list("key", "config")) == [("keep", {"markdown": "new"})]
    assert Dashboard.objects.count() == 1


def test_save_with_stale_version_is_a_conflict_and_changes_nothing(client_for, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project, name="Current", version=3)
    response = client_for(alice).post(
        url_save(project), save_body("Stale", id=str(dashboard.pk), version=2), format="json"
    )
    message = error(response, 412, "PRECONDITION_FAILED", envelope_status="conflict")
    assert "version 3" in message
    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.version) == ("Current", 3)


def test_save_with_someone_elses_private_id_is_404_and_changes_nothing(
    client_for, alice, dave, project
):
    private = DashboardFactory(owner=alice, project=project, name="Alice private")
    response = client_for(dave).post(
        url_save(project), save_body("Hijack", id=str(private.pk)), format="json"
    )
    error(response, 404, "DASHBOARD_NOT_FOUND")
    private.refresh_from_db()
    assert private.name == "Alice private"
    assert private.owner == alice


def test_save_with_id_of_a_dashboard_in_another_project_is_404(
    client_for, alice, project, other_project
):
    # alice can see her dashboard, but it lives in another of her projects.
    elsewhere = DashboardFactory(owner=alice, name="Elsewhere")
    response = client_for(alice).post(
        url_save(project), save_body("Moved", id=str(elsewhere.pk)), format="json"
    )
    error(response, 404, "DASHBOARD_NOT_FOUND")
    elsewhere.refresh_from_db()
    assert (elsewhere.name, elsewhere.project_id) == ("Elsewhere", elsewhere.project_id)
    assert elsewhere.project != project


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", 5, True, ["x"]])
def test_save_with_malformed_id_is_400(client_for, alice, project, bad_id):
    response = client_for(alice).post(
        url_save(project), save_body("Bad id", id=bad_id), format="json"
    )
    assert "id" in error(response, 400, "VALIDATION_ERROR")
    assert not Dashboard.objects.exists()


def test_editor_updates_a_shared_dashboard_keeping_its_scope(client_for, alice, dave, project):
    shared = DashboardFactory(owner=alice, project=project, scope="project", name="Shared")
    response = client_for(dave).post(
        url_save(project),
        save_body("Shared v2", id=str(shared.pk), scope="project"),
        format="json",
    )
    ok(response, status=200)
    shared.refresh_from_db()
    assert (shared.name, shared.scope, shared.owner) == ("Shared v2", "project", alice)


def test_editor_cannot_change_the_scope_of_a_shared_dashboard(client_for, alice, dave, project):
    # The body's scope is the scope the dashboard gets; only the owner may re-share.
    shared = DashboardFactory(owner=alice, project=project, scope="project", name="Shared")
    response = client_for(dave).post(
        url_save(project), save_body("Shared", id=str(shared.pk), scope="user"), format="json"
    )
    error(response, 403, "PERMISSION_DENIED")
    shared.refresh_from_db()
    assert shared.scope == "project"


def test_owner_moves_a_dashboard_between_scopes(client_for, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project, scope="user", name="Mine")
    client = client_for(alice)
    ok(
        client.post(
            url_save(project),
            save_body("Mine", id=str(dashboard.pk), scope="project"),
            format="json",
        )
    )
    error(client.get(url_detail(project.pk, dashboard.pk, "user")), 404, "DASHBOARD_NOT_FOUND")
    assert ok(client.get(url_detail(project.pk, dashboard.pk, "project")))["scope"] == "project"


def test_viewer_cannot_save_in_the_project(client_for, bob, project):
    response = client_for(bob).post(url_save(project), save_body("Nope"), format="json")
    error(response, 403, "PERMISSION_DENIED")
    assert not Dashboard.objects.exists()


def test_viewer_cannot_update_a_shared_dashboard(client_for, alice, bob, project):
    shared = DashboardFactory(owner=alice, project=project, scope="project", name="Shared")
    response = client_for(bob).post(
        url_save(project), save_body("Changed", id=str(shared.pk), scope="project"), format="json"
    )
    error(response, 403, "PERMISSION_DENIED")
    shared.refresh_from_db()
    assert shared.name == "Shared"


def test_editor_can_save_in_the_project(client_for, dave, project):
    response = client_for(dave).post(
        url_save(project), save_body("Team", scope="project"), format="json"
    )
    dashboard = Dashboard.objects.get(pk=ok(response, status=201)["id"])
    assert (dashboard.owner, dashboard.scope) == (dave, "project")


def test_outsider_saving_in_the_project_gets_404(client_for, charlie, project):
    response = client_for(charlie).post(url_save(project), save_body("Sneaky"), format="json")
    error(response, 404, "PROJECT_NOT_FOUND")
    assert not Dashboard.objects.exists()


def test_save_in_a_missing_project_is_404(client_for, alice):
    response = client_for(alice).post(
        f"{V1}/dashboards/{uuid.uuid4()}/save", save_body("Nowhere"), format="json"
    )
    error(response, 404, "PROJECT_NOT_FOUND")


def test_duplicate_name_is_a_conflict(client_for, alice, project):
    DashboardFactory(owner=alice, project=project, name="Sales")
    response = client_for(alice).post(url_save(project), save_body("sales"), format="json")
    error(response, 409, "DUPLICATE_DASHBOARD", envelope_status="conflict")
    assert Dashboard.objects.count() == 1


# --- Scopes ----------------------------------------------------------------------------


@pytest.fixture
def scoped(alice, dave, project):
    """alice's private and shared dashboards, and dave's private one, in the project."""
    return {
        "private": DashboardFactory(owner=alice, project=project, scope="user", name="P"),
        "shared": DashboardFactory(owner=alice, project=project, scope="project", name="S"),
        "daves": DashboardFactory(owner=dave, project=project, scope="user", name="D"),
    }


def _names(response) -> list[str]:
    return sorted(item["name"] for item in ok(response))


def test_list_defaults_to_user_scope(client_for, alice, scoped):
    assert _names(client_for(alice).get(f"{V1}/dashboards/list")) == ["P"]


def test_list_user_scope(client_for, alice, dave, scoped):
    assert _names(client_for(alice).get(f"{V1}/dashboards/list?scope=user")) == ["P"]
    assert _names(client_for(dave).get(f"{V1}/dashboards/list?scope=user")) == ["D"]


def test_list_project_scope(client_for, alice, bob, scoped):
    assert _names(client_for(alice).get(f"{V1}/dashboards/list?scope=project")) == ["S"]
    assert _names(client_for(bob).get(f"{V1}/dashboards/list?scope=project")) == ["S"]


def test_list_both_scopes(client_for, alice, dave, scoped):
    assert _names(client_for(alice).get(f"{V1}/dashboards/list?scope=user,project")) == [
        "P",
        "S",
    ]
    assert _names(client_for(dave).get(f"{V1}/dashboards/list?scope=project,user")) == [
        "D",
        "S",
    ]


@pytest.mark.parametrize("scope", ["team", "", "USER", "user,", "user,team", "*"])
def test_list_with_invalid_scope_is_400(client_for, alice, scoped, scope):
    response = client_for(alice).get(f"{V1}/dashboards/list?scope={scope}")
    assert "scope" in error(response, 400, "VALIDATION_ERROR")


def test_outsider_sees_nothing_in_any_scope(client_for, charlie, scoped):
    assert _names(client_for(charlie).get(f"{V1}/dashboards/list?scope=user,project")) == []


def test_assigned_private_dashboard_is_listed_for_its_assignee(client_for, bob, scoped):
    UserDashboardFactory(user=bob, dashboard=scoped["private"])
    assert _names(client_for(bob).get(f"{V1}/dashboards/list?scope=user")) == ["P"]


def test_project_list_is_limited_to_the_project(client_for, alice, project, scoped):
    DashboardFactory(owner=alice, name="Other project")
    response = client_for(alice).get(f"{V1}/dashboards/{project.pk}/list?scope=user,project")
    assert ok(response, f"Dashboards of project '{project.pk}' listed successfully")
    assert _names(response) == ["P", "S"]
    everything = client_for(alice).get(f"{V1}/dashboards/list?scope=user,project")
    assert _names(everything) == ["Other project", "P", "S"]


def test_project_list_for_outsider_is_404(client_for, charlie, project, scoped):
    error(client_for(charlie).get(f"{V1}/dashboards/{project.pk}/list"), 404, "PROJECT_NOT_FOUND")


def test_project_list_with_invalid_scope_is_400(client_for, alice, project):
    response = client_for(alice).get(f"{V1}/dashboards/{project.pk}/list?scope=global")
    error(response, 400, "VALIDATION_ERROR")


def test_get_in_the_wrong_scope_is_404(client_for, alice, project, scoped):
    client = client_for(alice)
    shared = scoped["shared"]
    error(client.get(url_detail(project.pk, shared.pk)), 404, "DASHBOARD_NOT_FOUND")
    error(client.get(url_detail(project.pk, shared.pk, "user")), 404, "DASHBOARD_NOT_FOUND")
    assert ok(client.get(url_detail(project.pk, shared.pk, "project")))["id"] == str(shared.pk)


def test_get_with_a_scope_list_is_400(client_for, alice, project, scoped):
    response = client_for(alice).get(url_detail(project.pk, scoped["private"].pk, "user,project"))
    error(response, 400, "VALIDATION_ERROR")


def test_get_with_invalid_scope_is_400(client_for, alice, project, scoped):
    response = client_for(alice).get(url_detail(project.pk, scoped["private"].pk, "everyone"))
    error(response, 400, "VALIDATION_ERROR")


def test_save_with_invalid_scope_is_400(client_for, alice, project):
    response = client_for(alice).post(
        url_save(project), save_body("X", scope="everyone"), format="json"
    )
    assert "scope" in error(response, 400, "VALIDATION_ERROR")
    assert not Dashboard.objects.exists()


def test_delete_in_the_wrong_scope_is_404_and_keeps_it(client_for, alice, project, scoped):
    shared = scoped["shared"]
    error(client_for(alice).delete(url_detail(project.pk, shared.pk)), 404, "DASHBOARD_NOT_FOUND")
    assert Dashboard.objects.filter(pk=shared.pk).exists()


# --- Reads and deletes -----------------------------------------------------------------


def test_get_under_another_project_is_404(client_for, alice, project, scoped):
    other = DashboardFactory(owner=alice, name="Another").project
    response = client_for(alice).get(url_detail(other.pk, scoped["private"].pk))
    error(response, 404, "DASHBOARD_NOT_FOUND")


def test_member_cannot_see_a_private_dashboard(client_for, erin, project, scoped):
    response = client_for(erin).get(url_detail(project.pk, scoped["private"].pk))
    error(response, 404, "DASHBOARD_NOT_FOUND")


def test_missing_dashboard_is_404(client_for, alice, project):
    error(client_for(alice).get(url_detail(project.pk, uuid.uuid4())), 404, "DASHBOARD_NOT_FOUND")


def test_get_lists_widgets_in_order(client_for, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project)
    WidgetFactory(dashboard=dashboard, key="second", position=1, title="B")
    WidgetFactory(dashboard=dashboard, key="first", position=0, title="A", size="large")
    definition = ok(client_for(alice).get(url_detail(project.pk, dashboard.pk)))["definition"]
    assert definition["widgets"] == [
        {
            "id": "first",
            "type": "text",
            "title": "A",
            "size": "large",
            "config": {"markdown": "Hello"},
        },
        {
            "id": "second",
            "type": "text",
            "title": "B",
            "size": "medium",
            "config": {"markdown": "Hello"},
        },
    ]


def test_delete_removes_widgets_and_assignments(client_for, alice, bob, project):
    dashboard = DashboardFactory(owner=alice, project=project)
    WidgetFactory(dashboard=dashboard)
    UserDashboardFactory(user=bob, dashboard=dashboard, is_default=True)
    ok(client_for(alice).delete(url_detail(project.pk, dashboard.pk)))
    assert not Widget.objects.exists()
    assert not UserDashboard.objects.exists()


def test_project_admin_deletes_a_shared_dashboard(client_for, dave, erin, project):
    shared = DashboardFactory(owner=dave, project=project, scope="project")
    ok(client_for(erin).delete(url_detail(project.pk, shared.pk, "project")))
    assert not Dashboard.objects.filter(pk=shared.pk).exists()


def test_editor_cannot_delete_someone_elses_shared_dashboard(client_for, alice, dave, project):
    shared = DashboardFactory(owner=alice, project=project, scope="project")
    response = client_for(dave).delete(url_detail(project.pk, shared.pk, "project"))
    error(response, 403, "PERMISSION_DENIED")
    assert Dashboard.objects.filter(pk=shared.pk).exists()


def test_outsider_delete_is_404(client_for, charlie, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project, scope="project")
    response = client_for(charlie).delete(url_detail(project.pk, dashboard.pk, "project"))
    error(response, 404, "DASHBOARD_NOT_FOUND")
    assert Dashboard.objects.filter(pk=dashboard.pk).exists()
