"""Every way a dashboard can be written records its version: one test per write path, each
through the real entry point (HTTP for the APIs, posted forms for the admin, the command).
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion
from tests.dashboards.test_admin import dashboard_form, widget_forms

pytestmark = pytest.mark.django_db

KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice, project=project, scope="project", name="Ops", widgets=[KPI]
    )


def newest(dashboard_id) -> DashboardVersion:
    return DashboardVersion.objects.filter(dashboard_id=dashboard_id).order_by("-number").first()


def assert_recorded(dashboard_id, number, author, message="") -> DashboardVersion:
    dashboard = Dashboard.objects.get(pk=dashboard_id)
    version = newest(dashboard_id)
    assert dashboard.version == number
    assert (version.number, version.author, version.message) == (number, author, message)
    assert version.document["name"] == dashboard.name
    assert DashboardVersion.objects.filter(dashboard_id=dashboard_id).count() == number
    return version


def test_family_1_create(client_for, alice):
    response = client_for(alice).post(
        "/api/dashboards", {"name": "New", "widgets": [KPI], "message": "hello"}, format="json"
    )
    assert response.status_code == 201, response.content
    version = assert_recorded(response.json()["id"], 1, alice, "hello")
    assert version.document["widgets"] == [KPI]


def test_family_1_put(client_for, dave, board):
    response = client_for(dave).put(
        f"/api/dashboards/{board.pk}",
        {"name": "Ops", "scope": "project", "widgets": [], "message": "clear"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert newest(board.pk).document["widgets"] == []
    assert_recorded(board.pk, 2, dave, "clear")


def test_family_1_patch(client_for, dave, board):
    response = client_for(dave).patch(
        f"/api/dashboards/{board.pk}", {"description": "d", "message": "m"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert_recorded(board.pk, 2, dave, "m")


def test_v1_save_create(client_for, alice, project):
    body = {"scope": "user", "dashboard": {"name": "V1", "definition": {}, "message": "v1 new"}}
    response = client_for(alice).post(f"/api/v1/dashboards/{project.pk}/save", body, format="json")
    assert response.status_code == 201, response.content
    assert_recorded(response.json()["data"]["id"], 1, alice, "v1 new")


def test_v1_save_update(client_for, dave, project, board):
    body = {
        "scope": "project",
        "dashboard": {"id": str(board.pk), "name": "Ops", "definition": {}, "message": "v1"},
    }
    response = client_for(dave).post(f"/api/v1/dashboards/{project.pk}/save", body, format="json")
    assert response.status_code == 200, response.content
    assert_recorded(board.pk, 2, dave, "v1")


def test_admin_add(client, superuser, alice, project):
    client.force_login(superuser)
    form = {**dashboard_form(project, alice, message="made by staff"), **widget_forms()}
    response = client.post(reverse("admin:dashboards_dashboard_add"), form)
    assert response.status_code == 302
    assert_recorded(
        Dashboard.objects.get(name="Executive Summary").pk, 1, superuser, "made by staff"
    )


def test_admin_change_with_its_inline_widgets(client, superuser, alice, board):
    client.force_login(superuser)
    widget = board.widgets.get()
    kept = {
        "id": str(widget.pk),
        "dashboard": str(board.pk),
        "position": "0",
        "key": "k",
        "type": "kpi",
        "title": "Renamed in the admin",
        "size": "small",
        "config": '{"metric": "mrr"}',
    }
    form = {
        **dashboard_form(board.project, alice, name="Ops", scope="project", message="tidy"),
        **widget_forms(kept, initial=1),
    }
    response = client.post(reverse("admin:dashboards_dashboard_change", args=[board.pk]), form)
    assert response.status_code == 302, response.context and response.context["errors"]
    # The version holds the widgets as saved with it, not as they were before.
    assert newest(board.pk).document["widgets"][0]["title"] == "Renamed in the admin"
    assert_recorded(board.pk, 2, superuser, "tidy")


def test_family_1_restore(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    response = client_for(alice).post(
        f"/api/dashboards/{board.pk}/versions/1/restore", {"message": "back"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert assert_recorded(board.pk, 3, alice, "back").restored_from == 1


def test_v1_restore(client_for, alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    response = client_for(alice).post(
        f"/api/v1/dashboards/{project.pk}/{board.pk}/versions/1/restore?scope=project",
        {"version": 2, "message": "v1 back"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert assert_recorded(board.pk, 3, alice, "v1 back").restored_from == 1


def test_admin_restore(client, superuser, alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    client.force_login(superuser)
    url = reverse("admin:dashboards_dashboard_restore", args=[board.pk, 1])
    response = client.post(url, {"message": "from the admin"})
    assert response.status_code == 302
    assert assert_recorded(board.pk, 3, superuser, "from the admin").restored_from == 1


def test_family_1_import_create_and_overwrite(client_for, alice, project, board):
    documents = [{"name": "Imported"}, {"uid": str(board.pk), "name": "Ops", "scope": "project"}]
    body = {"schemaVersion": 1, "dashboards": documents, "onConflict": "overwrite"}
    response = client_for(alice).post(f"/api/projects/{project.pk}/import", body, format="json")
    assert response.status_code == 200, response.content
    assert_recorded(response.json()["created"][0]["id"], 1, alice, "Imported")
    assert_recorded(board.pk, 2, alice, "Imported")


def test_v1_import(client_for, alice, project):
    body = {"document": {"schemaVersion": 1, "dashboards": [{"name": "V1 import"}]}, "message": "m"}
    response = client_for(alice).post(f"/api/v1/projects/{project.pk}/import", body, format="json")
    assert response.status_code == 200, response.content
    assert_recorded(response.json()["data"]["created"][0]["id"], 1, alice, "m")


def test_family_1_duplicate(client_for, dave, board):
    response = client_for(dave).post(f"/api/dashboards/{board.pk}/duplicate", {}, format="json")
    assert response.status_code == 201, response.content
    version = newest(response.json()["id"])
    assert (version.number, version.author) == (1, dave)
    assert str(board.pk) in version.message


def test_v1_duplicate(client_for, dave, project, board):
    response = client_for(dave).post(
        f"/api/v1/dashboards/{project.pk}/{board.pk}/duplicate?scope=project", {}, format="json"
    )
    assert response.status_code == 201, response.content
    version = newest(response.json()["data"]["id"])
    assert (version.number, version.author) == (1, dave)


def test_import_command(tmp_path, alice, project):
    document = {"name": "From a file", "widgets": [KPI]}
    path = tmp_path / "from-a-file.json"
    path.write_text(json.dumps({"schemaVersion": 1, "dashboard": document}))
    call_command("import_dashboards", str(tmp_path), project=str(project.pk), stdout=None)
    created = Dashboard.objects.get(name="From a file")
    assert_recorded(created.pk, 1, alice, "Imported")


def test_demo_data(alice):
    call_command("seed_demo", days=2, stdout=None)
    dashboards = Dashboard.objects.all()
    assert dashboards
    for dashboard in dashboards:
        assert newest(dashboard.pk).number == dashboard.version
