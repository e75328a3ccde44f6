"""Family 1 history routes: versions list (paged, fixed queries), one version, diff,
restore with If-Match."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import services
from dashboards.models import DashboardVersion
from tests.api.analytics.conftest import API, error

pytestmark = pytest.mark.django_db

W1 = {"id": "w1", "type": "text", "title": "Intro", "size": "small", "config": {"markdown": "a"}}
W2 = {"id": "w2", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice, project=project, scope="project", name="Ops", widgets=[W1, W2]
    )


def edit(board, user, times: int) -> None:
    for n in range(times):
        services.dashboard_update(dashboard=board, user=user, description=f"edit {n}")


def url(board, tail: str = "") -> str:
    return f"{API}/dashboards/{board.pk}/versions{tail}"


# --- List ------------------------------------------------------------------------------


def test_versions_are_listed_newest_first_with_author_and_message(client_for, alice, board):
    client = client_for(alice)
    client.patch(
        f"{API}/dashboards/{board.pk}", {"description": "x", "message": "why"}, format="json"
    )
    client.patch(f"{API}/dashboards/{board.pk}", {"description": "y"}, format="json")
    body = client.get(url(board)).json()
    assert body["count"] == 3
    assert [v["version"] for v in body["value"]] == [3, 2, 1]
    second = body["value"][1]
    assert (second["message"], second["authorId"], second["restoredFrom"]) == (
        "why",
        alice.pk,
        None,
    )
    assert set(second) == {"version", "createdAt", "authorId", "message", "restoredFrom"}
    assert "nextLink" not in body


def test_versions_page_with_top_skip_and_next_link(client_for, alice, board):
    edit(board, alice, 6)
    body = client_for(alice).get(url(board), {"$top": 3, "$skip": 2}).json()
    assert [v["version"] for v in body["value"]] == [5, 4, 3]
    assert body["count"] == 7
    assert "%24skip=5" in body["nextLink"] or "$skip=5" in body["nextLink"]
    past = client_for(alice).get(url(board), {"$skip": 50}).json()
    assert past == {"value": [], "count": 7}


@pytest.mark.parametrize(
    "query", [{"$top": 0}, {"$top": 1001}, {"$skip": -1}, {"$filter": "version eq 1"}]
)
def test_bad_paging_is_invalid_query(client_for, alice, board, query):
    error(client_for(alice).get(url(board), query), 400, "INVALID_QUERY")


@pytest.mark.parametrize(("who", "queries"), [("alice", 2), ("bob", 3)])
def test_the_versions_list_costs_the_same_queries_whatever_its_length(
    request, settings, client_for, alice, board, who, queries
):
    # The dashboard (and, for a member, their role), then the page with its total.
    settings.DASHBOARD_VERSIONS_KEEP = 0
    client = client_for(request.getfixturevalue(who))
    for extra in (0, 60):
        edit(board, alice, extra)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(board))
        assert response.status_code == 200
        assert len(response.json()["value"]) == min(1 + extra, 100)
        assert len(captured.captured_queries) == queries


# --- One version -----------------------------------------------------------------------


def test_one_version_carries_the_dashboard_as_it_was(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, name="Renamed", widgets=[])
    body = client_for(alice).get(url(board, "/1")).json()
    assert body["version"] == 1
    assert body["dashboard"]["name"] == "Ops"
    assert body["dashboard"]["uid"] == str(board.pk)
    assert body["dashboard"]["widgets"] == [W1, W2]


@pytest.mark.parametrize("number", ["9", "0", "-1", "x", "1.0", "99999999999"])
def test_a_version_that_does_not_exist_is_404(client_for, alice, board, number):
    error(client_for(alice).get(url(board, f"/{number}")), 404, "VERSION_NOT_FOUND")


# --- Diff ------------------------------------------------------------------------------


def test_diff_of_one_title_change_is_one_replace(client_for, alice, board):
    services.dashboard_update(
        dashboard=board, user=alice, widgets=[W1, {**W2, "title": "Monthly recurring revenue"}]
    )
    diff = client_for(alice).get(url(board, "/1/diff")).json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert diff["patch"] == [
        {"op": "replace", "path": "/widgets/1/title", "value": "Monthly recurring revenue"}
    ]
    assert diff["summary"] == {
        "fields": [],
        "widgetsAdded": [],
        "widgetsRemoved": [],
        "widgetsChanged": ["w2"],
        "widgetsMoved": [],
    }


def test_diff_between_two_versions_either_way(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, widgets=[W2, W1])
    services.dashboard_update(dashboard=board, user=alice, name="Ops 3")
    client = client_for(alice)
    forward = client.get(url(board, "/1/diff"), {"to": 2}).json()
    assert forward["patch"] == [{"op": "move", "from": "/widgets/1", "path": "/widgets/0"}]
    backward = client.get(url(board, "/3/diff"), {"to": 1}).json()
    assert (backward["from"], backward["to"]) == (3, 1)
    assert backward["summary"]["fields"] == ["name"]
    assert backward["summary"]["widgetsMoved"] == ["w1"]


@pytest.mark.parametrize("to", ["0", "x", "", "-2"])
def test_a_malformed_to_is_400(client_for, alice, board, to):
    error(client_for(alice).get(url(board, "/1/diff"), {"to": to}), 400, "VALIDATION_ERROR")


def test_diff_to_a_missing_version_is_404(client_for, alice, board):
    error(client_for(alice).get(url(board, "/1/diff"), {"to": 5}), 404, "VERSION_NOT_FOUND")


# --- Restore ---------------------------------------------------------------------------


def test_restore_with_a_stale_if_match_is_412_and_writes_nothing(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="v2")
    response = client_for(alice).post(
        url(board, "/1/restore"), {}, format="json", HTTP_IF_MATCH=f'"{board.pk}-v1"'
    )
    assert error(response, 412, "PRECONDITION_FAILED")["details"] == {"currentVersion": 2}
    board.refresh_from_db()
    assert (board.version, board.description) == (2, "v2")
    assert DashboardVersion.objects.filter(dashboard=board).count() == 2


def test_restore_with_the_current_if_match_makes_a_new_version(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="v2", widgets=[])
    response = client_for(alice).post(
        url(board, "/1/restore"),
        {"message": "undo"},
        format="json",
        HTTP_IF_MATCH=f'"{board.pk}-v2"',
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": str(board.pk),
        "name": "Ops",
        "updatedAt": response.json()["updatedAt"],
        "version": 3,
        "restoredFrom": 1,
    }
    assert response["ETag"] == f'"{board.pk}-v3"'
    first, third = (DashboardVersion.objects.get(dashboard=board, number=n) for n in (1, 3))
    assert third.document == first.document
    assert (third.restored_from, third.message) == (1, "undo")


def test_restore_without_a_body(client_for, alice, board):
    services.dashboard_update(dashboard=board, user=alice, description="v2")
    response = client_for(alice).post(url(board, "/1/restore"))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("body", [{"message": 5}, {"message": "m" * 501}, ["x"]])
def test_restore_with_a_bad_body_is_400_and_writes_nothing(client_for, alice, board, body):
    services.dashboard_update(dashboard=board, user=alice, description="v2")
    error(
        client_for(alice).post(url(board, "/1/restore"), body, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    board.refresh_from_db()
    assert board.version == 2


def test_restoring_a_name_now_taken_is_409(client_for, alice, project, board):
    services.dashboard_update(dashboard=board, user=alice, name="Ops 2")
    services.dashboard_create(user=alice, project=project, scope="project", name="Ops")
    error(client_for(alice).post(url(board, "/1/restore")), 409, "DUPLICATE_DASHBOARD")


def test_messages_over_500_characters_are_refused_on_every_family_1_write(client_for, alice, board):
    client = client_for(alice)
    long = "m" * 501
    error(
        client.post(f"{API}/dashboards", {"name": "N", "message": long}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    error(
        client.patch(
            f"{API}/dashboards/{board.pk}", {"description": "d", "message": long}, format="json"
        ),
        400,
        "VALIDATION_ERROR",
    )
    board.refresh_from_db()
    assert board.version == 1
