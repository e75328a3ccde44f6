"""Family 2 history and transfer: the same behaviour as family 1, in the envelope, snake_case,
addressed the v1 way (project id in the path, `?scope=`)."""

import json

import jsonpatch
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion
from tests.api.v1.conftest import V1, error, ok
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

W1 = {"id": "w1", "type": "text", "title": "Intro", "size": "small", "config": {"markdown": "a"}}
W2 = {"id": "w2", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Ops",
        definition={"theme": "dark"},
        widgets=[W1, W2],
    )


def base(project, board) -> str:
    return f"{V1}/dashboards/{project.pk}/{board.pk}"


def test_versions_list_in_the_envelope_with_paging_headers(client_for, alice, project, board):
    for n in range(4):
        services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
    response = client_for(alice).get(
        f"{base(project, board)}/versions", {"scope": "project", "limit": 2, "offset": 1}
    )
    data = ok(response, "Versions listed successfully")
    assert [v["version"] for v in data] == [4, 3]
    assert set(data[0]) == {"version", "created_at", "author_id", "message", "restored_from"}
    assert response["X-Total-Count"] == "5"
    assert 'rel="next"' in response["Link"]


def test_versions_list_queries_are_fixed(settings, client_for, alice, project, board):
    settings.DASHBOARD_VERSIONS_KEEP = 0
    client = client_for(alice)
    counts = []
    for extra in (0, 40):
        for n in range(extra):
            services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(f"{base(project, board)}/versions?scope=project"))
        counts.append(len(captured.captured_queries))
    assert counts == [3, 3]  # the dashboard, the count, the page


def test_a_dashboard_of_another_scope_than_asked_is_404(client_for, alice, project, board):
    error(client_for(alice).get(f"{base(project, board)}/versions"), 404, "DASHBOARD_NOT_FOUND")


def test_one_version_shows_the_dashboard_the_v1_way(client_for, alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, name="Renamed")
    data = ok(client_for(alice).get(f"{base(project, board)}/versions/1?scope=project"))
    assert data["dashboard"] == {
        "id": str(board.pk),
        "name": "Ops",
        "scope": "project",
        "definition": {
            "theme": "dark",
            "description": "",
            "type": "custom",
            "refreshInterval": 0,
            "widgets": [W1, W2],
        },
    }


@pytest.mark.parametrize(("number", "status"), [("x", 400), ("0", 400), ("7", 404)])
def test_a_bad_or_unknown_version_number(client_for, alice, project, board, number, status):
    response = client_for(alice).get(f"{base(project, board)}/versions/{number}?scope=project")
    error(response, status, "VALIDATION_ERROR" if status == 400 else "VERSION_NOT_FOUND")


def test_diff_paths_point_into_the_v1_dashboard(client_for, alice, project, board):
    services.dashboard_update(
        dashboard=board,
        user=alice,
        widgets=[{**W1, "title": "Welcome"}, W2],
        definition={"theme": "light"},
        refresh_interval=30,
    )
    data = ok(client_for(alice).get(f"{base(project, board)}/versions/1/diff?scope=project"))
    assert (data["from"], data["to"]) == (1, 2)
    assert data["patch"] == [
        {"op": "replace", "path": "/definition/theme", "value": "light"},
        {"op": "replace", "path": "/definition/refreshInterval", "value": 30},
        {"op": "replace", "path": "/definition/widgets/0/title", "value": "Welcome"},
    ]
    assert data["summary"] == {
        "fields": ["definition", "definition.refreshInterval"],
        "widgets_added": [],
        "widgets_removed": [],
        "widgets_changed": ["w1"],
        "widgets_moved": [],
    }
    # The patch turns the v1 dashboard of version 1 into the one of version 2.
    first = ok(client_for(alice).get(f"{base(project, board)}/versions/1?scope=project"))
    second = ok(client_for(alice).get(f"{base(project, board)}/versions/2?scope=project"))
    assert jsonpatch.apply_patch(first["dashboard"], data["patch"]) == second["dashboard"]


