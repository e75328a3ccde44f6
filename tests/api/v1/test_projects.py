"""`/api/v1/projects/...` and `/api/v1/users/me`: usable without the admin, roles enforced."""

import uuid

import pytest

from dashboards.models import Dashboard, Project, ProjectMembership
from tests.api.v1.conftest import V1, error, ok
from tests.factories import DashboardFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def _save(client, **project):
    return client.post(f"{V1}/projects/save", {"project": project}, format="json")


# --- List and get ----------------------------------------------------------------------


def test_list_shows_my_projects_with_my_role(client_for, alice, bob, dave, erin, project):
    own = ProjectFactory(owner=bob, name="Bob's own")
    ProjectFactory(name="Not bob's")
    data = ok(client_for(bob).get(f"{V1}/projects/list"), "All projects listed successfully")
    assert [(p["name"], p["role"]) for p in data] == [
        ("Analytics", "viewer"),
        ("Bob's own", "admin"),
    ]
    assert data[1] == {
        "id": str(own.pk),
        "name": "Bob's own",
        "description": "",
        "metadata": {},
        "owner_id": bob.pk,
        "is_personal": False,
        "role": "admin",
        "created_at": data[1]["created_at"],
        "updated_at": data[1]["updated_at"],
    }
    roles = {
        u.username: ok(client_for(u).get(f"{V1}/projects/list"))[0]["role"]
        for u in (alice, dave, erin)
    }
    assert roles == {"alice": "admin", "dave": "editor", "erin": "admin"}


def test_superuser_lists_every_project_as_admin(client_for, superuser, project):
    data = ok(client_for(superuser).get(f"{V1}/projects/list"))
    assert [(p["name"], p["role"]) for p in data] == [("Analytics", "admin")]


def test_get_project_with_my_role(client_for, dave, project):
    data = ok(client_for(dave).get(f"{V1}/projects/{project.pk}"), "Project loaded successfully")
    assert (data["id"], data["name"], data["role"], data["owner_id"]) == (
        str(project.pk),
        "Analytics",
        "editor",
        project.owner_id,
    )


def test_outsider_get_project_is_404(client_for, charlie, project):
    error(client_for(charlie).get(f"{V1}/projects/{project.pk}"), 404, "PROJECT_NOT_FOUND")


def test_get_project_with_malformed_id_is_400(client_for, alice):
    assert "project_id" in error(
        client_for(alice).get(f"{V1}/projects/nope"), 400, "VALIDATION_ERROR"
    )


# --- Save ------------------------------------------------------------------------------


def test_create_project(client_for, charlie):
    response = _save(
        client_for(charlie), name="Charlie's lab", description="Tests", metadata={"color": "teal"}
    )
    project_id = ok(response, status=201)["id"]
    assert response.json()["message"] == f"Project '{project_id}' saved successfully"
    project = Project.objects.get(pk=project_id)
    assert (project.owner, project.name, project.description, project.metadata) == (
        charlie,
        "Charlie's lab",
        "Tests",
        {"color": "teal"},
    )


def test_create_project_with_client_id(client_for, charlie):
    client_id = uuid.uuid4()
    ok(_save(client_for(charlie), id=str(client_id), name="Chosen"), status=201)
    assert Project.objects.get(pk=client_id).owner == charlie


def test_admin_updates_project_and_omitted_fields_stay(client_for, erin, project):
    project.description = "Keep me"
    project.save()
    ok(_save(client_for(erin), id=str(project.pk), name="Analytics 2", metadata={"k": 1}))
    project.refresh_from_db()
    assert (project.name, project.description, project.metadata) == (
        "Analytics 2",
        "Keep me",
        {"k": 1},
    )


@pytest.mark.parametrize("user", ["bob", "dave"])
def test_non_admin_member_cannot_update_project(client_for, request, project, user):
    response = _save(client_for(request.getfixturevalue(user)), id=str(project.pk), name="Mine now")
    error(response, 403, "PERMISSION_DENIED")
    project.refresh_from_db()
    assert project.name == "Analytics"


def test_outsider_saving_someone_elses_project_id_gets_404(client_for, charlie, project):
    error(_save(client_for(charlie), id=str(project.pk), name="Taken"), 404, "PROJECT_NOT_FOUND")
    project.refresh_from_db()
    assert project.owner.username == "alice"


def test_duplicate_project_name_is_a_conflict(client_for, alice, project):
    response = _save(client_for(alice), name="analytics")
    error(response, 409, "DUPLICATE_PROJECT", envelope_status="conflict")


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Ok", "metadata": [1]},
        {"name": "Ok", "description": 3},
        {"name": "Ok", "id": "nope"},
        {},
    ],
)
def test_bad_project_input_is_400(client_for, charlie, body):
    error(_save(client_for(charlie), **body), 400, "VALIDATION_ERROR")
    assert not Project.objects.filter(owner=charlie).exists()


# --- Delete ----------------------------------------------------------------------------


def test_admin_deletes_project_with_its_dashboards(client_for, erin, alice, project):
    DashboardFactory(owner=alice, project=project)
    response = client_for(erin).delete(f"{V1}/projects/{project.pk}")
    assert ok(response, f"Project '{project.pk}' deleted successfully") == {"id": str(project.pk)}
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize("user", ["bob", "dave"])
def test_non_admin_cannot_delete_project(client_for, request, project, user):
    error(
        client_for(request.getfixturevalue(user)).delete(f"{V1}/projects/{project.pk}"),
        403,
        "PERMISSION_DENIED",
    )
    assert Project.objects.filter(pk=project.pk).exists()


