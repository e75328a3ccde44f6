"""Lists are paged (`limit`, `offset`, `X-Total-Count`, `Link`) and every v1 read takes a
fixed number of queries, whatever the number of rows or widgets."""

import itertools
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.v1.conftest import V1, error, ok
from tests.factories import (
    DashboardFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db
_names = itertools.count()


def _links(response) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """rel -> (path, query) from an RFC 8288 Link header."""
    links = {}
    for part in response["Link"].split(", "):
        target, rel = part.split("; ")
        url = urlsplit(target.strip("<>"))
        links[rel.removeprefix('rel="').rstrip('"')] = (url.path, parse_qs(url.query))
    return links


def _dashboards(owner, project, count, scope="user", widgets=2):
    made = []
    for _ in range(count):
        dashboard = DashboardFactory(
            owner=owner, project=project, scope=scope, name=f"{scope} {next(_names):04}"
        )
        for _ in range(widgets):
            WidgetFactory(dashboard=dashboard)
        made.append(dashboard)
    return made


# --- Paging ----------------------------------------------------------------------------


def test_default_page_has_total_and_no_links(client_for, alice, project):
    _dashboards(alice, project, 3, widgets=0)
    response = client_for(alice).get(f"{V1}/dashboards/list")
    assert len(ok(response)) == 3
    assert response["X-Total-Count"] == "3"
    assert not response.has_header("Link")


def _follow(client, link: tuple[str, dict[str, list[str]]]):
    path, query = link
    return client.get(path, {key: values[0] for key, values in query.items()})


def test_links_walk_the_list_in_order_by_cursor(client_for, alice, project):
    made = _dashboards(alice, project, 5, widgets=0)
    ids = [str(d.pk) for d in made]
    client = client_for(alice)
    first = client.get(f"{V1}/dashboards/list?scope=user&limit=2")
    assert [d["id"] for d in ok(first)] == ids[:2]
    assert first["X-Total-Count"] == "5"
    links = _links(first)
    assert set(links) == {"next"}
    path, query = links["next"]
    assert path == f"{V1}/dashboards/list"
    assert set(query) == {"scope", "limit", "cursor"}
    assert (query["scope"], query["limit"]) == (["user"], ["2"])
    middle = _follow(client, links["next"])
    assert [d["id"] for d in ok(middle)] == ids[2:4]
    assert middle["X-Total-Count"] == "5"
    assert set(_links(middle)) == {"next", "prev"}
    last = _follow(client, _links(middle)["next"])
    assert [d["id"] for d in ok(last)] == ids[4:]
    assert set(_links(last)) == {"prev"}
    # Backwards by the prev cursors: the same pages.
    back = _follow(client, _links(last)["prev"])
    assert [d["id"] for d in ok(back)] == ids[2:4]
    front = _follow(client, _links(back)["prev"])
    assert [d["id"] for d in ok(front)] == ids[:2]
    assert set(_links(front)) == {"next"}


def test_offset_pages_link_on_by_cursor_and_back_by_offset(client_for, alice, project):
    made = _dashboards(alice, project, 5, widgets=0)
    client = client_for(alice)
    middle = client.get(f"{V1}/dashboards/list?scope=user&limit=2&offset=2")
    assert [d["id"] for d in ok(middle)] == [str(d.pk) for d in made[2:4]]
    links = _links(middle)
    assert links["prev"] == (f"{V1}/dashboards/list", {"scope": ["user"], "limit": ["2"]})
    assert [d["id"] for d in ok(_follow(client, links["next"]))] == [str(made[4].pk)]


def test_offset_is_bounded(client_for, alice):
    client = client_for(alice)
    ok(client.get(f"{V1}/dashboards/list?offset=10000"))
    message = error(client.get(f"{V1}/dashboards/list?offset=10001"), 400, "INVALID_QUERY")
    assert "Link" in message


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "x" + token[1:],
        lambda token: token + "extra",
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_cursor_is_400_invalid_query(client_for, alice, project, change):
    _dashboards(alice, project, 3, widgets=0)
    client = client_for(alice)
    _, query = _links(client.get(f"{V1}/dashboards/list?limit=1"))["next"]
    response = client.get(
        f"{V1}/dashboards/list", {"limit": 1, "cursor": change(query["cursor"][0])}
    )
    assert "cursor" in error(response, 400, "INVALID_QUERY")


@pytest.mark.parametrize(
    "other",
    [
        "scope=user,project",  # another list
        "name=x",  # other filters
        "offset=1",  # both ways at once
    ],
)
def test_a_cursor_only_continues_its_own_list(client_for, alice, project, other):
    _dashboards(alice, project, 3, widgets=0)
    client = client_for(alice)
    _, query = _links(client.get(f"{V1}/dashboards/list?limit=1"))["next"]
    cursor = urlencode({"cursor": query["cursor"][0]})
    response = client.get(f"{V1}/dashboards/list?limit=1&{other}&{cursor}")
    assert "cursor" in error(response, 400, "INVALID_QUERY")


def test_a_project_list_cursor_is_not_a_dashboard_list_cursor(client_for, alice, project):
    for index in range(3):
        ProjectFactory(owner=alice, name=f"Z {index}")
    client = client_for(alice)
    _, query = _links(client.get(f"{V1}/projects/list?limit=1"))["next"]
    nxt = client.get(f"{V1}/projects/list", {"limit": 1, "cursor": query["cursor"][0]})
    assert len(ok(nxt)) == 1
    response = client.get(f"{V1}/dashboards/list", {"limit": 1, "cursor": query["cursor"][0]})
    error(response, 400, "INVALID_QUERY")


def test_offset_past_the_end_is_an_empty_page(client_for, alice, project):
    _dashboards(alice, project, 2, widgets=0)
    response = client_for(alice).get(f"{V1}/dashboards/{project.pk}/list?offset=10")
    assert ok(response) == []
    assert response["X-Total-Count"] == "2"


def test_projects_list_is_paged(client_for, alice, project):
    for index in range(3):
        ProjectFactory(owner=alice, name=f"Z {index}")
    response = client_for(alice).get(f"{V1}/projects/list?limit=1&offset=1")
    assert [p["name"] for p in ok(response)] == ["Z 0"]
    assert response["X-Total-Count"] == "4"


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=-1",
        "limit=ten",
        "limit=1.5",
        "offset=-1",
        "offset=x",
        "offset=99999999999999999999",
        "limit=",
        "limit=%C2%B2",
    ],
)
@pytest.mark.parametrize("path", ["dashboards/list", "projects/list"])
def test_bad_paging_is_400_invalid_query(client_for, alice, path, query):
    response = client_for(alice).get(f"{V1}/{path}?{query}")
    message = error(response, 400, "INVALID_QUERY")
    assert query.split("=")[0] in message