def test_restore_with_a_stale_version_in_the_body_is_a_conflict(client_for, alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    response = client_for(alice).post(
        f"{base(project, board)}/versions/1/restore?scope=project", {"version": 1}, format="json"
    )
    error(response, 412, "PRECONDITION_FAILED", envelope_status="conflict")
    assert DashboardVersion.objects.filter(dashboard=board).count() == 2


def test_restore_answers_the_new_version(client_for, alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, description="2")
    response = client_for(alice).post(
        f"{base(project, board)}/versions/1/restore?scope=project",
        {"version": 2, "message": "back"},
        format="json",
    )
    data = ok(response, f"Dashboard '{board.pk}' restored from version 1")
    assert (data["version"], data["restored_from"]) == (3, 1)
    assert response["ETag"] == f'"{board.pk}-v3"'


def test_the_v1_save_keeps_its_message_beside_the_version(client_for, alice, project, board):
    body = {
        "scope": "project",
        "dashboard": {"id": str(board.pk), "name": "Ops", "version": 1, "message": "weekly"},
    }
    ok(client_for(alice).post(f"{V1}/dashboards/{project.pk}/save", body, format="json"))
    assert DashboardVersion.objects.get(dashboard=board, number=2).message == "weekly"
    body["dashboard"].update(version=2, message="m" * 501, definition={"x": 1})
    error(
        client_for(alice).post(f"{V1}/dashboards/{project.pk}/save", body, format="json"),
        400,
        "VALIDATION_ERROR",
    )


# --- Transfer --------------------------------------------------------------------------


def test_export_is_the_file_in_the_envelope_streamed(client_for, bob, project, board):
    response = client_for(bob).get(f"{V1}/projects/{project.pk}/export")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    body = json.loads(b"".join(response.streaming_content))
    assert body["status"] == "success"
    assert body["message"] == f"Project '{project.pk}' exported successfully"
    assert body["data"]["schemaVersion"] == 1
    assert [d["uid"] for d in body["data"]["dashboards"]] == [str(board.pk)]


def test_import_takes_the_exported_file_as_document(client_for, alice, project, board):
    client = client_for(alice)
    exported = json.loads(
        b"".join(client.get(f"{V1}/projects/{project.pk}/export").streaming_content)
    )
    target = ProjectFactory(owner=alice, name="Target")
    body = {"document": exported["data"], "dry_run": True}
    plan = ok(client.post(f"{V1}/projects/{target.pk}/import", body, format="json"))
    assert Dashboard.objects.filter(project=target).count() == 0
    done = ok(
        client.post(f"{V1}/projects/{target.pk}/import", {**body, "dry_run": False}, format="json"),
        "1 dashboards imported successfully",
    )
    assert {**plan, "dry_run": False} == done
    assert done["created"][0]["name"] == "Ops"


def test_import_errors_name_the_place_in_the_document(client_for, alice, project):
    body = {"document": {"schemaVersion": 1, "dashboards": [{"name": "ok"}, {"name": ""}]}}
    message = error(
        client_for(alice).post(f"{V1}/projects/{project.pk}/import", body, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert message.startswith("document.dashboards[1].name")
    body = {"document": {"schemaVersion": 3, "dashboards": []}}
    message = error(
        client_for(alice).post(f"{V1}/projects/{project.pk}/import", body, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert message.startswith("document.schemaVersion")


def test_duplicate_in_the_envelope(client_for, dave, project, board):
    response = client_for(dave).post(
        f"{base(project, board)}/duplicate?scope=project", {"scope": "user"}, format="json"
    )
    data = ok(response, status=201)
    copy = Dashboard.objects.get(pk=data["id"])
    assert (copy.name, copy.scope, copy.owner) == ("Copy of Ops", "user", dave)
    assert response["Location"] == f"/api/v1/dashboards/{project.pk}/{copy.pk}?scope=user"
