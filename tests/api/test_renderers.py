"""JSON clients get orjson's rendering and skip content negotiation; the bytes are exactly
what DRF's JSONRenderer wrote before, and browsers still get the browsable API."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from dashboards import services
from dashboards.api.renderers import FastJSONRenderer
from tests.api.analytics.conftest import API
from tests.api.v1.conftest import V1
from tests.factories import DashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db

ODD_DEFINITION = {
    "theme": "dark",
    "text": 'é ü 漢字 \u2028 \u2029 <script> & "quoted" \\ \t',
    "numbers": [0, -1, 3000.0, 0.1, 1e16, 1.5e300, -0.0, 123456789.123, 2**53 + 1],
    "nested": {"deep": [{"a": None, "b": True, "c": False}]},
}


@pytest.fixture
def dashboards(alice, project):
    rich = services.dashboard_create(
        user=alice,
        project=project,
        name="Rich",
        definition=ODD_DEFINITION,
        widgets=[
            {"id": "k", "type": "kpi", "config": {"metric": "revenue"}},
            {"id": "t", "type": "text", "config": {"markdown": "# Hi \u2028"}},
        ],
    )
    for index in range(30):
        WidgetFactory(dashboard=DashboardFactory(owner=alice, project=project, name=f"D{index}"))
    return rich


def drf_bytes(data) -> bytes:
    return JSONRenderer().render(data, "application/json", {})


@pytest.mark.parametrize(
    "path",
    [
        "/api/dashboards/RICH",
        "/api/dashboards?$top=50",
        "/api/dashboards?$top=5&$orderby=name desc",
        f"{V1}/dashboards/list?scope=user,project",
        f"{V1}/dashboards/PROJECT/RICH",
        "/api/widget-types",
        "/api/users/me",
        "/api/dashboards/RICH/widgets/k/data",
        "/api/dashboards/00000000-0000-0000-0000-000000000000",  # an error body
    ],
)
def test_bodies_are_byte_for_byte_what_drf_rendered(client_for, alice, project, dashboards, path):
    path = path.replace("RICH", str(dashboards.pk)).replace("PROJECT", str(project.pk))
    response = client_for(alice).get(path)
    assert response["Content-Type"] == "application/json"
    assert response.content == drf_bytes(response.data)
    json.loads(response.content)


@pytest.mark.parametrize(
    "value",
    [
        {"small": 1e-05},  # Python: 1e-05, orjson: 0.00001
        {"small": 9.99e-5},
        {"tiny": 1.2e-7},
        {"huge": 2**70},  # beyond orjson's 64 bits
        {"line": "a\u2028b\u2029c"},
        {"ok": [1, 2.5, "x", None]},
    ],
)
def test_renderer_falls_back_where_orjson_would_differ(value):
    assert FastJSONRenderer().render(value, "application/json", {}) == drf_bytes(value)


def test_indent_is_drfs(alice):
    rendered = FastJSONRenderer().render({"a": [1]}, "application/json; indent=2", {})
    assert rendered == JSONRenderer().render({"a": [1]}, "application/json; indent=2", {})
    assert b"\n" in rendered


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", " application/json "])
def test_plain_json_accept_headers_get_json(client_for, alice, dashboards, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = client_for(alice).get(f"{API}/dashboards/{dashboards.pk}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == "Rich"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}, ""),
        ({}, "?format=api"),
    ],
)
def test_browsers_still_get_the_browsable_api(alice, dashboards, headers, query):
    browser = APIClient()
    browser.force_login(alice)
    response = browser.get(f"{API}/dashboards/{dashboards.pk}{query}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Rich" in response.content.decode()


def test_unacceptable_accept_is_406_as_before(client_for, alice, dashboards):
    response = client_for(alice).get(f"{API}/dashboards/{dashboards.pk}", HTTP_ACCEPT="image/png")
    assert response.status_code == 406


def test_uuids_and_text_that_look_like_numbers_keep_the_fast_path(monkeypatch):
    calls = []
    monkeypatch.setattr(JSONRenderer, "render", lambda *args: calls.append(1) or b"")
    body = {"id": "5286ad12-1e76-0ca6-734e-3c0aafc766c7", "name": "v 0.0000 e-3", "n": [1.5, 2]}
    assert (
        FastJSONRenderer().render(body, "application/json", {})
        == json.dumps(body, separators=(",", ":")).encode()
    )
    assert calls == []


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text(alphabet='0123456789.e-+:,[]{} abc"', max_size=12),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_any_body_is_byte_for_byte_drfs(value):
    assert FastJSONRenderer().render(value, "application/json", {}) == drf_bytes(value)
