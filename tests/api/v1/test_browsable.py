"""The browsable API: a logged-in person explores v1 in a browser, with raw-data forms."""

import pytest
from rest_framework.test import APIClient

from dashboards.models import Dashboard
from tests.api.v1.conftest import V1

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def test_list_renders_as_html(browser, project):
    response = browser.get(f"{V1}/dashboards/list", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "All dashboards listed successfully" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("dashboards/PROJECT/save", "definition"),
        ("projects/save", "metadata"),
        ("projects/PROJECT/members", "user_id"),
    ],
)
def test_write_views_offer_a_raw_data_form(browser, project, path, field):
    response = browser.get(
        f"{V1}/{path.replace('PROJECT', str(project.pk))}", HTTP_ACCEPT="text/html"
    )
    html = response.content.decode()
    assert 'id="post-generic-content-form"' in html
    assert field in html


def test_session_post_without_csrf_is_403_and_writes_nothing(browser, project):
    response = browser.post(
        f"{V1}/dashboards/{project.pk}/save", {"dashboard": {"name": "X"}}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert response.json()["status"] == "error"
    assert not Dashboard.objects.exists()