def test_outsider_delete_project_is_404(client_for, charlie, project):
    error(client_for(charlie).delete(f"{V1}/projects/{project.pk}"), 404, "PROJECT_NOT_FOUND")
    assert Project.objects.filter(pk=project.pk).exists()


# --- Members ---------------------------------------------------------------------------


def test_any_member_lists_members(client_for, bob, dave, erin, project):
    response = client_for(bob).get(f"{V1}/projects/{project.pk}/members")
    data = ok(response, "Project members listed successfully")
    assert [(m["user_id"], m["username"], m["role"]) for m in data] == sorted(
        [(bob.pk, "bob", "viewer"), (dave.pk, "dave", "editor"), (erin.pk, "erin", "admin")]
    )
    assert set(data[0]) == {"user_id", "username", "role", "created_at"}
    assert response["X-Total-Count"] == "3"


def test_outsider_lists_members_404(client_for, charlie, project):
    error(client_for(charlie).get(f"{V1}/projects/{project.pk}/members"), 404, "PROJECT_NOT_FOUND")


def test_admin_adds_a_member(client_for, erin, charlie, project):
    response = client_for(erin).post(
        f"{V1}/projects/{project.pk}/members",
        {"user_id": charlie.pk, "role": "editor"},
        format="json",
    )
    data = ok(response, f"Member '{charlie.pk}' saved successfully")
    assert (data["user_id"], data["username"], data["role"]) == (charlie.pk, "charlie", "editor")
    assert ProjectMembership.objects.get(project=project, user=charlie).role == "editor"
    # charlie now sees the project and may create dashboards in it.
    assert ok(client_for(charlie).get(f"{V1}/projects/{project.pk}"))["role"] == "editor"


def test_admin_changes_a_role(client_for, alice, bob, project):
    ok(
        client_for(alice).post(
            f"{V1}/projects/{project.pk}/members",
            {"user_id": bob.pk, "role": "admin"},
            format="json",
        )
    )
    assert ProjectMembership.objects.get(project=project, user=bob).role == "admin"


@pytest.mark.parametrize("user", ["bob", "dave"])
def test_non_admin_cannot_add_members(client_for, request, charlie, project, user):
    response = client_for(request.getfixturevalue(user)).post(
        f"{V1}/projects/{project.pk}/members",
        {"user_id": charlie.pk, "role": "viewer"},
        format="json",
    )
    error(response, 403, "PERMISSION_DENIED")
    assert not ProjectMembership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user_id": "5", "role": "viewer"}, 400, "VALIDATION_ERROR"),
        ({"user_id": 1, "role": "owner"}, 400, "VALIDATION_ERROR"),
        ({"role": "viewer"}, 400, "VALIDATION_ERROR"),
        ({"user_id": 999999, "role": "viewer"}, 404, "USER_NOT_FOUND"),
    ],
)
def test_bad_member_input(client_for, erin, project, body, status, code):
    before = ProjectMembership.objects.count()
    response = client_for(erin).post(f"{V1}/projects/{project.pk}/members", body, format="json")
    error(response, status, code)
    assert ProjectMembership.objects.count() == before


def test_admin_removes_a_member(client_for, erin, dave, project):
    response = client_for(erin).delete(f"{V1}/projects/{project.pk}/members/{dave.pk}")
    assert ok(response, f"Member '{dave.pk}' removed successfully") == {"user_id": dave.pk}
    assert not ProjectMembership.objects.filter(project=project, user=dave).exists()
    error(client_for(dave).get(f"{V1}/projects/{project.pk}"), 404, "PROJECT_NOT_FOUND")


def test_member_may_leave(client_for, bob, project):
    ok(client_for(bob).delete(f"{V1}/projects/{project.pk}/members/{bob.pk}"))
    assert not ProjectMembership.objects.filter(project=project, user=bob).exists()


def test_editor_cannot_remove_others(client_for, dave, bob, project):
    response = client_for(dave).delete(f"{V1}/projects/{project.pk}/members/{bob.pk}")
    error(response, 403, "PERMISSION_DENIED")
    assert ProjectMembership.objects.filter(project=project, user=bob).exists()


@pytest.mark.parametrize("user_id", ["abc", "999999"])
def test_removing_an_unknown_member_is_404(client_for, erin, project, user_id):
    response = client_for(erin).delete(f"{V1}/projects/{project.pk}/members/{user_id}")
    error(response, 404, "USER_NOT_FOUND")


def test_removing_a_non_member_is_404(client_for, erin, charlie, project):
    response = client_for(erin).delete(f"{V1}/projects/{project.pk}/members/{charlie.pk}")
    error(response, 404, "USER_NOT_FOUND")


# --- Roles end to end: viewer cannot save, editor can, admin manages -------------------------


def test_role_change_takes_effect_on_save(client_for, erin, bob, project):
    body = {"scope": "project", "dashboard": {"name": "Team board", "definition": {}}}
    url = f"{V1}/dashboards/{project.pk}/save"
    error(client_for(bob).post(url, body, format="json"), 403, "PERMISSION_DENIED")
    ok(
        client_for(erin).post(
            f"{V1}/projects/{project.pk}/members",
            {"user_id": bob.pk, "role": "editor"},
            format="json",
        )
    )
    ok(client_for(bob).post(url, body, format="json"), status=201)
    assert Dashboard.objects.get().owner == bob


# --- Me --------------------------------------------------------------------------------


def test_me(client_for):
    user = UserFactory(username="mia", email="mia@example.com", is_staff=True)
    data = ok(client_for(user).get(f"{V1}/users/me"), "User loaded successfully")
    assert data == {"id": user.pk, "username": "mia", "email": "mia@example.com", "is_staff": True}
