"""Every HTML surface under its Content-Security-Policy, in Chromium: the live dashboard
pages, the login pages, the admin, the browsable API, Swagger UI and ReDoc each work (a
real action on each) with no CSP violation reported, and their policy allows no inline
script."""

import pytest
from playwright.sync_api import expect

from dashboards import services
from tests.browser.test_live_page import WIDGETS, _seed
from tests.factories import PASSWORD, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Collected in the page itself: the browser's own report of every refused resource.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations and console errors recorded."""
    errors: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} ({message.location})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.csp_errors = errors
    return page


def assert_clean(page, response) -> None:
    policy = response.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], violations
    assert [e for e in page.csp_errors if "Content Security Policy" in e] == []


def login(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()


def test_live_dashboard_pages(live_server, watched):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
    dashboard = services.dashboard_create(
        user=alice, project=project, name="Executive overview", refresh_interval=5, widgets=WIDGETS
    )
    _seed(project, alice)
    login(watched, f"{live_server.url}/accounts/login/?next=/dashboards/", "alice")
    watched.wait_for_url(f"{live_server.url}/dashboards/")
    listing = watched.reload()
    expect(watched.get_by_text("Executive overview")).to_be_visible()
    assert_clean(watched, listing)

    detail = watched.goto(f"{live_server.url}/dashboards/{dashboard.pk}/")
    expect(watched.locator('[data-widget="signups"] [data-role="value"]')).to_have_text("42")
    expect(watched.locator('[data-widget="notes"] .markdown strong')).to_have_text(
        "every 5 seconds"
    )
    # Chart.js drew on its canvas (pixels, not only the element).
    drawn = watched.evaluate(
        """() => { const c = document.querySelector('[data-widget="revenue"] canvas');
        return c.toDataURL().length > 2000; }"""
    )
    assert drawn
    watched.click("#refresh-button")
    expect(watched.locator("#refresh-status")).not_to_have_text("")
    assert_clean(watched, detail)

    missing = watched.goto(f"{live_server.url}/dashboards/00000000-0000-0000-0000-000000000000/")
    assert missing.status == 404
    assert_clean(watched, missing)


@pytest.mark.parametrize("path", ["/accounts/login/", "/api-auth/login/", "/admin/login/"])
def test_login_pages(live_server, watched, path):
    UserFactory(username="alice", is_staff=True)
    response = watched.goto(f"{live_server.url}{path}")
    assert_clean(watched, response)
    watched.fill("input[name=username]", "alice")
    watched.fill("input[name=password]", "wrong")
    watched.locator("input[type=submit], button[type=submit]").first.click()
    expect(watched.locator(".errornote, .error").first).to_be_visible()
    assert watched.evaluate("window.__cspViolations") == []


def test_admin(live_server, watched):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    project = ProjectFactory(owner=root, name="Acme Analytics")
    dashboard = services.dashboard_create(
        user=root, project=project, name="Board", widgets=WIDGETS[:2]
    )
    login(watched, f"{live_server.url}/admin/login/?next=/admin/", "root")
    watched.wait_for_url(f"{live_server.url}/admin/")
    index = watched.reload()
    assert_clean(watched, index)
    changelist = watched.goto(f"{live_server.url}/admin/dashboards/dashboard/")
    expect(watched.locator("#result_list")).to_contain_text("Board")
    assert_clean(watched, changelist)
    change = watched.goto(f"{live_server.url}/admin/dashboards/dashboard/{dashboard.pk}/change/")
    # The owner autocomplete (select2, jQuery) and the widget inline's "add another" work.
    watched.click(".field-owner .select2-selection")
    expect(watched.locator(".select2-results__option").first).to_contain_text("root")
    watched.keyboard.press("Escape")
    rows = watched.locator("#widgets-group tbody tr.form-row").count()
    watched.locator("#widgets-group .add-row a").click()
    expect(watched.locator("#widgets-group tbody tr.form-row")).to_have_count(rows + 1)
    assert_clean(watched, change)


def test_browsable_api(live_server, watched):
    UserFactory(username="alice")
    login(watched, f"{live_server.url}/api-auth/login/?next=/api/dashboards", "alice")
    watched.wait_for_url(f"{live_server.url}/api/dashboards")
    page = watched.reload()
    watched.click("a[name=raw-tab]")
    form = watched.locator("#post-generic-content-form")
    form.locator("select[name=_content_type]").select_option("application/json")
    form.locator("textarea[name=_content]").fill('{"name": "From the browser"}')
    form.locator("button", has_text="POST").click()
    expect(watched.locator(".response-info")).to_contain_text("201 Created")
    assert_clean(watched, page)


def test_swagger_ui(live_server, watched):
    response = watched.goto(f"{live_server.url}/api/docs/")
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text(
        "Dashboards API", timeout=30000
    )
    operation = watched.locator(".opblock-get").filter(
        has=watched.locator('.opblock-summary-path[data-path="/api/widget-types"]')
    )
    operation.locator(".opblock-summary").click()
    operation.locator("button.execute").click()
    # Anonymous: the call runs and answers 401 in the family's format.
    live = operation.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("401")
    assert_clean(watched, response)


def test_redoc(live_server, watched):
    requests: list[str] = []
    watched.on("request", lambda request: requests.append(request.url))
    response = watched.goto(f"{live_server.url}/api/redoc/")
    # The schema is generated on request: the first one may take a few seconds.
    expect(watched.locator("h1").first).to_contain_text("Dashboards API", timeout=30000)
    # Search runs in ReDoc's blob: worker.
    watched.fill('input[placeholder="Search..."]', "widget")
    expect(watched.get_by_role("menuitem", name="widget_types_list")).to_be_visible()
    assert_clean(watched, response)
    local = (live_server.url, "data:", "blob:")
    assert [url for url in requests if not url.startswith(local)] == []
