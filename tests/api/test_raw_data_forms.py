"""The browsable API's raw-data forms: what they show can be posted as shown.

A person exploring the API in a browser gets a pre-filled JSON body on every create view;
each optional field shows a valid value (never a null the API refuses), so posting the
form unchanged creates the dashboard."""

import html
import json
import re

import pytest
from rest_framework.test import APIClient

from dashboards.models import Dashboard

pytestmark = pytest.mark.django_db

RAW_CONTENT = re.compile(r'<textarea name="_content"[^>]*>(.*?)</textarea>', re.S)


def raw_form_body(client: APIClient, path: str) -> dict:
    page = client.get(path, HTTP_ACCEPT="text/html")
    # A POST-only view answers GET 405, still as the browsable page with its form.
    assert page.status_code in {200, 405}
    assert page["Content-Type"].startswith("text/html")
    forms = RAW_CONTENT.findall(page.content.decode())
    assert forms, "no raw-data form on the page"
    return json.loads(html.unescape(forms[0]))


@pytest.fixture
def browser(alice):
    client = APIClient()
    client.force_login(alice)
    return client


def test_family_1_create_form_posts_as_shown(browser, alice):
    body = raw_form_body(browser, "/api/dashboards")
    assert None not in [body[key] for key in body if key != "projectId"]
    response = browser.post("/api/dashboards", body, format="json")
    assert response.status_code == 201, response.content
    assert Dashboard.objects.get().owner == alice


def test_v1_save_form_posts_as_shown(browser, alice, project):
    path = f"/api/v1/dashboards/{project.pk}/save"
    response = browser.post(path, raw_form_body(browser, path), format="json")
    assert response.status_code == 201, response.content
    assert Dashboard.objects.get().project == project


@pytest.mark.parametrize("family", ["analytics", "v1"])
def test_import_forms_post_as_shown_as_a_dry_run(browser, project, family):
    path = (
        f"/api/projects/{project.pk}/import"
        if family == "analytics"
        else f"/api/v1/projects/{project.pk}/import"
    )
    body = raw_form_body(browser, path)
    assert body.get("dryRun", body.get("dry_run")) is True  # trying the form writes nothing
    response = browser.post(path, body, format="json")
    assert response.status_code == 200, response.content


def test_duplicate_and_restore_forms_post_as_shown(browser, alice, project):
    from dashboards import services

    board = services.dashboard_create(user=alice, project=project, name="Form")
    services.dashboard_update(dashboard=board, user=alice, description="2")
    path = f"/api/dashboards/{board.pk}/duplicate"
    response = browser.post(path, raw_form_body(browser, path), format="json")
    assert response.status_code == 201, response.content
    path = f"/api/dashboards/{board.pk}/versions/1/restore"
    response = browser.post(path, raw_form_body(browser, path), format="json")
    assert response.status_code == 200, response.content
