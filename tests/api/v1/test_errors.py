"""Every v1 error is `{"data": null, "message", "status", "code"}`: the SPEC's bad-input list,
authentication, unknown routes, methods and media types. Nothing is written on a refusal."""

import json
import uuid

import pytest
from rest_framework.throttling import UserRateThrottle

from dashboards.models import Dashboard
from tests.api.v1.conftest import V1, error, ok, save_body
from tests.factories import DashboardFactory

pytestmark = pytest.mark.django_db

ANY = "00000000-0000-4000-8000-000000000000"
ROUTES = [
    ("get", f"{V1}/dashboards/list"),
    ("get", f"{V1}/dashboards/{ANY}/list"),
    ("get", f"{V1}/dashboards/{ANY}/{ANY}"),
    ("delete", f"{V1}/dashboards/{ANY}/{ANY}"),
    ("post", f"{V1}/dashboards/{ANY}/save"),
    ("get", f"{V1}/projects/list"),
    ("get", f"{V1}/projects/{ANY}"),
    ("delete", f"{V1}/projects/{ANY}"),
    ("post", f"{V1}/projects/save"),
    ("get", f"{V1}/projects/{ANY}/members"),
    ("post", f"{V1}/projects/{ANY}/members"),
    ("delete", f"{V1}/projects/{ANY}/members/1"),
    ("get", f"{V1}/users/me"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_every_route_without_auth_is_401(api_client, method, url):
    response = getattr(api_client, method)(url, {}, format="json")
    assert "credentials" in error(response, 401, "NOT_AUTHENTICATED").lower()
    assert response["WWW-Authenticate"]


def test_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    error(api_client.get(f"{V1}/dashboards/list"), 401, "NOT_AUTHENTICATED")


@pytest.mark.parametrize(
    "path",
    [
        f"{V1}/nope",
        f"{V1}/",
        f"{V1}/dashboards/list/",
        f"{V1}/dashboards/{ANY}/{ANY}/widgets",
        f"{V1}/projects/{ANY}/members/1/extra",
    ],
)
def test_unknown_route_is_404_in_the_envelope(client_for, alice, path):
    assert path in error(client_for(alice).get(path), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", f"{V1}/dashboards/list"),
        ("get", f"{V1}/dashboards/{ANY}/save"),
        ("post", f"{V1}/dashboards/{ANY}/{ANY}"),
        ("patch", f"{V1}/projects/{ANY}"),
        ("post", f"{V1}/users/me"),
    ],
)
def test_wrong_method_is_405(client_for, alice, method, url):
    error(getattr(client_for(alice), method)(url, {}, format="json"), 405, "METHOD_NOT_ALLOWED")


def test_throttled_is_429(client_for, alice, monkeypatch, settings):
    settings.API_THROTTLE_READS = True
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1/min", "anon": "1/min"})
    client = client_for(alice)
    statuses = [client.get(f"{V1}/users/me").status_code for _ in range(3)]
    assert statuses[-1] == 429
    response = client.get(f"{V1}/users/me")
    error(response, 429, "RATE_LIMITED")
    assert int(response["Retry-After"]) > 0


# --- Bad input on save ---------------------------------------------------------------------


@pytest.fixture
def save(client_for, alice, project):
    client = client_for(alice)
    url = f"{V1}/dashboards/{project.pk}/save"

    def post(body, **kwargs):
        if "content_type" in kwargs:
            return client.post(url, body, **kwargs)
        return client.post(url, body, format="json")

    return post


def _widget(**overrides):
    return {"id": "w", "type": "text", "title": "T", "size": "small", "config": {}, **overrides}


def test_invalid_json_is_400(save):
    response = save('{"dashboard": {"name": "x",', content_type="application/json")
    assert "JSON" in error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_body_that_is_not_an_object_is_400(save, body):
    error(save(body, content_type="application/json"), 400, "VALIDATION_ERROR")
    assert not Dashboard.objects.exists()


def test_unsupported_media_type_is_415(save):
    response = save("name=x", content_type="text/plain")
    error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dashboard": "Sales"}, "dashboard"),
        ({}, "dashboard"),
        ({"dashboard": {}}, "name"),
        (save_body(5), "name"),
        (save_body(None), "name"),
        (save_body(""), "name"),
        (save_body("x" * 201), "name"),
        (save_body("Ok", version="1"), "version"),
        (save_body("Ok", version=0), "version"),
        (save_body("Ok", version=True), "version"),
        ({"scope": 5, "dashboard": {"name": "Ok"}}, "scope"),
        ({"scope": "team", "dashboard": {"name": "Ok"}}, "scope"),
        (save_body("Ok", {"description": "d" * 2001}), "description"),
        (save_body("Ok", {"type": "Not A Slug"}), "type"),
        (save_body("Ok", {"refreshInterval": 3}), "refresh"),
        (save_body("Ok", {"refreshInterval": -1}), "refresh"),
        (save_body("Ok", {"widgets": [_widget(title="t" * 201)]}), "title"),
        (save_body("Ok", {"widgets": [_widget(size="huge")]}), "size"),
        (save_body("Ok", {"widgets": [_widget(config=[])]}), "config"),
        (save_body("Ok", {"widgets": [_widget(id=7)]}), "id"),
        (save_body("Ok", {"widgets": [_widget(id="has space")]}), "id"),
        (save_body("Ok", {"widgets": [_widget(), _widget()]}), "used twice"),
        (save_body("Ok", {"widgets": [_widget(data={"x": 1})]}), "data"),
        (save_body("Ok", {"widgets": ["text"]}), "widgets[0]"),
    ],
)
def test_bad_save_input_is_400_and_writes_nothing(save, body, field):
    message = error(save(body), 400, "VALIDATION_ERROR")
    assert field in message
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize("widget_type", ["sparkline", "", None, 3])
def test_unknown_widget_type_is_invalid_widget_type(save, widget_type):
    body = save_body("Ok", {"widgets": [_widget(), _widget(id="x", type=widget_type)]})
    message = error(save(body), 400, "INVALID_WIDGET_TYPE")
    assert "not supported" in message
    assert not Dashboard.objects.exists()


