"""The share page `/s/{token}`: read-only without login, framable as the link or the site
says, while every other page keeps refusing frames (docs/sharing.md)."""

import json
import re
import secrets

import pytest
from django.test import Client

from dashboards import services
from dashboards.models import DashboardShare

pytestmark = pytest.mark.django_db

WIDGETS = [
    {"id": "orders", "type": "kpi", "title": "Orders", "config": {"metric": "orders"}},
    {"id": "notes", "type": "text", "title": "Notes", "config": {"markdown": "**Hello**"}},
]


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(
        user=alice, project=project, name="Wallboard", refresh_interval=10, widgets=WIDGETS
    )


def make(board, **kwargs) -> tuple[DashboardShare, str]:
    return services.share_create(actor=board.owner, dashboard=board, **kwargs)


def frame_ancestors(response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1).strip()


def page_data(response) -> dict:
    text = response.content.decode()
    match = re.search(r'<script id="dashboard-page" type="application/json">(.*?)</script>', text)
    assert match
    return json.loads(match.group(1))


def test_the_page_opens_without_login(board):
    _, token = make(board)
    response = Client().get(f"/s/{token}")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Wallboard" in text
    assert "Orders" in text
    assert "<strong>Hello</strong>" in text
    assert board.project.name not in text  # no crumbs to the project
    assert str(board.pk) not in text
    page = page_data(response)
    assert page["sharedUrl"] == f"/api/shared/{token}"
    assert page["refreshInterval"] == 10
    assert [w["id"] for w in page["widgets"]] == ["orders", "notes"]
    assert response["X-Robots-Tag"] == "noindex"


def test_a_logged_in_visitor_sees_no_account_menu(board, alice):
    _, token = make(board)
    client = Client()
    client.force_login(alice)
    text = client.get(f"/s/{token}").content.decode()
    assert "Log out" not in text
    assert "alice" not in text


def test_the_page_may_be_framed_by_the_site_default(board, settings):
    _, token = make(board)
    response = Client().get(f"/s/{token}")
    assert not response.has_header("X-Frame-Options")
    assert frame_ancestors(response) == "*"
    settings.SHARE_FRAME_ANCESTORS = ["'self'", "https://intranet.example.com"]
    response = Client().get(f"/s/{token}")
    assert frame_ancestors(response) == "'self' https://intranet.example.com"


def test_a_link_names_its_own_framing_origins(board):
    _, token = make(board, frame_ancestors=["https://wall.example.com", "https://*.example.org"])
    response = Client().get(f"/s/{token}")
    assert not response.has_header("X-Frame-Options")
    assert frame_ancestors(response) == "https://wall.example.com https://*.example.org"
    # The rest of the policy stays the site's.
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_every_other_page_refuses_frames(board, alice):
    _, token = make(board)
    client = Client()
    client.force_login(alice)
    for path in (f"/dashboards/{board.pk}/", "/dashboards/", "/accounts/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY", path
        assert frame_ancestors(response) == "'none'", path
    api = Client().get(f"/api/shared/{token}")
    assert api.status_code == 200
    assert frame_ancestors(api) == "'none'"
    assert api["X-Frame-Options"] == "DENY"


def test_a_dead_link_is_one_page_that_refuses_frames(board):
    revoked, revoked_token = make(board)
    services.share_revoke(actor=board.owner, share=revoked)
    bodies = set()
    for token in (revoked_token, "n" * 43, "short"):
        response = Client().get(f"/s/{token}")
        assert response.status_code == 404
        assert response["X-Frame-Options"] == "DENY"
        assert frame_ancestors(response) == "'none'"
        bodies.add(response.content)
    assert len(bodies) == 1
    assert b"not valid" in bodies.pop()


def test_a_locked_variable_cannot_be_changed_on_the_page(board):
    _, token = make(board, variables={"region": "north"}, allow_variables=["timeRange"])
    assert Client().get(f"/s/{token}?var-timeRange=today").status_code == 200
    refused = Client().get(f"/s/{token}?var-region=south")
    assert refused.status_code == 400
    assert b"var-region" in refused.content
    # The page polls with the viewer's choices.
    page = page_data(Client().get(f"/s/{token}?var-timeRange=today"))
    assert page["sharedUrl"] == f"/api/shared/{token}?var-timeRange=today"


def test_the_page_is_rate_limited_with_retry_after(board, settings):
    settings.SHARE_THROTTLE_ADDRESS = "2/min"
    _, token = make(board)
    # Addresses of their own: the shared cache is never flushed (other runs share Redis).
    client = Client(REMOTE_ADDR=f"198.19.{secrets.randbelow(256)}.1")
    assert client.get(f"/s/{token}").status_code == 200
    assert client.get(f"/s/{token}").status_code == 200
    limited = client.get(f"/s/{token}")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    # Another address has its own budget.
    other = Client(REMOTE_ADDR=f"198.19.{secrets.randbelow(256)}.2")
    assert other.get(f"/s/{token}").status_code == 200


def test_the_page_takes_get_and_head_only(board):
    _, token = make(board)
    assert Client().post(f"/s/{token}").status_code == 405
    assert Client().head(f"/s/{token}").status_code == 200
