"""Family 1 dashboards: create, read, replace, patch, delete, concurrency, visibility."""

import pytest

from dashboards import services
from dashboards.models import Dashboard, Widget
from tests.api.analytics.conftest import API, EXECUTIVE_SUMMARY, error
from tests.factories import DashboardFactory, ProjectFactory, WidgetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(project, alice):
    """alice's dashboard shared with the project (bob views, dave edits, erin admins)."""
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Shared",
        widgets=[{"id": "w1", "type": "text", "config": {"markdown": "hi"}}],
    )


@pytest.fixture
def private(project, alice):
    return services.dashboard_create(user=alice, project=project, name="Private")


# --- Create ---------------------------------------------------------------------------


def test_create_defaults_to_personal_project_and_user_scope(client_for, alice):
    response = client_for(alice).post(f"{API}/dashboards", {"name": "Mine"}, format="json")
    assert response.status_code == 201
    dashboard = Dashboard.objects.get(pk=response.json()["id"])
    assert dashboard.project.is_personal
    assert dashboard.project.owner == alice
    assert (dashboard.scope, dashboard.type, dashboard.refresh_interval) == ("user", "custom", 0)


def test_create_in_a_project_shared_with_members(client_for, dave, bob, project):
    body = {"name": "Team", "projectId": str(project.pk), "scope": "project"}
    response = client_for(dave).post(f"{API}/dashboards", body, format="json")
    assert response.status_code == 201
    dashboard_id = response.json()["id"]
    assert client_for(bob).get(f"{API}/dashboards/{dashboard_id}").status_code == 200


def test_create_keeps_definition_verbatim(client_for, alice):
    definition = {"layout": {"columns": 12, "rows": [[1, 2]]}, "theme": "dark", "x": None}
    response = client_for(alice).post(
        f"{API}/dashboards", {"name": "D", "definition": definition}, format="json"
    )
    got = client_for(alice).get(f"{API}/dashboards/{response.json()['id']}").json()
    assert got["definition"] == definition


def test_create_generates_missing_widget_ids(client_for, alice):
    widgets = [{"type": "text"}, {"id": "widget_1", "type": "text"}, {"type": "text"}]
    response = client_for(alice).post(
        f"{API}/dashboards", {"name": "Gen", "widgets": widgets}, format="json"
    )
    got = client_for(alice).get(f"{API}/dashboards/{response.json()['id']}").json()
    assert [w["id"] for w in got["widgets"]] == ["widget_2", "widget_1", "widget_3"]


def test_viewer_cannot_create_in_project(client_for, bob, project):
    response = client_for(bob).post(
        f"{API}/dashboards", {"name": "No", "projectId": str(project.pk)}, format="json"
    )
    error(response, 403, "PERMISSION_DENIED")
    assert not Dashboard.objects.exists()


def test_outsider_creating_in_project_gets_404(client_for, charlie, project):
    response = client_for(charlie).post(
        f"{API}/dashboards", {"name": "No", "projectId": str(project.pk)}, format="json"
    )
    error(response, 404, "PROJECT_NOT_FOUND")


def test_duplicate_name_is_409_case_insensitive(client_for, alice):
    client = client_for(alice)
    assert client.post(f"{API}/dashboards", {"name": "Sales"}, format="json").status_code == 201
    response = client.post(f"{API}/dashboards", {"name": "SALES"}, format="json")
    error(response, 409, "DUPLICATE_DASHBOARD")
    assert Dashboard.objects.count() == 1


def test_another_users_private_name_never_conflicts(client_for, alice, dave, project):
    services.dashboard_create(user=alice, project=project, name="Plans")
    response = client_for(dave).post(
        f"{API}/dashboards", {"name": "Plans", "projectId": str(project.pk)}, format="json"
    )
    assert response.status_code == 201


def test_unknown_widget_type_is_invalid_widget_type(client_for, alice):
    body = {**EXECUTIVE_SUMMARY, "widgets": [{"id": "w", "type": "sparkline"}]}
    err = error(
        client_for(alice).post(f"{API}/dashboards", body, format="json"), 400, "INVALID_WIDGET_TYPE"
    )
    assert "sparkline" in err["message"]
    assert not Dashboard.objects.exists()


# --- Read -----------------------------------------------------------------------------


