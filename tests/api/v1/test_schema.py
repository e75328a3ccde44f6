"""The OpenAPI schema documents every v1 route with the envelope around its data."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_v1_route_has_its_own_operation(schema):
    operations = {
        (path, method): operation["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("/api/v1/dashboards/list", "get"),
        ("/api/v1/dashboards/{project_id}/list", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}", "delete"),
        ("/api/v1/dashboards/{project_id}/save", "post"),
        ("/api/v1/projects/list", "get"),
        ("/api/v1/projects/save", "post"),
        ("/api/v1/projects/{project_id}", "get"),
        ("/api/v1/projects/{project_id}", "delete"),
        ("/api/v1/projects/{project_id}/members", "get"),
        ("/api/v1/projects/{project_id}/members", "post"),
        ("/api/v1/projects/{project_id}/members/{user_id}", "delete"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/versions", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/versions/{number}", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/versions/{number}/diff", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/versions/{number}/restore", "post"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/duplicate", "post"),
        ("/api/v1/projects/{project_id}/export", "get"),
        ("/api/v1/projects/{project_id}/import", "post"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/shares", "get"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/shares", "post"),
        ("/api/v1/dashboards/{project_id}/{dashboard_id}/shares/{share_id}", "delete"),
    }
    assert len(set(operations.values())) == len(operations)


def test_list_response_is_the_envelope_around_a_list(schema):
    response = schema["paths"]["/api/v1/dashboards/list"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    component = schema["components"]["schemas"][ref]
    assert set(component["properties"]) == {"data", "message", "status"}
    assert component["properties"]["data"]["type"] == "array"
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/dashboards/list"]["get"]["parameters"]
    }
    assert parameters == {
        "scope",
        "limit",
        "offset",
        "cursor",
        "name",
        "type",
        "created_at_after",
        "created_at_before",
        "updated_at_after",
        "updated_at_before",
    }
