"""Share links through both API families and the anonymous JSON read (docs/sharing.md):
lifecycle, who may manage links, tokens stored only as hashes, one 404 for every dead
token, locked and open variables, rate limits, fixed query counts."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from dashboards import metrics, services
from dashboards.models import DashboardShare
from tests.api.analytics.conftest import error

pytestmark = pytest.mark.django_db

KPI = {
    "id": "orders",
    "type": "kpi",
    "title": "Orders",
    "size": "small",
    "config": {"metric": "orders", "aggregation": "sum", "days": 30, "unit": "orders"},
}
TEXT = {"id": "notes", "type": "text", "title": "Notes", "config": {"markdown": "**Hi**"}}


@pytest.fixture
def board(alice, project):
    metrics.metrics_ingest(
        project=project,
        user=alice,
        body={
            "points": [{"metric": "orders", "timestamp": timezone.now().isoformat(), "value": 7}]
        },
    )
    return services.dashboard_create(
        user=alice, project=project, scope="project", name="Ops", widgets=[KPI, TEXT]
    )


@pytest.fixture
def other_board(alice, project):
    return services.dashboard_create(user=alice, project=project, name="Other")


def shares_url(board) -> str:
    return f"/api/dashboards/{board.pk}/shares"


def v1_url(board) -> str:
    return f"/api/v1/dashboards/{board.project_id}/{board.pk}/shares?scope={board.scope}"


def create(client, board, body=None) -> dict:
    response = client.post(shares_url(board), body or {}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def anonymous() -> APIClient:
    return APIClient()


# --- Lifecycle --------------------------------------------------------------------------


def test_a_link_is_made_read_anonymously_and_revoked(client_for, alice, board):
    client = client_for(alice)
    made = create(client, board)
    assert set(made) >= {"id", "token", "url", "expiresAt", "createdAt", "tokenLast4"}
    assert len(made["token"]) == 43  # 256 bits, URL-safe
    assert made["url"] == f"http://testserver/s/{made['token']}"
    assert made["tokenLast4"] == made["token"][-4:]
    assert made["expiresAt"] is None

    read = anonymous().get(f"/api/shared/{made['token']}")
    assert read.status_code == 200, read.content
    body = read.json()
    assert body["name"] == "Ops"
    assert [w["id"] for w in body["widgets"]] == ["orders", "notes"]
    assert body["widgets"][0]["data"]["value"] == 7
    assert body["widgets"][0]["unit"] == "orders"
    assert body["widgets"][1]["markdown"] == "**Hi**"

    revoked = client.delete(f"{shares_url(board)}/{made['id']}")
    assert revoked.status_code == 204
    error(anonymous().get(f"/api/shared/{made['token']}"), 404, "SHARE_NOT_FOUND")
    # Revoked links leave the list; revoking again is a 404.
    assert client.get(shares_url(board)).json() == {"value": [], "count": 0}
    error(client.delete(f"{shares_url(board)}/{made['id']}"), 404, "SHARE_NOT_FOUND")


def test_the_shared_json_carries_no_ids_or_config(client_for, alice, board):
    made = create(client_for(alice), board)
    text = anonymous().get(f"/api/shared/{made['token']}").content.decode()
    assert str(board.pk) not in text
    assert str(board.project_id) not in text
    assert '"ownerId"' not in text
    assert '"projectId"' not in text
    assert '"config"' not in text
    assert '"metric"' not in text
    assert 'aggregation": "sum' not in text


def test_the_token_is_stored_only_as_its_hash(client_for, alice, board):
    made = create(client_for(alice), board)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM dashboards_dashboardshare")
        rows = cursor.fetchall()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert made["token"] not in stored
    assert hashlib.sha256(made["token"].encode()).hexdigest() in stored


def test_unknown_revoked_and_expired_tokens_answer_alike(client_for, alice, board):
    client = client_for(alice)
    revoked = create(client, board)
    client.delete(f"{shares_url(board)}/{revoked['id']}")
    expiring = create(
        client, board, {"expiresAt": (timezone.now() + timedelta(hours=1)).isoformat()}
    )
    DashboardShare.objects.filter(pk=expiring["id"]).update(
        created_at=timezone.now() - timedelta(hours=2),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    bodies = []
    for token in (revoked["token"], expiring["token"], "x" * 43, "short", "%E2%98%83"):
        response = anonymous().get(f"/api/shared/{token}")
        assert response.status_code == 404
        bodies.append(response.content)
    assert len(set(bodies)) == 1


def test_a_link_expires(client_for, alice, board):
    soon = timezone.now() + timedelta(minutes=5)
    made = create(client_for(alice), board, {"expiresAt": soon.isoformat()})
    assert anonymous().get(f"/api/shared/{made['token']}").status_code == 200
    DashboardShare.objects.filter(pk=made["id"]).update(expires_at=timezone.now())
    error(anonymous().get(f"/api/shared/{made['token']}"), 404, "SHARE_NOT_FOUND")


def test_an_expiry_in_the_past_is_refused(client_for, alice, board):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = client_for(alice).post(shares_url(board), {"expiresAt": past}, format="json")
    err = error(response, 400, "VALIDATION_ERROR")
    assert "expiresAt" in err["details"]
    assert DashboardShare.objects.count() == 0


def test_a_change_to_the_dashboard_shows_at_once(client_for, alice, board):
    made = create(client_for(alice), board)
    first = anonymous().get(f"/api/shared/{made['token']}")
    services.dashboard_update(dashboard=board, user=alice, name="Ops renamed")
    second = anonymous().get(f"/api/shared/{made['token']}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["name"] == "Ops renamed"
    assert second.json()["version"] == first.json()["version"] + 1


def test_an_unchanged_dashboard_answers_304(client_for, alice, board):
    made = create(client_for(alice), board)
    first = anonymous().get(f"/api/shared/{made['token']}")
    again = anonymous().get(f"/api/shared/{made['token']}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_deleting_the_dashboard_kills_the_link(client_for, alice, board):
    made = create(client_for(alice), board)
    services.dashboard_delete(dashboard=board, user=alice)
    error(anonymous().get(f"/api/shared/{made['token']}"), 404, "SHARE_NOT_FOUND")
    assert DashboardShare.objects.count() == 0


def test_a_share_of_another_dashboard_cannot_be_reached_through_this_one(
    client_for, alice, board, other_board
):
    client = client_for(alice)
    made = create(client, board)
    error(client.delete(f"{shares_url(other_board)}/{made['id']}"), 404, "SHARE_NOT_FOUND")
    assert DashboardShare.objects.get(pk=made["id"]).revoked_at is None
    # The token opens its own dashboard, never the other one.
    other = create(client, other_board)
    assert anonymous().get(f"/api/shared/{other['token']}").json()["name"] == "Other"
    assert anonymous().get(f"/api/shared/{made['token']}").json()["name"] == "Ops"


def test_the_list_shows_the_last_four_characters_only(client_for, alice, board):
    client = client_for(alice)
    made = create(client, board)
    listed = client.get(shares_url(board))
    assert listed.status_code == 200
    (item,) = listed.json()["value"]
    assert item["id"] == made["id"]
    assert item["tokenLast4"] == made["token"][-4:]
    assert made["token"] not in listed.content.decode()
    assert "token" not in item
    assert "url" not in item


def test_an_idempotent_replay_does_not_show_the_token_again(client_for, alice, board):
    client = client_for(alice)
    first = client.post(shares_url(board), {}, format="json", HTTP_IDEMPOTENCY_KEY="share-1")
    replay = client.post(shares_url(board), {}, format="json", HTTP_IDEMPOTENCY_KEY="share-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["token"] is None
    assert replay.json()["url"] is None
    assert DashboardShare.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM idempotency_idempotencykey")
        stored = str(cursor.fetchall())
    assert first.json()["token"] not in stored


# --- Who may --------------------------------------------------------------------------------


def test_a_viewer_of_the_dashboard_may_not_share_it(client_for, bob, board):
    client = client_for(bob)  # bob views alice's project
    error(client.post(shares_url(board), {}, format="json"), 403, "PERMISSION_DENIED")
    error(client.get(shares_url(board)), 403, "PERMISSION_DENIED")


def test_an_editor_of_the_project_may(client_for, dave, board):
    made = create(client_for(dave), board)
    assert anonymous().get(f"/api/shared/{made['token']}").status_code == 200


def test_an_invisible_dashboard_is_404(client_for, alice, charlie, board):
    made = create(client_for(alice), board)
    client = client_for(charlie)
    error(client.post(shares_url(board), {}, format="json"), 404, "DASHBOARD_NOT_FOUND")
    error(client.get(shares_url(board)), 404, "DASHBOARD_NOT_FOUND")
    error(client.delete(f"{shares_url(board)}/{made['id']}"), 404, "DASHBOARD_NOT_FOUND")


def test_managing_links_needs_a_login(board):
    error(anonymous().get(shares_url(board)), 401, "NOT_AUTHENTICATED")


def test_an_anonymous_read_ignores_a_bad_bearer_token(client_for, alice, board):
    made = create(client_for(alice), board)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert client.get(f"/api/shared/{made['token']}").status_code == 200


# --- Variables ------------------------------------------------------------------------------


def test_variables_are_locked_or_open_as_the_link_says(client_for, alice, board):
    made = create(
        client_for(alice),
        board,
        {"variables": {"region": "north"}, "allowVariables": ["timeRange"]},
    )
    assert made["variables"] == {"region": "north"}
    assert made["allowVariables"] == ["timeRange"]
    url = f"/api/shared/{made['token']}"
    assert anonymous().get(url).json()["variables"] == {"region": "north"}
    chosen = anonymous().get(f"{url}?var-timeRange=last_7_days").json()
    assert chosen["variables"] == {"region": "north", "timeRange": "last_7_days"}
    locked = error(anonymous().get(f"{url}?var-region=south"), 400, "VALIDATION_ERROR")
    assert "var-region" in locked["details"]
    other = error(anonymous().get(f"{url}?var-product=x"), 400, "VALIDATION_ERROR")
    assert "var-product" in other["details"]
    twice = f"{url}?var-timeRange=today&var-timeRange=last_7_days"
    error(anonymous().get(twice), 400, "VALIDATION_ERROR")


def test_variables_must_be_the_dashboards_own_when_it_declares_some(client_for, alice, project):
    declared = services.dashboard_create(
        user=alice,
        project=project,
        name="With variables",
        definition={"variables": [{"name": "region", "type": "dimension", "dimension": "region"}]},
    )
    client = client_for(alice)
    ok = client.post(shares_url(declared), {"variables": {"region": "north"}}, format="json")
    assert ok.status_code == 201, ok.content
    bad = client.post(shares_url(declared), {"allowVariables": ["timeRange"]}, format="json")
    assert "allowVariables" in error(bad, 400, "VALIDATION_ERROR")["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variables": {"1bad": "x"}}, "variables"),
        ({"variables": {"region": 5}}, "variables"),
        ({"variables": ["region"]}, "variables"),
        ({"variables": {f"v{n}": "x" for n in range(21)}}, "variables"),
        ({"allowVariables": ["region", "region"]}, "allowVariables"),
        ({"allowVariables": "region"}, "allowVariables"),
        ({"variables": {"region": "n"}, "allowVariables": ["region"]}, "allowVariables"),
        ({"frameAncestors": ["https://a.example.com/path"]}, "frameAncestors"),
        ({"frameAncestors": ["javascript:alert(1)"]}, "frameAncestors"),
        ({"frameAncestors": ["https://a.example.com; script-src *"]}, "frameAncestors"),
        ({"frameAncestors": ["*"]}, "frameAncestors"),
        ({"expiresAt": "tomorrow"}, "expiresAt"),
    ],
)
def test_bad_link_settings_are_400_naming_the_field(client_for, alice, board, body, field):
    response = client_for(alice).post(shares_url(board), body, format="json")
    assert field in error(response, 400, "VALIDATION_ERROR")["details"]
    assert DashboardShare.objects.count() == 0


# --- Family 2 -------------------------------------------------------------------------------


def test_v1_makes_lists_and_revokes_links(client_for, alice, board):
    client = client_for(alice)
    made = client.post(
        v1_url(board), {"allow_variables": ["region"], "frame_ancestors": []}, format="json"
    )
    assert made.status_code == 201, made.content
    envelope = made.json()
    assert envelope["status"] == "success"
    data = envelope["data"]
    assert set(data) >= {"id", "token", "url", "expires_at", "created_at", "token_last4"}
    assert data["allow_variables"] == ["region"]
    listed = client.get(v1_url(board)).json()["data"]
    assert [item["id"] for item in listed] == [data["id"]]
    assert data["token"] not in str(listed)
    assert anonymous().get(f"/api/shared/{data['token']}").status_code == 200

    base = f"/api/v1/dashboards/{board.project_id}/{board.pk}/shares"
    revoked = client.delete(f"{base}/{data['id']}?scope=project")
    assert revoked.status_code == 200
    assert revoked.json()["data"] == {"id": data["id"]}
    assert anonymous().get(f"/api/shared/{data['token']}").status_code == 404
    gone = client.delete(f"{base}/{data['id']}?scope=project")
    assert gone.status_code == 404
    assert gone.json()["code"] == "SHARE_NOT_FOUND"


def test_a_link_made_in_one_family_is_managed_in_the_other(client_for, alice, board):
    client = client_for(alice)
    made = client.post(v1_url(board), {"variables": {"region": "north"}}, format="json")
    share_id = made.json()["data"]["id"]
    (item,) = client.get(shares_url(board)).json()["value"]
    assert item["id"] == share_id
    assert item["variables"] == {"region": "north"}
    assert client.delete(f"{shares_url(board)}/{share_id}").status_code == 204
    assert client.get(v1_url(board)).json()["data"] == []


def test_v1_errors_are_in_its_envelope(client_for, alice, bob, board):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    refused = client_for(alice).post(v1_url(board), {"expires_at": past}, format="json")
    assert refused.status_code == 400
    assert refused.json()["status"] == "error"
    assert refused.json()["code"] == "VALIDATION_ERROR"
    viewer = client_for(bob).post(v1_url(board), {}, format="json")
    assert viewer.status_code == 403
    assert viewer.json()["code"] == "PERMISSION_DENIED"
    base = f"/api/v1/dashboards/{board.project_id}/{board.pk}/shares"
    malformed = client_for(alice).delete(f"{base}/not-a-uuid?scope=project")
    assert malformed.status_code == 400


# --- Limits -----------------------------------------------------------------------------


def fresh_address() -> str:
    """An address no other test counted against (counters live in the shared cache, which
    a test must not flush: other runs share Redis, isolated by key prefix only)."""
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def test_reads_are_limited_per_token_with_retry_after(client_for, alice, board, settings):
    settings.SHARE_THROTTLE_TOKEN = "3/min"
    made = create(client_for(alice), board)  # a new token: a counter of its own
    url = f"/api/shared/{made['token']}"
    for _ in range(3):
        assert anonymous().get(url, REMOTE_ADDR=fresh_address()).status_code == 200
    # Another address does not help: the limit is the token's.
    limited = anonymous().get(url, REMOTE_ADDR=fresh_address())
    err = error(limited, 429, "RATE_LIMITED")
    assert int(limited["Retry-After"]) >= 1
    assert err["details"]["retryAfter"] > 0


def test_reads_are_limited_per_address(client_for, alice, board, settings):
    settings.SHARE_THROTTLE_ADDRESS = "2/min"
    client = client_for(alice)
    first, second = create(client, board), create(client, board)
    address = fresh_address()
    assert anonymous().get(f"/api/shared/{first['token']}", REMOTE_ADDR=address).status_code == 200
    assert anonymous().get(f"/api/shared/{second['token']}", REMOTE_ADDR=address).status_code == 200
    limited = anonymous().get(f"/api/shared/{first['token']}", REMOTE_ADDR=address)
    assert limited.status_code == 429
    assert limited.has_header("Retry-After")
    assert (
        anonymous().get(f"/api/shared/{first['token']}", REMOTE_ADDR=fresh_address()).status_code
        == 200
    )


def test_the_default_limits_let_a_room_poll(settings):
    # 50 viewers behind one address, refreshing at the fastest interval (5 s): 600/min.
    number, period = settings.SHARE_THROTTLE_ADDRESS.split("/")
    assert int(number) >= 2 * 600
    assert period == "min"
    number, period = settings.SHARE_THROTTLE_TOKEN.split("/")
    assert int(number) >= 2 * 600
    assert period == "min"


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("widget_count", [1, 12])
def test_a_shared_read_costs_fixed_queries(
    client_for, alice, project, widget_count, django_assert_max_num_queries
):
    widgets = [{**KPI, "id": f"k{n}", "config": {"metric": "orders"}} for n in range(widget_count)]
    board = services.dashboard_create(user=alice, project=project, name="Many", widgets=widgets)
    made = create(client_for(alice), board)
    url = f"/api/shared/{made['token']}"
    assert anonymous().get(url).status_code == 200  # computes and caches the widget data
    # The link with its dashboard, the widgets, the series versions: whatever the count.
    with django_assert_max_num_queries(3):
        response = anonymous().get(url)
    assert len(response.json()["widgets"]) == widget_count


def test_a_links_values_filter_its_widget_data(client_for, alice, project):
    now = timezone.now().isoformat()
    metrics.metrics_ingest(
        project=project,
        user=alice,
        body={
            "points": [
                {
                    "metric": "orders",
                    "timestamp": now,
                    "value": 3,
                    "dimensions": {"region": "north"},
                },
                {
                    "metric": "orders",
                    "timestamp": now,
                    "value": 5,
                    "dimensions": {"region": "south"},
                },
            ]
        },
    )
    region = {"name": "region", "type": "dimension", "dimension": "region", "default": None}
    board = services.dashboard_create(
        user=alice,
        project=project,
        name="Regions",
        definition={"variables": [region]},
        widgets=[KPI],
    )
    locked = create(client_for(alice), board, {"variables": {"region": "north"}})
    opened = create(client_for(alice), board, {"allowVariables": ["region"]})

    def kpi(url: str) -> dict:
        response = anonymous().get(url)
        assert response.status_code == 200, response.content
        return response.json()["widgets"][0]["data"]

    assert kpi(f"/api/shared/{opened['token']}")["value"] == 8
    assert kpi(f"/api/shared/{locked['token']}")["value"] == 3
    assert kpi(f"/api/shared/{opened['token']}?var-region=south")["value"] == 5
    error(
        anonymous().get(f"/api/shared/{locked['token']}?var-region=south"), 400, "VALIDATION_ERROR"
    )
