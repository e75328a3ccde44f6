"""SPEC "Bad input": every malformed request is a 4xx in the family-1 format, and nothing
is written."""

import json

import pytest

from dashboards import services
from dashboards.models import Dashboard, Widget
from tests.api.analytics.conftest import API, error

pytestmark = pytest.mark.django_db

TEXT = {"type": "text"}


def assert_nothing_written(before: tuple[int, int]) -> None:
    assert (Dashboard.objects.count(), Widget.objects.count()) == before


@pytest.fixture
def existing(alice):
    return services.dashboard_create(user=alice, name="Existing", widgets=[{"id": "w", **TEXT}])


def counts() -> tuple[int, int]:
    return Dashboard.objects.count(), Widget.objects.count()


BAD_CREATES = [
    # (body, status, code, field named in details)
    ({"name": 123}, 400, "VALIDATION_ERROR", "name"),
    ({"name": ["x"]}, 400, "VALIDATION_ERROR", "name"),
    ({}, 400, "VALIDATION_ERROR", "name"),
    ({"name": ""}, 400, "VALIDATION_ERROR", "name"),
    ({"name": "x" * 201}, 400, "VALIDATION_ERROR", "name"),
    ({"name": "ok", "description": "d" * 2001}, 400, "VALIDATION_ERROR", "description"),
    ({"name": "ok", "refreshInterval": "60"}, 400, "VALIDATION_ERROR", "refreshInterval"),
    ({"name": "ok", "refreshInterval": 3}, 400, "VALIDATION_ERROR", "refreshInterval"),
    ({"name": "ok", "refreshInterval": 86401}, 400, "VALIDATION_ERROR", "refreshInterval"),
    ({"name": "ok", "refreshInterval": -1}, 400, "VALIDATION_ERROR", "refreshInterval"),
    ({"name": "ok", "refreshInterval": True}, 400, "VALIDATION_ERROR", "refreshInterval"),
    ({"name": "ok", "type": "Not A Slug"}, 400, "VALIDATION_ERROR", "type"),
    ({"name": "ok", "scope": "team"}, 400, "VALIDATION_ERROR", "scope"),
    ({"name": "ok", "projectId": "not-a-uuid"}, 400, "VALIDATION_ERROR", "projectId"),
    ({"name": "ok", "projectId": 5}, 400, "VALIDATION_ERROR", "projectId"),
    ({"name": "ok", "definition": []}, 400, "VALIDATION_ERROR", "definition"),
    ({"name": "ok", "definition": {"widgets": []}}, 400, "VALIDATION_ERROR", "definition"),
    ({"name": "ok", "widgets": "x"}, 400, "VALIDATION_ERROR", "widgets"),
    ({"name": "ok", "widgets": [1]}, 400, "VALIDATION_ERROR", "widgets[0]"),
    ({"name": "ok", "widgets": [{"type": "nope"}]}, 400, "INVALID_WIDGET_TYPE", None),
    ({"name": "ok", "widgets": [{"type": 7}]}, 400, "INVALID_WIDGET_TYPE", None),
    (
        {"name": "ok", "widgets": [{**TEXT, "size": "huge"}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].size",
    ),
    (
        {"name": "ok", "widgets": [{"type": "kpi", "size": "full", "config": {"metric": "m"}}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].size",
    ),
    (
        {"name": "ok", "widgets": [{"type": "kpi", "size": "small"}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].config",
    ),
    (
        {"name": "ok", "widgets": [{**TEXT, "config": []}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].config",
    ),
    (
        {"name": "ok", "widgets": [{**TEXT, "config": {"markdown": 5}}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].config.markdown",
    ),
    (
        {"name": "ok", "widgets": [{**TEXT, "title": "t" * 201}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].title",
    ),
    (
        {"name": "ok", "widgets": [{**TEXT, "id": "i" * 65}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].id",
    ),
    ({"name": "ok", "widgets": [{**TEXT, "id": "a b"}]}, 400, "VALIDATION_ERROR", "widgets[0].id"),
    (
        {"name": "ok", "widgets": [{**TEXT, "id": "a"}, {**TEXT, "id": "a"}]},
        400,
        "VALIDATION_ERROR",
        "widgets[1].id",
    ),
    (
        {"name": "ok", "widgets": [{**TEXT, "colour": "red"}]},
        400,
        "VALIDATION_ERROR",
        "widgets[0].colour",
    ),
    ({"name": "ok", "widgets": [TEXT] * 101}, 400, "VALIDATION_ERROR", "widgets"),
    ({"name": "nul\u0000byte"}, 400, "VALIDATION_ERROR", "name"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_CREATES)
def test_bad_create_is_refused_and_writes_nothing(client_for, alice, body, status, code, field):
    before = counts()
    err = error(client_for(alice).post(f"{API}/dashboards", body, format="json"), status, code)
    if field is not None:
        assert field in err["details"], err
    assert_nothing_written(before)


def test_definition_over_256_kib_is_refused(client_for, alice):
    body = {"name": "big", "definition": {"blob": "x" * (256 * 1024)}}
    err = error(
        client_for(alice).post(f"{API}/dashboards", body, format="json"), 400, "VALIDATION_ERROR"
    )
    assert "definition" in err["details"]
    assert not Dashboard.objects.exists()


def test_body_over_1_mib_is_413(client_for, alice):
    body = {"name": "huge", "definition": {"blob": "x" * (1024 * 1024)}}
    response = client_for(alice).post(f"{API}/dashboards", body, format="json")
    error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize("raw", ["{", "not json", '{"name": "x",}', "\x00"])
def test_invalid_json_is_400(client_for, alice, raw):
    response = client_for(alice).post(f"{API}/dashboards", raw, content_type="application/json")
    error(response, 400, "VALIDATION_ERROR")
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"name"', "42", "null"])
def test_body_that_is_not_an_object_is_400(client_for, alice, raw):
    response = client_for(alice).post(f"{API}/dashboards", raw, content_type="application/json")
    error(response, 400, "VALIDATION_ERROR")
    assert not Dashboard.objects.exists()


def test_unsupported_media_type_is_415(client_for, alice):
    response = client_for(alice).post(f"{API}/dashboards", "name=x", content_type="text/plain")
    error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_wrong_method_is_405(client_for, alice, existing):
    error(
        client_for(alice).post(f"{API}/dashboards/{existing.pk}", {}, format="json"),
        405,
        "METHOD_NOT_ALLOWED",
    )


def test_unknown_api_route_is_404_in_family_format(client_for, alice):
    error(client_for(alice).get(f"{API}/nothing-here"), 404, "NOT_FOUND")


def test_bad_update_leaves_dashboard_unchanged(client_for, alice, existing):
    body = {"name": "New", "widgets": [{"id": "w", **TEXT}, {"type": "nope"}]}
    error(
        client_for(alice).put(f"{API}/dashboards/{existing.pk}", body, format="json"),
        400,
        "INVALID_WIDGET_TYPE",
    )
    existing.refresh_from_db()
    assert (existing.name, existing.version) == ("Existing", 1)
    assert list(existing.widgets.values_list("key", flat=True)) == ["w"]


def test_bad_patch_types_are_400(client_for, alice, existing):
    for body in ({"refreshInterval": "x"}, {"scope": "nobody"}, {"definition": "{}"}):
        error(
            client_for(alice).patch(f"{API}/dashboards/{existing.pk}", body, format="json"),
            400,
            "VALIDATION_ERROR",
        )
    existing.refresh_from_db()
    assert existing.version == 1


@pytest.mark.parametrize(
    "params",
    [
        {"$top": "0"},
        {"$top": "1001"},
        {"$top": "abc"},
        {"$skip": "-1"},
        {"$skip": "x"},
        {"$filter": "owner/password eq 'x'"},
        {"$expand": "owner"},
    ],
)
def test_bad_list_options_are_invalid_query(client_for, alice, params):
    error(client_for(alice).get(f"{API}/dashboards", params), 400, "INVALID_QUERY")


@pytest.mark.parametrize(
    "query", ["%24skip=null&%24skip=null", "%24skip=1&%24skip=2", "%24top=1&%24top=1"]
)
def test_repeated_list_option_is_invalid_query(client_for, alice, query):
    error(client_for(alice).get(f"{API}/dashboards?{query}"), 400, "INVALID_QUERY")


def test_details_use_camel_case_names(client_for, alice):
    body = json.dumps({"name": "ok", "refreshInterval": 2})
    response = client_for(alice).post(f"{API}/dashboards", body, content_type="application/json")
    assert "refreshInterval" in error(response, 400, "VALIDATION_ERROR")["details"]


HUGE = "9" * 30


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "", {"dashboardId": "00000000-0000-4000-8000-000000000000"}),
        ("delete", "/00000000-0000-4000-8000-000000000000", None),
        ("patch", "/00000000-0000-4000-8000-000000000000", {"isDefault": True}),
    ],
)
def test_out_of_range_user_id_is_user_not_found(client_for, superuser, method, suffix, body):
    url = f"{API}/users/{HUGE}/dashboards{suffix}"
    kwargs = {"format": "json"} if body is not None else {}
    response = getattr(client_for(superuser), method)(url, *([body] if body else []), **kwargs)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] in {"USER_NOT_FOUND", "DASHBOARD_NOT_FOUND"}


def test_messages_name_fields_in_camel_case(client_for, alice):
    response = client_for(alice).post(
        f"{API}/dashboards", {"name": "W", "refreshInterval": 1}, format="json"
    )
    err = error(response, 400, "VALIDATION_ERROR")
    assert err["message"].startswith("refreshInterval:")
