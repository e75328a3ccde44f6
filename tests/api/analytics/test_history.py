"""Family 1 history routes: versions list, one version, diff, restore (If-Match)."""

import pytest

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion
from tests.api.analytics.conftest import API, error

pytestmark = pytest.mark.django_db

W1 = {"id": "w1", "type": "text", "title": "Intro", "size": "small", "config": {"markdown": "a"}}
W2 = {"id": "w2", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice, project=project, scope="project", name="Ops", widgets=[W1, W2]
    )


def versions_url(board, tail=""):
    return f"{API}/dashboards/{board.pk}/versions{tail}"


def test_create_then_two_edits_list_three_versions_newest_first(client_for, alice, board):
    client = client_for(alice)
    client.patch(
        f"{API}/dashboards/{board.pk}", {"description": "x", "message": "why"}, format="json"
    )
    client.patch(f"{API}/dashboards/{board.pk}", {"description": "y"}, format="json")
    response = client.get(versions_url(board))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    assert [v["version"] for v in body["value"]] == [3, 2, 1]
    assert body["value"][1]["message"] == "why"
    assert body["value"][1]["authorId"] == alice.pk
    assert set(body["value"][0]) == {"version", "createdAt", "authorId", "message", "restoredFrom"}


def test_diff_of_one_title_change_is_one_replace(client_for, alice, board):
    client = client_for(alice)
    widgets = [W1, {**W2, "title": "Monthly recurring revenue"}]
    response = client.put(
        f"{API}/dashboards/{board.pk}",
        {"name": "Ops", "scope": "project", "widgets": widgets},
        format="json",
    )
    assert response.status_code == 200, response.content
    diff = client.get(versions_url(board, "/1/diff")).json()
    assert diff["from"] == 1 and diff["to"] == 2
    assert diff["patch"] == [
        {"op": "replace", "path": "/widgets/1/title", "value": "Monthly recurring revenue"}
    ]
    assert diff["summary"]["widgetsChanged"] == ["w2"]


def test_restore_with_a_stale_if_match_is_412_and_writes_nothing(client_for, alice, board):
    client = client_for(alice)
    client.patch(f"{API}/dashboards/{board.pk}", {"description": "v2"}, format="json")
    response = client.post(
        versions_url(board, "/1/restore"), {}, format="json", HTTP_IF_MATCH=f'"{board.pk}-v1"'
    )
    error(response, 412, "PRECONDITION_FAILED")
    board.refresh_from_db()
    assert (board.version, board.description) == (2, "v2")
    assert DashboardVersion.objects.filter(dashboard=board).count() == 2


def test_restore_makes_a_new_version_equal_to_the_old_one(client_for, alice, board):
    client = client_for(alice)
    client.patch(
        f"{API}/dashboards/{board.pk}", {"description": "v2", "widgets": []}, format="json"
    )
    response = client.post(
        versions_url(board, "/1/restore"),
        {"message": "undo"},
        format="json",
        HTTP_IF_MATCH=f'"{board.pk}-v2"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 3
    assert response.json()["restoredFrom"] == 1
    assert response["ETag"] == f'"{board.pk}-v3"'
    v1, v3 = (DashboardVersion.objects.get(dashboard=board, number=n) for n in (1, 3))
    assert v3.document == v1.document
    assert (v3.restored_from, v3.message) == (1, "undo")


def test_unknown_version_is_404(client_for, alice, board):
    error(client_for(alice).get(versions_url(board, "/9")), 404, "VERSION_NOT_FOUND")
    error(client_for(alice).get(versions_url(board, "/x")), 404, "VERSION_NOT_FOUND")
