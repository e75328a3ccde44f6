"""The browser surfaces a person uses, in headless Chromium: Swagger UI and ReDoc offline,
the browsable API's login and raw-data form (with CSRF), the admin's widget inline."""

import json
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from rest_framework_simplejwt.tokens import RefreshToken

from dashboards import services
from dashboards.models import Dashboard, Widget
from tests.factories import PASSWORD, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _record_hosts(page) -> list[str]:
    """Every URL the page requests, to prove nothing leaves the live server."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def _foreign(urls: list[str], live_url: str) -> list[str]:
    own = urlsplit(live_url).netloc
    return [
        url
        for url in urls
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != own
    ]


def _login(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()


def test_swagger_ui_works_offline_and_executes_a_call_with_a_jwt(live_server, page, screenshot_dir):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    services.dashboard_create(user=alice, project=project, name="Executive Summary")
    token = str(RefreshToken.for_user(alice).access_token)
    urls = _record_hosts(page)

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Dashboards API", timeout=30000
    )
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    for tag in ("analytics: dashboards", "v1: dashboards", "v1: projects", "auth", "widget data"):
        expect(page.locator(f'.opblock-tag[data-tag="{tag}"]')).to_be_visible()

    page.click("button.authorize")
    bearer = page.locator(".auth-container").filter(has_text="jwtAuth")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    expect(bearer).to_contain_text("Authorized")
    page.click("button.btn-done")

    operation = page.locator(".opblock-get").filter(
        has=page.locator('.opblock-summary-path[data-path="/api/dashboards"]')
    )
    operation.locator(".opblock-summary").click()
    operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200")
    expect(live.locator("tr.response .response-col_description")).to_contain_text(
        "Executive Summary"
    )
    expect(operation.locator(".curl-command, .request-url")).not_to_have_count(0)

    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "swagger-ui.png"), full_page=False)
    assert urls, "the page made no requests at all"
    assert _foreign(urls, live_server.url) == []


def test_redoc_loads_offline(live_server, page, screenshot_dir):
    urls = _record_hosts(page)
    failed: dict[str, str] = {}
    page.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
    page.goto(f"{live_server.url}/api/redoc/")
    # ReDoc parses the whole schema (about 300 KB, 47 operations) before drawing anything:
    # a few seconds on a busy 2-core machine.
    expect(page.locator("h1").first).to_contain_text("Dashboards API", timeout=30_000)
    expect(page.get_by_text("v1: dashboards").first).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "redoc.png"), full_page=False)
    # ReDoc's bundle hard-codes a logo on cdn.redoc.ly; it is served with that URL made
    # local (dashboards/api/docs.py), so nothing leaves this host and nothing fails.
    assert _foreign(urls, live_server.url) == []
    assert failed == {}


def test_user_logs_into_the_browsable_api_and_creates_a_dashboard(
    live_server, page, screenshot_dir
):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    list_url = f"{live_server.url}/api/dashboards"

    _login(page, f"{live_server.url}/api-auth/login/?next=/api/dashboards", "alice")
    page.wait_for_url(list_url)
    expect(page.locator(".navbar")).to_contain_text("alice")
    expect(page.locator(".response-info")).to_contain_text('"count": 0')

    # The source's own example, in the project.
    body = {
        "name": "Executive Summary",
        "description": "Key metrics and KPIs",
        "type": "executive",
        "widgets": [
            {
                "id": "widget_1",
                "type": "revenue_chart",
                "title": "Monthly Revenue",
                "size": "large",
            },
            {
                "id": "widget_2",
                "type": "active_subscriptions",
                "title": "Active Subscriptions",
                "size": "small",
            },
        ],
        "refreshInterval": 60,
        "projectId": str(project.pk),
        "scope": "project",
    }
    page.click("a[name=raw-tab]")
    form = page.locator("#post-generic-content-form")
    form.locator("select[name=_content_type]").select_option("application/json")
    form.locator("textarea[name=_content]").fill(json.dumps(body, indent=2))
    form.locator("button", has_text="POST").click()

    expect(page.locator(".response-info")).to_contain_text("201 Created")
    expect(page.locator(".response-info")).to_contain_text('"type": "executive"')
    dashboard = Dashboard.objects.get(name="Executive Summary")
    assert (dashboard.project_id, dashboard.owner_id, dashboard.scope) == (
        project.pk,
        alice.pk,
        "project",
    )
    assert list(dashboard.widgets.values_list("key", "type")) == [
        ("widget_1", "revenue_chart"),
        ("widget_2", "active_subscriptions"),
    ]
    page.screenshot(path=str(screenshot_dir / "browsable-api.png"), full_page=False)

    # The same session without the CSRF token is refused, in the family's error format.
    refused = page.request.post(
        list_url,
        data=json.dumps({"name": "No token"}),
        headers={"Content-Type": "application/json"},
    )
    assert refused.status == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    assert not Dashboard.objects.filter(name="No token").exists()

    # The v1 family's raw-data form works the same way.
    page.goto(f"{live_server.url}/api/v1/dashboards/{project.pk}/save")
    page.click("a[name=raw-tab]")
    form = page.locator("#post-generic-content-form")
    form.locator("select[name=_content_type]").select_option("application/json")
    v1_body = {"scope": "user", "dashboard": {"name": "Sales Overview", "definition": {}}}
    form.locator("textarea[name=_content]").fill(json.dumps(v1_body))
    form.locator("button", has_text="POST").click()
    expect(page.locator(".response-info")).to_contain_text("201 Created")
    expect(page.locator(".response-info")).to_contain_text('"status": "success"')
    assert Dashboard.objects.filter(name="Sales Overview", scope="user").exists()


def test_browsable_api_renders_errors_in_the_family_format(live_server, page):
    alice = UserFactory(username="alice")
    _login(page, f"{live_server.url}/api-auth/login/?next=/api/v1/projects/not-a-uuid", "alice")
    page.wait_for_url(f"{live_server.url}/api/v1/projects/not-a-uuid")
    info = page.locator(".response-info")
    expect(info).to_contain_text("400 Bad Request")
    expect(info).to_contain_text('"code": "VALIDATION_ERROR"')
    expect(info).to_contain_text('"data": null')
    page.goto(f"{live_server.url}/api/dashboards?$top=0")
    expect(info).to_contain_text("400 Bad Request")
    expect(info).to_contain_text('"code": "INVALID_QUERY"')
    expect(info).to_contain_text('"error": {')
    assert alice.is_active


def _grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def _autocomplete(page, field: str, text: str) -> None:
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_staff_creates_a_dashboard_with_two_widgets_in_the_admin(live_server, page, screenshot_dir):
    staff = UserFactory(username="staffer", is_staff=True)
    _grant(
        staff,
        "add_dashboard",
        "change_dashboard",
        "view_dashboard",
        "add_widget",
        "change_widget",
        "view_widget",
        "view_project",
        "view_user",
    )
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")

    _login(page, f"{live_server.url}/admin/login/?next=/admin/dashboards/dashboard/add/", "staffer")
    page.wait_for_url(f"{live_server.url}/admin/dashboards/dashboard/add/")
    page.fill("#id_name", "Executive Summary")
    _autocomplete(page, "project", "Acme Analytics")
    _autocomplete(page, "owner", "alice")
    page.select_option("#id_scope", "project")
    page.fill("#id_type", "executive")
    page.fill("#id_refresh_interval", "60")

    add = page.locator("#widgets-group .add-row a")
    add.click()
    add.click()
    rows = [
        ("0", "widget_1", "revenue_chart", "Monthly Revenue", "large", "{}"),
        ("1", "widget_2", "active_subscriptions", "Active Subscriptions", "small", "{}"),
    ]
    for index, key, type_, title, size, config in rows:
        page.fill(f"#id_widgets-{index}-position", index)
        page.fill(f"#id_widgets-{index}-key", key)
        page.select_option(f"#id_widgets-{index}-type", type_)
        page.fill(f"#id_widgets-{index}-title", title)
        page.select_option(f"#id_widgets-{index}-size", size)
        page.fill(f"#id_widgets-{index}-config", config)
    page.click("input[name=_continue]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    dashboard = Dashboard.objects.get(name="Executive Summary")
    assert (dashboard.project_id, dashboard.owner_id, dashboard.scope) == (
        project.pk,
        alice.pk,
        "project",
    )
    widgets = Widget.objects.filter(dashboard=dashboard).order_by("position")
    assert [(w.key, w.type, w.size) for w in widgets] == [
        ("widget_1", "revenue_chart", "large"),
        ("widget_2", "active_subscriptions", "small"),
    ]
    expect(page.locator(".field-links")).to_contain_text("live page")
    expect(page.locator("#id_widgets-1-key")).to_have_value("widget_2")
    # The change page as staff see it after saving, with the inline and the links.
    page.click("#toggle-nav-sidebar")
    page.set_viewport_size({"width": 1360, "height": 1500})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot_dir / "admin-dashboard.png"), full_page=False)


def test_v1_list_shows_the_filter_form_and_filters(live_server, page, screenshot_dir):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    for name, kind in [("Regional Sales", "sales"), ("Marketing", "marketing"), ("Ops", "ops")]:
        services.dashboard_create(user=alice, project=project, name=name, type=kind)
    _login(page, f"{live_server.url}/api-auth/login/?next=/api/v1/dashboards/list", "alice")
    page.wait_for_url(f"{live_server.url}/api/v1/dashboards/list")
    page.get_by_role("button", name="Filters").click()
    form = page.locator("#filtersModal")
    expect(form).to_be_visible()
    for field in ("name", "type", "created_at_after", "created_at_before", "updated_at_after"):
        expect(form.locator(f"input[name={field}]")).to_be_visible()
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "v1-list-filters.png"), full_page=False)
    form.locator("input[name=type]").fill("sales")
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_url("**type=sales**")
    body = page.locator(".response-info").inner_text()
    assert "Regional Sales" in body
    assert "Marketing" not in body
