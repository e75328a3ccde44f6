"""A share link in headless Chromium: made through the API with a JWT, opened in a fresh
browser context (no login, no cookies), live: new points show without a reload, a change
to the dashboard reloads the page, revoking kills the link."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from rest_framework_simplejwt.tokens import RefreshToken

from dashboards import services
from dashboards.models import DashboardShare
from tests.browser.test_live_page import WIDGETS, _seed, _stamp
from tests.factories import ProjectFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_a_share_link_opens_without_login_and_stays_live(live_server, browser, screenshot_dir):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice, name="Acme Analytics")
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
    bearer = {
        "Authorization": f"Bearer {RefreshToken.for_user(alice).access_token}",
        "Content-Type": "application/json",
    }
    api = browser.new_context()
    made = api.request.post(
        f"{live_server.url}/api/dashboards/{dashboard.pk}/shares", data="{}", headers=bearer
    )
    assert made.status == 201
    url = made.json()["url"]
    assert url.startswith(f"{live_server.url}/s/")

    viewer = browser.new_context(viewport={"width": 1280, "height": 900})
    assert viewer.cookies() == []
    page = viewer.new_page()
    page.set_default_timeout(15000)
    page.goto(url)
    assert page.url == url  # no login redirect
    expect(page.locator("h1")).to_have_text("Executive overview")
    kpi = page.locator('[data-widget="signups"] [data-role="value"]')
    expect(kpi).to_have_text("42")
    expect(page.locator('[data-widget="subs"] [data-role="value"]')).to_have_text("1,234")
    expect(page.locator('[data-widget="notes"] strong')).to_have_text("every 5 seconds")
    expect(page.locator(".account")).to_have_count(0)
    page.evaluate("window.__sameDocument = true")

    # New points show at the next poll of /api/shared/{token}, without a reload.
    point = {"metric": "signups", "timestamp": _stamp(datetime.now(UTC) - timedelta(seconds=5))}
    response = api.request.post(
        f"{live_server.url}/api/projects/{project.pk}/metrics",
        data=json.dumps({"points": [{**point, "value": 57}]}),
        headers=bearer,
    )
    assert response.status == 200
    expect(kpi).to_have_text("57", timeout=15000)
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir / "shared-dashboard.png"), full_page=True)

    # A change to the dashboard shows through the link: the page reloads itself.
    services.dashboard_update(dashboard=dashboard, user=alice, name="Executive overview (Q3)")
    expect(page.locator("h1")).to_have_text("Executive overview (Q3)", timeout=15000)

    # Revoked: the next poll says so; opening the link again is the dead-link page.
    share = DashboardShare.objects.get()
    revoked = api.request.delete(
        f"{live_server.url}/api/dashboards/{dashboard.pk}/shares/{share.pk}", headers=bearer
    )
    assert revoked.status == 204
    expect(page.locator("#refresh-status")).to_have_text(
        "This link is no longer valid", timeout=15000
    )
    page.goto(url)
    expect(page.locator("h1")).to_have_text("This link is not valid")
    viewer.close()
    api.close()


def _serve(pages: dict[str, str]) -> tuple[ThreadingHTTPServer, str]:
    """Another site: a server of its own on a free local port, answering `pages` by path
    (read at each request, so they may be written once the origin is known)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = pages.get(self.path, "").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.django_db(transaction=True)
def test_another_site_may_frame_a_share_page_and_nothing_else(live_server, browser):
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice)
    dashboard = services.dashboard_create(
        user=alice, project=project, name="Embedded", widgets=WIDGETS[-1:]
    )
    pages: dict[str, str] = {}
    server, embedder = _serve(pages)
    _, allowed = services.share_create(actor=alice, dashboard=dashboard, frame_ancestors=[embedder])
    _, elsewhere = services.share_create(
        actor=alice, dashboard=dashboard, frame_ancestors=["https://intranet.example.com"]
    )
    frames = {
        "allowed": f"{live_server.url}/s/{allowed}",
        "elsewhere": f"{live_server.url}/s/{elsewhere}",
        "live page": f"{live_server.url}/dashboards/{dashboard.pk}/",
        "login": f"{live_server.url}/accounts/login/",
    }
    pages["/"] = "<!doctype html>" + "".join(
        f'<iframe name="{name}" src="{url}"></iframe>' for name, url in frames.items()
    )
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{embedder}/")
        embedded = page.frame_locator('iframe[name="allowed"]')
        expect(embedded.locator("h1")).to_have_text("Embedded")
        page.wait_for_timeout(500)
        for name in ("elsewhere", "live page", "login"):
            frame = page.frame(name=name)
            # A refused frame never gets the document: Chromium shows its own error page.
            assert frame is not None
            assert frame.url.startswith("chrome-error://"), (name, frame.url)
    finally:
        context.close()
        server.shutdown()
        server.server_close()
