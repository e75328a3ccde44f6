"""The variable pickers of the live page in headless Chromium: changing the range and the
region changes the numbers without a reload, the URL keeps the choice, the back button
returns to the previous values."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from dashboards import metrics, services
from tests.browser.test_live_page import _session_for
from tests.factories import ProjectFactory, UserFactory

WIDGETS = [
    {
        "id": "orders",
        "type": "kpi",
        "title": "Orders",
        "size": "small",
        "config": {"metric": "orders", "aggregation": "sum", "unit": "orders"},
    },
    {
        "id": "week",
        "type": "kpi",
        "title": "Orders, last 7 days (fixed)",
        "size": "small",
        "config": {"metric": "orders", "aggregation": "sum", "days": 7},
    },
    {
        "id": "by_region",
        "type": "bar_chart",
        "title": "Orders by region",
        "size": "medium",
        "config": {"metric": "orders", "groupBy": "dimension", "dimension": "region"},
    },
    {
        "id": "daily",
        "type": "line_chart",
        "title": "Orders per day",
        "size": "large",
        "config": {"metric": "orders", "groupBy": "day"},
    },
    {
        "id": "table",
        "type": "table",
        "title": "Per region",
        "size": "medium",
        "config": {"metric": "orders", "groupBy": "dimension", "dimension": "region"},
    },
]


def _seed(project, owner) -> None:
    """10 orders today in the north, 100 a day for the 29 days before in the south and
    1 a day in the north: last 7 days = 10 + 6 x 101 = 616, last 30 days = 10 + 29 x 101."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    points = [
        {
            "metric": "orders",
            "timestamp": (today + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "value": 10,
            "dimensions": {"region": "north"},
        }
    ]
    for day in range(1, 30):
        stamp = (today - timedelta(days=day) + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points += [
            {
                "metric": "orders",
                "timestamp": stamp,
                "value": 100,
                "dimensions": {"region": "south"},
            },
            {"metric": "orders", "timestamp": stamp, "value": 1, "dimensions": {"region": "north"}},
        ]
    metrics.metrics_ingest(project=project, user=owner, body={"points": points})


@pytest.mark.django_db(transaction=True)
def test_the_picker_changes_the_numbers_and_the_url(live_server, page, screenshot_dir):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Orders",
        description="Pick a period and a region: every widget follows.",
        refresh_interval=0,
        definition={
            "variables": [
                {
                    "name": "timeRange",
                    "type": "timeRange",
                    "label": "Period",
                    "default": "last_30_days",
                },
                {
                    "name": "region",
                    "type": "dimension",
                    "label": "Region",
                    "dimension": "region",
                    "default": None,
                    "options": ["north", "south"],
                },
            ]
        },
        widgets=WIDGETS,
    )
    _seed(project, alice)
    page.context.add_cookies(
        [{"name": "sessionid", "value": _session_for(alice), "url": live_server.url}]
    )
    base = f"{live_server.url}/dashboards/{dashboard.pk}/"
    page.goto(base)
    page.evaluate("window.__sameDocument = true")
    orders = page.locator('[data-widget="orders"] [data-role="value"]')
    fixed = page.locator('[data-widget="week"] [data-role="value"]')
    expect(orders).to_have_text("2,939")  # 10 + 29 x 101
    expect(fixed).to_have_text("616")

    page.select_option("select[name=timeRange]", "last_7_days")
    expect(orders).to_have_text("616")
    assert page.url == f"{base}?var-timeRange=last_7_days"
    expect(fixed).to_have_text("616")  # its own `days` wins

    page.select_option("select[name=region]", "north")
    expect(orders).to_have_text("16")  # 10 + 6 x 1
    assert page.url == f"{base}?var-timeRange=last_7_days&var-region=north"
    csv = page.locator('[data-widget="orders"] [data-role="csv"]')
    assert csv.get_attribute("href").endswith(
        "/data?format=csv&var-timeRange=last_7_days&var-region=north"
    )
    expect(page.locator("#refresh-status")).to_contain_text("changed")
    page.wait_for_timeout(300)  # charts settle
    page.screenshot(path=str(screenshot_dir / "live-dashboard-variables.png"), full_page=True)

    page.go_back()
    expect(orders).to_have_text("616")
    expect(page.locator("select[name=region]")).to_have_value("$__all")
    page.go_back()
    expect(orders).to_have_text("2,939")
    expect(page.locator("select[name=timeRange]")).to_have_value("last_30_days")
    assert page.url == base
    assert page.evaluate("window.__sameDocument") is True  # no reload on the way

    # The URL is shareable: opened as is, the page starts with its values.
    page.goto(f"{base}?var-timeRange=today&var-region=north")
    expect(orders).to_have_text("10")
    expect(page.locator("select[name=timeRange]")).to_have_value("today")