def test_limit_1000_is_allowed(client_for, alice):
    ok(client_for(alice).get(f"{V1}/dashboards/list?limit=1000"))


# --- Query counts ----------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.fixture
def crowd(alice, project):
    """Someone else's dashboards and projects that the lists must filter out."""
    other = UserFactory(username="other")
    _dashboards(other, ProjectFactory(owner=other), 5, widgets=1)
    return other


@pytest.mark.parametrize(
    ("url", "most"),
    [
        (f"{V1}/dashboards/list?scope=user,project", 3),  # auth, count, page
        ("PROJECT_LIST", 4),  # auth, project, count, page
    ],
)
def test_dashboard_lists_take_fixed_queries(
    client_for, alice, project, crowd, url, most, django_assert_max_num_queries
):
    url = url.replace("PROJECT_LIST", f"{V1}/dashboards/{project.pk}/list?scope=user,project")
    client = client_for(alice)
    _dashboards(alice, project, 1, widgets=3)
    with django_assert_max_num_queries(most):
        assert len(ok(client.get(url))) == 1
    one = _count(client, url)
    _dashboards(alice, project, 25, widgets=3)
    _dashboards(alice, project, 24, scope="project", widgets=3)
    with django_assert_max_num_queries(most):
        assert len(ok(client.get(url))) == 50
    assert _count(client, url) == one


def test_dashboard_detail_takes_fixed_queries(
    client_for, alice, project, django_assert_max_num_queries
):
    client = client_for(alice)
    few, many = _dashboards(alice, project, 2, widgets=0)
    WidgetFactory(dashboard=few)
    for _ in range(50):
        WidgetFactory(dashboard=many)
    with django_assert_max_num_queries(3):  # auth, dashboard, widgets
        definition = ok(client.get(f"{V1}/dashboards/{project.pk}/{many.pk}"))["definition"]
    assert len(definition["widgets"]) == 50
    assert _count(client, f"{V1}/dashboards/{project.pk}/{few.pk}") == _count(
        client, f"{V1}/dashboards/{project.pk}/{many.pk}"
    )


def test_project_list_takes_fixed_queries(client_for, alice, django_assert_max_num_queries):
    client = client_for(alice)
    ProjectFactory(owner=alice, name="P 0")
    one = _count(client, f"{V1}/projects/list")
    for index in range(1, 50):
        project = ProjectFactory(owner=UserFactory(), name=f"P {index}")
        MembershipFactory(project=project, user=alice, role=["viewer", "editor"][index % 2])
    with django_assert_max_num_queries(3):  # auth, count, page with roles
        data = ok(client.get(f"{V1}/projects/list"))
    assert len(data) == 50
    assert {p["role"] for p in data} == {"admin", "viewer", "editor"}
    assert _count(client, f"{V1}/projects/list") == one


def test_members_list_takes_fixed_queries(
    client_for, alice, project, django_assert_max_num_queries
):
    client = client_for(alice)
    one = _count(client, f"{V1}/projects/{project.pk}/members")
    for _ in range(47):
        MembershipFactory(project=project, user=UserFactory())
    with django_assert_max_num_queries(4):  # auth, project, count, page
        assert len(ok(client.get(f"{V1}/projects/{project.pk}/members"))) == 50
    assert _count(client, f"{V1}/projects/{project.pk}/members") == one


def test_save_takes_fixed_queries_whatever_the_widget_count(client_for, alice, project):
    client = client_for(alice)
    url = f"{V1}/dashboards/{project.pk}/save"

    def widgets(count):
        return [{"id": f"w{i}", "type": "text", "config": {"markdown": "x"}} for i in range(count)]

    counts = []
    for name, count in (("Small", 1), ("Large", 50)):
        with CaptureQueriesContext(connection) as created:
            dashboard_id = ok(
                client.post(
                    url,
                    {"dashboard": {"name": name, "definition": {"widgets": widgets(count)}}},
                    format="json",
                ),
                status=201,
            )["id"]
        with CaptureQueriesContext(connection) as updated:
            body = {"id": dashboard_id, "name": name, "definition": {"widgets": widgets(count)}}
            ok(client.post(url, {"dashboard": body}, format="json"))
        counts.append((len(created), len(updated)))
    assert counts[0] == counts[1]
