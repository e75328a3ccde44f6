"""Page statements are remembered per worker under a key of what they were built from
(`dashboards.paging.Sources`): a remembered page must never answer another caller, another
filter, another position or what the caller could see before a change."""

import pytest

from dashboards import paging
from tests.api.analytics.conftest import API
from tests.api.v1.conftest import V1
from tests.conftest import bearer_client
from tests.factories import DashboardFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(client, **options: str) -> list[str]:
    response = client.get(f"{API}/dashboards", {f"${k}": v for k, v in options.items()})
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["value"]]


def v1_names(client, **params: str) -> list[str]:
    response = client.get(f"{V1}/dashboards/list", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["data"]]


def test_each_caller_gets_their_own_page(alice, bob):
    DashboardFactory(owner=alice, name="Alice sales")
    DashboardFactory(owner=bob, name="Bob sales")
    for _ in range(2):  # the second round is answered by remembered statements
        assert names(bearer_client(alice)) == ["Alice sales"]
        assert names(bearer_client(bob)) == ["Bob sales"]
        assert v1_names(bearer_client(alice)) == ["Alice sales"]
        assert v1_names(bearer_client(bob)) == ["Bob sales"]


def test_a_new_project_membership_shows_its_dashboards_at_once(alice, charlie):
    team = ProjectFactory(owner=alice, name="Team")
    DashboardFactory(owner=alice, project=team, scope="project", name="Team board")
    DashboardFactory(owner=charlie, name="Mine")
    client = bearer_client(charlie)
    assert names(client) == ["Mine"]
    assert v1_names(client, scope="user,project") == ["Mine"]
    MembershipFactory(project=team, user=charlie, role="viewer")
    assert sorted(names(client)) == ["Mine", "Team board"]
    assert sorted(v1_names(client, scope="user,project")) == ["Mine", "Team board"]


def test_losing_superuser_status_narrows_the_list_at_once(alice):
    root = UserFactory(username="root2", is_staff=True, is_superuser=True)
    DashboardFactory(owner=alice, name="Not yours")
    DashboardFactory(owner=root, name="Yours")
    assert sorted(names(bearer_client(root))) == ["Not yours", "Yours"]
    root.is_superuser = False
    root.save(update_fields=["is_superuser"])
    root.refresh_from_db()
    assert names(bearer_client(root)) == ["Yours"]


def test_filters_orders_and_positions_each_have_their_own_statement(alice):
    for name in ("Alpha", "Beta", "Gamma", "Alpine"):
        DashboardFactory(owner=alice, name=name)
    client = bearer_client(alice)
    for _ in range(2):
        assert names(client, filter="startswith(name,'Al')", orderby="name") == [
            "Alpha",
            "Alpine",
        ]
        assert names(client, filter="startswith(name,'B')") == ["Beta"]
        assert names(client, orderby="name desc", top="2") == ["Gamma", "Beta"]
        assert names(client, orderby="name desc", top="2", skip="2") == ["Alpine", "Alpha"]
        assert v1_names(client, name="alp") == ["Alpha", "Alpine"]
        assert v1_names(client, name="gam") == ["Gamma"]


def test_keyset_pages_follow_rows_written_after_the_statement_was_remembered(alice):
    for index in range(3):
        DashboardFactory(owner=alice, name=f"Board {index}")
    client = bearer_client(alice)
    first = client.get(f"{API}/dashboards", {"$top": "2", "$orderby": "name"}).json()
    follow = first["nextLink"]
    assert [row["name"] for row in client.get(follow).json()["value"]] == ["Board 2"]
    DashboardFactory(owner=alice, name="Board 3")
    assert [row["name"] for row in client.get(follow).json()["value"]] == ["Board 2", "Board 3"]


def test_remembered_statements_are_bounded(alice, monkeypatch):
    monkeypatch.setattr(paging, "MAX_REMEMBERED_PAGES", 5)
    DashboardFactory(owner=alice, name="Only")
    client = bearer_client(alice)
    for top in range(1, 12):
        assert names(client, top=str(top)) == ["Only"]
    assert len(paging._statements()) <= 5
