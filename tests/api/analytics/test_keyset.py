"""Server-driven paging of GET /api/dashboards: `nextLink` carries a signed `$skiptoken`
(the sort values of the page's last row), so a deep page costs what the first costs."""

import random
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from dashboards import services
from dashboards.api.analytics import odata
from tests.api.analytics.conftest import API, error
from tests.factories import DashboardFactory, ProjectFactory, UserDashboardFactory

pytestmark = pytest.mark.django_db


def walk(client, url: str, between=None) -> list[str]:
    """Every id that following nextLink from `url` yields, calling `between` after pages."""
    seen: list[str] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["id"] for row in body["value"]]
        url = body.get("nextLink")
        pages += 1
        assert pages < 100
        if url and between:
            between(pages)
    return seen


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["$skiptoken"][0]


@pytest.fixture
def many(alice, bob, project):
    """24 dashboards alice sees through all three sources, names with repeats."""
    rng = random.Random(7)
    words = ["sales", "ops", "finance", "hr"]
    made = [
        DashboardFactory(owner=alice, project=project, name=f"{rng.choice(words)} {i:02}")
        for i in range(12)
    ]
    made += [
        DashboardFactory(owner=bob, project=project, scope="project", name=f"shared {i:02}")
        for i in range(8)
    ]
    theirs = ProjectFactory(owner=bob)
    for i in range(4):
        dashboard = DashboardFactory(owner=bob, project=theirs, name=f"assigned {i:02}")
        UserDashboardFactory(user=alice, dashboard=dashboard)
        made.append(dashboard)
    # Seen twice (owned and assigned): listed once.
    UserDashboardFactory(user=alice, dashboard=made[0])
    return made


@pytest.mark.parametrize(
    "orderby", ["", "name", "name desc", "createdAt desc", "updatedAt", "type,name desc"]
)
def test_following_next_link_lists_every_row_once(client_for, alice, many, orderby):
    url = f"{API}/dashboards?$top=5" + (f"&$orderby={orderby}" if orderby else "")
    seen = walk(client_for(alice), url)
    assert sorted(seen) == sorted(str(d.pk) for d in many)
    whole = client_for(alice).get(url.replace("$top=5", "$top=100")).json()["value"]
    assert seen == [row["id"] for row in whole]  # same order as one big page


@pytest.mark.parametrize("orderby", ["", "name", "createdAt desc", "widgetCount,name"])
def test_rows_inserted_and_deleted_between_pages(client_for, alice, project, many, orderby):
    rng = random.Random(orderby)
    original = {str(d.pk) for d in many}
    deleted: set[str] = set()
    inserted: set[str] = set()
    seen_so_far: list[str] = []

    def churn(page: int) -> None:
        # One row already seen and one not yet seen go; a new one comes.
        for dashboard in list(alice.dashboards.order_by("?")[:2]):
            deleted.add(str(dashboard.pk))
            services.dashboard_delete(dashboard=dashboard, user=alice)
        name = f"{rng.choice(['aa', 'mm', 'zz'])} inserted {page}"
        created = services.dashboard_create(user=alice, project=project, name=name)
        inserted.add(str(created.pk))

    client = client_for(alice)
    url = f"{API}/dashboards?$top=4" + (f"&$orderby={orderby}" if orderby else "")
    seen_so_far = walk(client, url, churn)
    assert len(seen_so_far) == len(set(seen_so_far)), "a row was listed twice"
    # Every row that was there all along is listed; nothing else but inserted ones.
    assert original - deleted <= set(seen_so_far)
    assert set(seen_so_far) <= original | inserted
    if not orderby:
        # Oldest first: rows created during the walk come after the cursor, so all appear.
        assert inserted - deleted <= set(seen_so_far)


def test_deep_pages_take_the_same_queries(client_for, alice, many, django_assert_max_num_queries):
    client = client_for(alice)
    url = f"{API}/dashboards?$top=2&$orderby=name"
    first = client.get(url).json()  # caches the total
    with django_assert_max_num_queries(2):
        again = client.get(url).json()
    assert again == first
    link = first["nextLink"]
    for _ in range(8):
        with django_assert_max_num_queries(2):
            body = client.get(link).json()
        assert body["count"] == len(many)
        link = body["nextLink"]