def test_unknown_widget_type_on_update_changes_nothing(save, alice, project):
    dashboard = DashboardFactory(owner=alice, project=project, name="Keep")
    body = save_body("Changed", {"widgets": [_widget(type="sparkline")]}, id=str(dashboard.pk))
    error(save(body), 400, "INVALID_WIDGET_TYPE")
    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.version) == ("Keep", 1)


def test_definition_over_256_kib_is_400(save):
    body = save_body("Big", {"layout": "x" * (256 * 1024)})
    message = error(save(body), 400, "VALIDATION_ERROR")
    assert "limit" in message
    assert not Dashboard.objects.exists()


def test_more_than_100_widgets_is_400(save):
    widgets = [_widget(id=f"w{i}") for i in range(101)]
    message = error(save(save_body("Many", {"widgets": widgets})), 400, "VALIDATION_ERROR")
    assert "100" in message
    assert not Dashboard.objects.exists()


def test_exactly_100_widgets_is_fine(save):
    widgets = [_widget(id=f"w{i}") for i in range(100)]
    data = ok(save(save_body("Hundred", {"widgets": widgets})), status=201)
    assert Dashboard.objects.get(pk=data["id"]).widgets.count() == 100


def test_body_over_1_mib_is_413(save):
    body = json.dumps(save_body("Huge", {"blob": "x" * (1024 * 1024)}))
    response = save(body, content_type="application/json")
    assert "1 MiB" in error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Dashboard.objects.exists()


# --- Non-UUID ids and unknown scopes everywhere ------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "name"),
    [
        ("get", f"{V1}/dashboards/nope/list", "project_id"),
        ("get", f"{V1}/dashboards/nope/{ANY}", "project_id"),
        ("get", f"{V1}/dashboards/{ANY}/nope", "dashboard_id"),
        ("delete", f"{V1}/dashboards/{ANY}/12", "dashboard_id"),
        ("post", f"{V1}/dashboards/nope/save", "project_id"),
        ("get", f"{V1}/projects/nope", "project_id"),
        ("delete", f"{V1}/projects/nope", "project_id"),
        ("get", f"{V1}/projects/nope/members", "project_id"),
        ("post", f"{V1}/projects/nope/members", "project_id"),
        ("delete", f"{V1}/projects/nope/members/1", "project_id"),
    ],
)
def test_non_uuid_path_ids_are_400(client_for, alice, method, url, name):
    response = getattr(client_for(alice), method)(url, save_body("x"), format="json")
    assert name in error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"{V1}/dashboards/list?scope=team"),
        ("get", f"{V1}/dashboards/{ANY}/list?scope=team"),
        ("get", f"{V1}/dashboards/{ANY}/{ANY}?scope=team"),
        ("delete", f"{V1}/dashboards/{ANY}/{ANY}?scope=team"),
    ],
)
def test_unknown_scope_is_400(client_for, alice, method, url):
    assert "scope" in error(getattr(client_for(alice), method)(url), 400, "VALIDATION_ERROR")


def test_missing_and_malformed_are_told_apart(client_for, alice, project):
    # A well-formed id that names nothing is 404; only a malformed one is 400.
    client = client_for(alice)
    error(client.get(f"{V1}/dashboards/{project.pk}/{uuid.uuid4()}"), 404, "DASHBOARD_NOT_FOUND")
    error(client.get(f"{V1}/dashboards/{project.pk}/x"), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"layout": "a\u0000b"}, "definition"),
        ({"key\u0000": 1}, "definition"),
        ({"description": "a\u0000"}, "description"),
        ({"widgets": [_widget(title="a\u0000")]}, "widgets[0].title"),
        ({"widgets": [_widget(type="text", config={"markdown": "x\u0000"})]}, "widgets[0].config"),
    ],
)
def test_nul_characters_are_400_not_a_database_error(save, definition, field):
    # PostgreSQL refuses NUL in text and jsonb; it must be a 400 on SQLite too.
    message = error(save(save_body("Nul", definition)), 400, "VALIDATION_ERROR")
    assert message.startswith(f"{field}: ")
    assert not Dashboard.objects.exists()


def test_nul_in_project_metadata_is_400(client_for, charlie):
    response = client_for(charlie).post(
        f"{V1}/projects/save",
        {"project": {"name": "P", "metadata": {"a": "\u0000"}}},
        format="json",
    )
    assert error(response, 400, "VALIDATION_ERROR").startswith("metadata: ")
