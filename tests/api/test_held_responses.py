"""Rendered responses held per worker (dashboards/api/held_responses.py): the v1 lists by
the caller's list version, the dashboard detail by its row, variables and widget data. A
held response must be the one built now, byte for byte, for its caller, URL and media type
only, and every write that changes it must move its name. The test settings check every
held response against a fresh one (`HELD_RESPONSES_CHECK`); the tests that measure what a
held response saves turn the check off."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboards import listcounts, metrics, services, specs
from dashboards.limits import EXPORT_SCHEMA_VERSION
from dashboards.models import Dashboard, DashboardVersion
from dashboards.widgets import query
from tests.api.v1.conftest import V1
from tests.conftest import bearer_client
from tests.factories import DashboardFactory, UserDashboardFactory

pytestmark = pytest.mark.django_db

LIST = f"{V1}/dashboards/list"
PARAMS = {"scope": "user,project", "limit": "2"}


def listing(client, **params: str):
    response = client.get(LIST, {**PARAMS, **params})
    assert response.status_code == 200, response.content
    return response


def names(client, **params: str) -> list[str]:
    return [row["name"] for row in listing(client, **params).json()["data"]]


@pytest.fixture
def unchecked(settings):
    settings.HELD_RESPONSES_CHECK = False


@pytest.fixture
def shared(alice, project):
    return [
        DashboardFactory(owner=alice, project=project, scope="project", name=f"Board {i}")
        for i in range(3)
    ]


def test_a_held_page_costs_one_query_and_is_the_same_bytes(
    unchecked, alice, shared, django_assert_num_queries
):
    client = bearer_client(alice)
    first = listing(client)
    with django_assert_num_queries(1):  # the list version; no page, no total
        again = listing(client)
    assert again.content == first.content
    for header in ("Content-Type", "X-Total-Count", "Link", "Vary", "Allow"):
        assert again[header] == first[header], header
    assert first["X-Total-Count"] == "3"
    assert 'rel="next"' in first["Link"]


def test_a_write_is_seen_at_once(unchecked, alice, bob, shared):
    member = bearer_client(bob)
    assert names(member) == ["Board 0", "Board 1"]
    services.dashboard_update(dashboard=shared[0], user=alice, name="Renamed")
    assert names(member) == ["Renamed", "Board 1"]
    services.dashboard_delete(dashboard=shared[1], user=alice)
    assert names(member) == ["Renamed", "Board 2"]
    assert listing(member)["X-Total-Count"] == "2"


def test_each_caller_url_and_media_type_has_its_own_page(unchecked, alice, bob, project):
    DashboardFactory(owner=alice, name="Alice's")
    DashboardFactory(owner=bob, name="Bob's")
    for _ in range(2):
        assert names(bearer_client(alice)) == ["Alice's"]
        assert names(bearer_client(bob)) == ["Bob's"]
        assert names(bearer_client(alice), name="bob") == []
    client = bearer_client(alice)
    plain = listing(client)
    indented = client.get(LIST, PARAMS, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content != plain.content
    assert indented.json() == plain.json()
    DashboardFactory(owner=alice, name="Second")  # a second page: links name the host
    for host in ("testserver", "localhost", "testserver"):
        response = client.get(LIST, {**PARAMS, "limit": "1"}, HTTP_HOST=host)
        assert response["Link"].startswith(f"<http://{host}/"), response["Link"]


def test_the_browsable_api_and_superusers_are_never_held(
    unchecked, superuser, alice, django_assert_max_num_queries, django_assert_num_queries
):
    DashboardFactory(owner=alice, name="Alice's")
    root = bearer_client(superuser)
    for _ in range(2):
        with django_assert_max_num_queries(3) as captured:
            assert names(root) == ["Alice's"]
        assert len(captured) >= 2  # the page and its total, each time
    client = bearer_client(alice)
    for _ in range(2):
        html = client.get(LIST, PARAMS, HTTP_ACCEPT="text/html")
        assert html.status_code == 200
        assert html["Content-Type"].startswith("text/html")
    assert names(client) == ["Alice's"]


def test_the_check_fails_a_page_that_a_write_forgot(monkeypatch, alice, bob, shared):
    """Not vacuous: a write that does not move the version is caught by the next read."""
    member = bearer_client(bob)
    listing(member)
    monkeypatch.setattr(listcounts, "touch_users", lambda ids: None)
    monkeypatch.setattr(listcounts, "touch_projects", lambda ids: None)
    services.dashboard_update(dashboard=shared[0], user=alice, name="Unseen")
    with pytest.raises(AssertionError, match="did not move what names it"):
        listing(member)


# Each write changes what bob's first page shows; the check compares the held page with
# the page read now, so a write that did not move the version fails the second read.


def _rename(alice, bob, project, board):
    services.dashboard_update(dashboard=board, user=alice, name="Renamed")


def _unshare(alice, bob, project, board):
    services.dashboard_update(dashboard=board, user=alice, scope="user")


def _move_owner(alice, bob, project, board):
    board.owner = bob  # a save outside the services (a fix from the shell)
    board.save()


def _describe(alice, bob, project, board):
    # Not a listed field, but the save moves `updated_at`, which is.
    services.dashboard_update(dashboard=board, user=alice, description="Described")


def _two_names(alice, bob, project, board):
    services.dashboard_update(dashboard=board, user=alice, name="First name")
    services.dashboard_update(dashboard=board, user=alice, name="Second name")


def _restore(alice, bob, project, board):
    first = DashboardVersion.objects.filter(dashboard=board).earliest("number")
    services.dashboard_restore(actor=alice, dashboard=board, number=first.number)


def _import_over(alice, bob, project, board):
    document = specs.export_document(board, board.widgets.all())
    services.dashboards_import(
        actor=alice,
        project=project,
        schema_version=EXPORT_SCHEMA_VERSION,
        documents=[{**document, "name": "Imported"}],
        on_conflict="overwrite",
    )


def _duplicate(alice, bob, project, board):
    services.dashboard_duplicate(actor=alice, source=board, name="A Copy", scope="project")


def _assign_private(alice, bob, project, board):
    private = DashboardFactory(owner=alice, project=project, scope="user", name="A private")
    UserDashboardFactory(user=bob, dashboard=private)


def _leave_project(alice, bob, project, board):
    services.membership_remove(project=project, actor=alice, user_id=bob.pk)


def _delete_project(alice, bob, project, board):
    services.project_delete(project=project, user=alice)


def _delete_owner(alice, bob, project, board):
    get_user_model().objects.get(pk=alice.pk).delete()


WRITES = [
    (None, _rename),
    (None, _unshare),
    (None, _move_owner),
    (None, _describe),
    (_two_names, _restore),
    (None, _import_over),
    (None, _duplicate),
    (None, _assign_private),
    (None, _leave_project),
    (None, _delete_project),
    (None, _delete_owner),
]


@pytest.mark.parametrize(
    ("prepare", "write"), WRITES, ids=[write.__name__.strip("_") for _, write in WRITES]
)
def test_every_write_that_changes_a_page_moves_it(prepare, write, alice, bob, project, shared):
    if prepare is not None:
        prepare(alice, bob, project, shared[0])
    member = bearer_client(bob)
    before = listing(member, limit="100")
    listing(member, limit="100")  # held, and checked
    write(alice, bob, project, shared[0])
    after = listing(member, limit="100")  # checked against the page read now
    assert after.content != before.content


# --- The dashboard detail ----------------------------------------------------------------

DETAIL = "/api/dashboards/{}"
KPI = {
    "id": "orders",
    "type": "kpi",
    "title": "Orders",
    "config": {"metric": "orders", "aggregation": "sum", "days": 30},
}
NOTE = {"id": "note", "type": "text", "title": "Note", "config": {"markdown": "Hello"}}
RANGE = {"name": "timeRange", "type": "timeRange", "default": "last_7_days"}


def _ingest(project, value: float) -> None:
    stamp = timezone.now().replace(microsecond=0).isoformat()
    metrics.metrics_ingest(
        project=project,
        user=project.owner,
        body={"points": [{"metric": "orders", "timestamp": stamp, "value": value}]},
    )


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice, project=project, scope="project", name="Held", widgets=[KPI, NOTE]
    )


def detail(client, board, **params: str):
    response = client.get(DETAIL.format(board.pk), params)
    assert response.status_code == 200, response.content
    return response


def test_a_held_detail_is_the_same_bytes_and_headers(
    unchecked, alice, project, board, django_assert_num_queries
):
    _ingest(project, 3)
    client = bearer_client(alice)
    first = detail(client, board)
    with django_assert_num_queries(2):  # the dashboard and its widgets; the series versions
        again = detail(client, board)
    assert again.content == first.content
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary", "Allow"):
        assert again[header] == first[header], header
    assert again.json()["widgets"][0]["data"]["value"] == 3


def test_a_detail_follows_every_change_of_what_it_shows(alice, bob, project, board):
    client = bearer_client(bob)

    def orders() -> float | None:
        data = detail(client, board).json()["widgets"][0]["data"]
        return data and data["value"]

    assert orders() in (None, 0)
    _ingest(project, 3)  # new points: the widget's digest moves
    assert orders() == 3
    detail(client, board)
    renamed = bearer_client(alice).patch(
        DETAIL.format(board.pk), {"name": "Renamed"}, format="json"
    )
    assert renamed.status_code == 200
    assert detail(client, board).json()["name"] == "Renamed"
    detail(client, board)
    services.dashboard_update(dashboard=board, user=alice, definition={"variables": [RANGE]})
    body = detail(client, board).json()
    assert body["variables"]["timeRange"]["value"] == "last_7_days"
    other = detail(client, board, **{"var-timeRange": "last_30_days"}).json()
    assert other["variables"]["timeRange"]["value"] == "last_30_days"
    assert detail(client, board, **{"var-timeRange": "last_30_days"}).json() == other


def test_a_widget_whose_data_failed_is_not_held(unchecked, alice, project, board, monkeypatch):
    _ingest(project, 3)
    original = query.records

    def broken(selection, group_dimension=None):
        sql, params = original(selection, group_dimension)
        return f"SELECT r.*, no_such_column FROM ({sql}) r", params  # noqa: S608

    monkeypatch.setattr(query, "records", broken)
    client = bearer_client(alice)
    assert detail(client, board).json()["widgets"][0]["error"]["code"] == "WIDGET_DATA_ERROR"
    monkeypatch.setattr(query, "records", original)
    assert detail(client, board).json()["widgets"][0]["data"]["value"] == 3


def test_the_check_fails_a_detail_that_a_write_forgot(alice, board):
    client = bearer_client(alice)
    detail(client, board)
    # Around save() and the services: neither the version nor updated_at moves.
    Dashboard.objects.filter(pk=board.pk).update(name="Unseen")
    with pytest.raises(AssertionError, match="did not move what names it"):
        detail(client, board)


def test_the_browsable_api_is_never_held(unchecked, alice, board):
    client = bearer_client(alice)
    for _ in range(2):
        html = client.get(DETAIL.format(board.pk), HTTP_ACCEPT="text/html")
        assert html.status_code == 200
        assert html["Content-Type"].startswith("text/html")
    assert detail(client, board).json()["name"] == "Held"