def test_detail_has_every_field(client_for, alice, shared):
    got = client_for(alice).get(f"{API}/dashboards/{shared.pk}").json()
    assert set(got) == {
        "id",
        "name",
        "description",
        "type",
        "scope",
        "projectId",
        "ownerId",
        "widgets",
        "refreshInterval",
        "definition",
        "version",
        "createdAt",
        "updatedAt",
        "variables",
    }
    assert got["widgets"] == [
        {
            "id": "w1",
            "type": "text",
            "title": "",
            "size": "medium",
            "config": {"markdown": "hi"},
            "data": None,
        }
    ]
    assert (got["projectId"], got["ownerId"], got["scope"]) == (
        str(shared.project_id),
        alice.pk,
        "project",
    )


def test_widgets_come_in_position_order(client_for, alice):
    dashboard = DashboardFactory(owner=alice)
    WidgetFactory(dashboard=dashboard, key="b", position=1)
    WidgetFactory(dashboard=dashboard, key="a", position=0)
    got = client_for(alice).get(f"{API}/dashboards/{dashboard.pk}").json()
    assert [w["id"] for w in got["widgets"]] == ["a", "b"]


@pytest.mark.parametrize("who", ["alice", "bob", "dave", "erin", "superuser"])
def test_shared_dashboard_is_visible_to(request, client_for, shared, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(f"{API}/dashboards/{shared.pk}").status_code == 200


@pytest.mark.parametrize("who", ["bob", "dave", "erin", "charlie", "staff"])
def test_private_dashboard_is_404_for(request, client_for, private, who):
    user = request.getfixturevalue(who)
    error(client_for(user).get(f"{API}/dashboards/{private.pk}"), 404, "DASHBOARD_NOT_FOUND")


def test_outsider_gets_404_exactly_like_missing(client_for, charlie, shared):
    hidden = client_for(charlie).get(f"{API}/dashboards/{shared.pk}")
    missing = client_for(charlie).get(f"{API}/dashboards/00000000-0000-4000-8000-000000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_assignee_sees_a_private_dashboard(client_for, alice, charlie, private, staff):
    services.dashboard_assign(actor=staff, user_id=charlie.pk, dashboard=private)
    assert client_for(charlie).get(f"{API}/dashboards/{private.pk}").status_code == 200


def test_non_uuid_id_is_404(client_for, alice):
    error(client_for(alice).get(f"{API}/dashboards/dashboard_123"), 404, "DASHBOARD_NOT_FOUND")


def test_no_token_is_401(api_client, shared):
    response = api_client.get(f"{API}/dashboards/{shared.pk}")
    error(response, 401, "NOT_AUTHENTICATED")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(api_client, shared):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    error(api_client.get(f"{API}/dashboards/{shared.pk}"), 401, "NOT_AUTHENTICATED")


# --- Replace and patch ----------------------------------------------------------------


def test_put_replaces_widgets_keeping_identity_of_kept_ids(client_for, alice):
    dashboard = services.dashboard_create(
        user=alice,
        name="Ops",
        definition={"theme": "dark"},
        widgets=[{"id": "keep", "type": "text"}, {"id": "drop", "type": "text"}],
    )
    kept_pk = Widget.objects.get(dashboard=dashboard, key="keep").pk
    body = {
        "name": "Ops",
        "widgets": [
            {"id": "new", "type": "kpi", "size": "small", "config": {"metric": "m"}},
            {"id": "keep", "type": "text", "title": "Kept", "size": "full"},
        ],
    }
    response = client_for(alice).put(f"{API}/dashboards/{dashboard.pk}", body, format="json")
    assert response.status_code == 200, response.content
    rows = list(Widget.objects.filter(dashboard=dashboard).order_by("position"))
    assert [(w.key, w.position) for w in rows] == [("new", 0), ("keep", 1)]
    assert rows[1].pk == kept_pk
    assert rows[1].title == "Kept"
    dashboard.refresh_from_db()
    assert dashboard.definition == {}  # PUT replaces the definition too
    assert dashboard.version == 2


def test_put_keeps_fields_it_does_not_send_except_definition_and_widgets(client_for, alice):
    dashboard = services.dashboard_create(
        user=alice, name="A", type="sales", description="d", refresh_interval=30
    )
    client_for(alice).put(f"{API}/dashboards/{dashboard.pk}", {"name": "B"}, format="json")
    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.type, dashboard.description) == ("B", "sales", "d")
    assert dashboard.refresh_interval == 30


def test_put_without_name_is_validation_error(client_for, alice, shared):
    err = error(
        client_for(alice).put(f"{API}/dashboards/{shared.pk}", {}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert "name" in err["details"]


def test_patch_changes_only_fields_sent(client_for, alice, shared):
    response = client_for(alice).patch(
        f"{API}/dashboards/{shared.pk}", {"refreshInterval": 300}, format="json"
    )
    assert response.status_code == 200
    shared.refresh_from_db()
    assert (shared.name, shared.refresh_interval, shared.version) == ("Shared", 300, 2)
    assert shared.widgets.count() == 1


def test_editor_may_change_shared_viewer_may_not(client_for, bob, dave, shared):
    ok = client_for(dave).patch(f"{API}/dashboards/{shared.pk}", {"name": "X"}, format="json")
    assert ok.status_code == 200
    denied = client_for(bob).patch(f"{API}/dashboards/{shared.pk}", {"name": "Y"}, format="json")
    error(denied, 403, "PERMISSION_DENIED")
    shared.refresh_from_db()
    assert shared.name == "X"


def test_update_to_a_taken_name_is_409(client_for, alice):
    services.dashboard_create(user=alice, name="One")
    two = services.dashboard_create(user=alice, name="Two")
    response = client_for(alice).patch(f"{API}/dashboards/{two.pk}", {"name": "one"}, format="json")
    error(response, 409, "DUPLICATE_DASHBOARD")


def test_moving_to_another_project_is_refused(client_for, alice, shared):
    other = ProjectFactory(owner=alice)
    response = client_for(alice).patch(
        f"{API}/dashboards/{shared.pk}", {"projectId": str(other.pk)}, format="json"
    )
    error(response, 400, "VALIDATION_ERROR")


# --- Optimistic concurrency -----------------------------------------------------------


def test_stale_if_match_is_412_and_changes_nothing(client_for, alice, shared):
    client = client_for(alice)
    etag = client.get(f"{API}/dashboards/{shared.pk}")["ETag"]
    assert (
        client.patch(
            f"{API}/dashboards/{shared.pk}", {"name": "First"}, format="json", HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    stale = client.patch(
        f"{API}/dashboards/{shared.pk}", {"name": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    err = error(stale, 412, "PRECONDITION_FAILED")
    assert err["details"] == {"currentVersion": 2}
    shared.refresh_from_db()
    assert (shared.name, shared.version) == ("First", 2)


def test_stale_if_match_on_delete_keeps_the_dashboard(client_for, alice, shared):
    client = client_for(alice)
    response = client.delete(f"{API}/dashboards/{shared.pk}", HTTP_IF_MATCH=f'"{shared.pk}-v9"')
    error(response, 412, "PRECONDITION_FAILED")
    assert Dashboard.objects.filter(pk=shared.pk).exists()


def test_if_match_star_and_current_etag_pass(client_for, alice, shared):
    client = client_for(alice)
    assert (
        client.patch(
            f"{API}/dashboards/{shared.pk}", {"name": "S"}, format="json", HTTP_IF_MATCH="*"
        ).status_code
        == 200
    )
    assert (
        client.delete(
            f"{API}/dashboards/{shared.pk}", HTTP_IF_MATCH=f'"{shared.pk}-v2"'
        ).status_code
        == 200
    )


def test_garbage_if_match_is_400(client_for, alice, shared):
    response = client_for(alice).patch(
        f"{API}/dashboards/{shared.pk}", {"name": "S"}, format="json", HTTP_IF_MATCH="nonsense"
    )
    error(response, 400, "VALIDATION_ERROR")


# --- Delete ---------------------------------------------------------------------------


def test_project_admin_deletes_shared_editor_may_not(client_for, dave, erin, shared):
    error(client_for(dave).delete(f"{API}/dashboards/{shared.pk}"), 403, "PERMISSION_DENIED")
    assert client_for(erin).delete(f"{API}/dashboards/{shared.pk}").status_code == 200
    assert not Dashboard.objects.filter(pk=shared.pk).exists()


def test_project_admin_cannot_see_or_delete_a_private_dashboard(client_for, erin, private):
    error(client_for(erin).delete(f"{API}/dashboards/{private.pk}"), 404, "DASHBOARD_NOT_FOUND")
    assert Dashboard.objects.filter(pk=private.pk).exists()


def test_delete_twice_is_404(client_for, alice, shared):
    client = client_for(alice)
    assert client.delete(f"{API}/dashboards/{shared.pk}").status_code == 200
    error(client.delete(f"{API}/dashboards/{shared.pk}"), 404, "DASHBOARD_NOT_FOUND")


def test_trailing_slash_is_tolerated(client_for, alice, shared):
    assert client_for(alice).get(f"{API}/dashboards/{shared.pk}/").status_code == 200
    assert client_for(alice).get(f"{API}/dashboards/").status_code == 200
