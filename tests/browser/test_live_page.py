"""The live dashboard page in headless Chromium: log in, watch a KPI change without a reload
after a point is ingested through the API with a JWT."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from rest_framework_simplejwt.tokens import RefreshToken

from dashboards import metrics, services
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, UserFactory

WIDGETS = [
    {
        "id": "signups",
        "type": "kpi",
        "title": "Signups (latest)",
        "size": "small",
        "config": {"metric": "signups", "aggregation": "last", "unit": "per hour"},
    },
    {
        "id": "subs",
        "type": "active_subscriptions",
        "title": "Active subscriptions",
        "size": "small",
    },
    {
        "id": "revenue_30d",
        "type": "kpi",
        "title": "Revenue, 30 days",
        "size": "small",
        "config": {"metric": "revenue", "aggregation": "sum", "days": 30, "unit": "USD"},
    },
    {"id": "revenue", "type": "revenue_chart", "title": "Monthly revenue", "size": "large"},
    {
        "id": "regions",
        "type": "pie_chart",
        "title": "Deals by region",
        "size": "small",
        "config": {"metric": "deals", "dimension": "region", "days": 30},
    },
    {
        "id": "daily",
        "type": "line_chart",
        "title": "Daily signups",
        "size": "medium",
        "config": {"metric": "signups", "groupBy": "day", "days": 30},
    },
    {
        "id": "table",
        "type": "table",
        "title": "Deals per region",
        "size": "medium",
        "config": {"metric": "deals", "groupBy": "dimension", "dimension": "region"},
    },
    {
        "id": "notes",
        "type": "text",
        "title": "About",
        "size": "full",
        "config": {"markdown": "Figures refresh **every 5 seconds**; see `docs/widget-data.md`."},
    },
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seed(project, owner) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    points = []
    for day in range(30, 0, -1):
        moment = now - timedelta(days=day)
        points.append({"metric": "signups", "timestamp": _stamp(moment), "value": 20 + day % 7})
        for index, region in enumerate(["north", "south", "east", "west"]):
            points.append(
                {
                    "metric": "deals",
                    "timestamp": _stamp(moment),
                    "value": (day * (index + 3)) % 11 + 1,
                    "dimensions": {"region": region},
                }
            )
    for month in range(12, -1, -1):
        moment = now - timedelta(days=30 * month + 1)
        points.append(
            {"metric": "revenue", "timestamp": _stamp(moment), "value": 4000 + 350 * (12 - month)}
        )
    points.append(
        {
            "metric": "active_subscriptions",
            "timestamp": _stamp(now - timedelta(hours=1)),
            "value": 1234,
        }
    )
    points.append({"metric": "signups", "timestamp": _stamp(now - timedelta(hours=1)), "value": 42})
    metrics.metrics_ingest(project=project, user=owner, body={"points": points})


@pytest.mark.django_db(transaction=True)
def test_kpi_changes_on_the_page_after_ingestion(live_server, page, screenshot_dir):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    MembershipFactory(project=project, user=UserFactory(username="bob"), role="viewer")
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Executive overview",
        description="Revenue, subscriptions and signups, live.",
        refresh_interval=5,
        widgets=WIDGETS,
    )
    _seed(project, alice)

    page.goto(f"{live_server.url}/dashboards/{dashboard.pk}/")
    assert "/accounts/login/" in page.url  # login required
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboards/{dashboard.pk}/")

    kpi = page.locator('[data-widget="signups"] [data-role="value"]')
    expect(kpi).to_have_text("42")
    expect(page.locator('[data-widget="subs"] [data-role="value"]')).to_have_text("1,234")
    page.evaluate("window.__sameDocument = true")

    token = RefreshToken.for_user(alice).access_token
    body = {
        "points": [
            {
                "metric": "signups",
                "timestamp": _stamp(datetime.now(UTC) - timedelta(seconds=5)),
                "value": 57,
            }
        ]
    }
    # A client of its own (no session cookie): the JWT alone authenticates the write.
    api = page.context.browser.new_context()
    response = api.request.post(
        f"{live_server.url}/api/projects/{project.pk}/metrics",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 200
    assert response.json() == {"accepted": 1}
    api.close()

    # The next poll (every 5 s) brings the new value; only the changed widgets redraw.
    expect(kpi).to_have_text("57", timeout=15000)
    assert page.evaluate("window.__sameDocument") is True  # no reload
    expect(page.locator("#refresh-status")).to_contain_text("changed")
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "live-dashboard.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_unchanged_widgets_cost_a_304(live_server, page):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice)
    dashboard = services.dashboard_create(
        user=alice, project=project, name="Quiet", refresh_interval=0, widgets=WIDGETS[:1]
    )
    page.context.add_cookies(
        [{"name": "sessionid", "value": _session_for(alice), "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/dashboards/{dashboard.pk}/")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/widgets/" in r.url else None)

    page.click("#refresh-button")
    expect(page.locator("#refresh-status")).to_contain_text("Updated")

    assert statuses == [304]


def _session_for(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key