def test_skip_still_pages_and_links_onward_by_token(client_for, alice, many):
    client = client_for(alice)
    body = client.get(f"{API}/dashboards", {"$top": 5, "$skip": 10}).json()
    whole = client.get(f"{API}/dashboards", {"$top": 100}).json()["value"]
    assert [r["id"] for r in body["value"]] == [r["id"] for r in whole[10:15]]
    query = parse_qs(urlsplit(body["nextLink"]).query)
    assert "$skip" not in query
    assert "$skiptoken" in query
    assert query["$top"] == ["5"]
    following = client.get(body["nextLink"]).json()
    assert [r["id"] for r in following["value"]] == [r["id"] for r in whole[15:20]]


def test_skip_is_bounded(client_for, alice):
    client = client_for(alice)
    assert client.get(f"{API}/dashboards", {"$skip": odata.MAX_SKIP}).status_code == 200
    err = error(client.get(f"{API}/dashboards", {"$skip": 500_000}), 400, "INVALID_QUERY")
    assert "nextLink" in err["details"]["$skip"][0]


def test_last_page_has_no_next_link(client_for, alice, many):
    body = client_for(alice).get(f"{API}/dashboards", {"$top": len(many)}).json()
    assert "nextLink" not in body
    assert body["count"] == len(many)


# --- Tampering -------------------------------------------------------------------------


@pytest.fixture
def link(client_for, alice, many) -> str:
    return client_for(alice).get(f"{API}/dashboards?$top=3&$orderby=name").json()["nextLink"]


def _flip(text: str, index: int) -> str:
    swapped = "A" if text[index] != "A" else "B"
    return text[:index] + swapped + text[index + 1 :]


@pytest.mark.parametrize("where", [0, 5, -3, -30])
def test_a_changed_character_is_invalid_query(client_for, alice, link, where):
    token = token_of(link)
    index = where % len(token)
    response = client_for(alice).get(
        f"{API}/dashboards", {"$top": 3, "$orderby": "name", "$skiptoken": _flip(token, index)}
    )
    err = error(response, 400, "INVALID_QUERY")
    assert set(err["details"]) == {"$skiptoken"}


def test_a_forged_token_with_other_values_is_invalid_query(client_for, alice, link):
    token = token_of(link)
    payload = signing.Signer(salt=odata.SKIPTOKEN_SALT).unsign_object(token)
    payload["v"][0] = "zzz"
    # Same payload shape, signed with another key: what an attacker can make.
    forged = signing.Signer(key="not-the-secret", salt=odata.SKIPTOKEN_SALT).sign_object(payload)
    unsigned = signing.b64_encode(signing.JSONSerializer().dumps(payload)).decode()
    for bad in [forged, unsigned, unsigned + ":x", token + "x", token[:-1], "", "%00", "a" * 5000]:
        response = client_for(alice).get(
            f"{API}/dashboards", {"$orderby": "name", "$top": 3, "$skiptoken": bad or "x"}
        )
        error(response, 400, "INVALID_QUERY")


@pytest.mark.parametrize(
    "params",
    [
        {"$orderby": "createdAt", "$top": 3},  # another order
        {"$orderby": "name", "$top": 3, "$filter": "contains(name,'sales')"},  # another query
        {"$orderby": "name", "$top": 3, "$skip": 2},  # both ways at once
    ],
)
def test_a_token_used_with_another_query_is_invalid_query(client_for, alice, link, params):
    response = client_for(alice).get(f"{API}/dashboards", {**params, "$skiptoken": token_of(link)})
    assert "$skiptoken" in error(response, 400, "INVALID_QUERY")["details"]


def test_a_token_reveals_nothing_to_another_user(client_for, charlie, link):
    # Valid signature, other caller: it is only a position; visibility applies as always.
    body = client_for(charlie).get(link).json()
    assert body == {"value": [], "count": 0}
