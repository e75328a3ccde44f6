"""The OpenAPI schema and its pages: public, per-family tags and errors, typed ids, headers,
examples from the sources; plus the findings schemathesis made (kept fixed here)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from dashboards import exceptions as domain
from dashboards.api import schema as hooks
from dashboards.api.errors import family_for
from dashboards.models import MetricPoint
from tests.factories import DashboardFactory

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3.0 JSON Schema


def test_every_operation_has_one_known_tag(schema):
    known = {tag["name"] for tag in schema["tags"]}
    for path, method, operation in operations(schema):
        assert len(operation["tags"]) == 1, (path, method)
        assert operation["tags"][0] in known, (path, method, operation["tags"])
    tags = {op["tags"][0] for _, _, op in operations(schema)}
    assert {"analytics: dashboards", "v1: dashboards", "v1: projects", "auth"} <= tags
    assert {"widget data", "analytics: user dashboards", "analytics: widget types"} <= tags


def test_each_family_gets_its_own_error_components(schema):
    for path, _method, operation in operations(schema):
        prefix = "V1Error" if family_for(path) == "v1" else "Error"
        refs = [
            r.get("$ref", "")
            for s, r in operation["responses"].items()
            if s >= "400" and s != "414"  # gunicorn's own HTML answer, in neither family
        ]
        assert refs, path
        for ref in refs:
            if ref:
                assert re.match(rf"^#/components/responses/{prefix}[45]\d\d$", ref), (path, ref)
        assert "503" in operation["responses"], path
        assert "401" in operation["responses"], path


def test_uri_too_long_is_gunicorns_html_wherever_the_url_carries_values(schema):
    for path, _method, operation in operations(schema):
        parameters = [p for p in operation.get("parameters", []) if p["in"] in {"path", "query"}]
        if parameters:
            assert operation["responses"]["414"] == {"$ref": "#/components/responses/UriTooLong"}, (
                path
            )
    too_long = schema["components"]["responses"]["UriTooLong"]
    assert list(too_long["content"]) == ["text/html"]


def test_a_body_with_required_fields_is_required_even_on_patch(schema):
    operation = schema["paths"]["/api/users/{user_id}/dashboards/{dashboard_id}"]["patch"]
    assert operation["requestBody"]["required"] is True


def test_odata_options_may_be_sent_empty(schema):
    parameters = schema["paths"]["/api/dashboards"]["get"]["parameters"]
    options = [p for p in parameters if p["name"].startswith("$")]
    assert {p["name"] for p in options} == {"$filter", "$orderby", "$top", "$skip", "$skiptoken"}
    assert all(p["allowEmptyValue"] is True for p in options)


def test_required_strings_must_not_be_blank(schema):
    # DRF trims before checking for blank: "  " is refused like "".
    token = schema["components"]["schemas"]["TokenVerifyBlacklistRequest"]["properties"]["token"]
    assert token["pattern"] == hooks.NON_BLANK_NO_NUL_PATTERN
    assert re.fullmatch(token["pattern"], " a ")
    assert not re.search(token["pattern"], "   ")


def test_token_endpoints_document_their_bodies(schema):
    obtain = schema["paths"]["/api/auth/token/"]["post"]["responses"]["200"]
    ref = obtain["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"access", "refresh"}
    logout = schema["paths"]["/api/auth/logout/"]["post"]["responses"]["200"]
    ref = logout["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"success", "message"}


def test_error_components_carry_the_codes_of_their_status(schema):
    schemas = schema["components"]["schemas"]
    code_404 = schemas["Error404"]["allOf"][1]["properties"]["error"]["properties"]["code"]
    assert {"DASHBOARD_NOT_FOUND", "USER_NOT_FOUND", "NOT_FOUND"} <= set(code_404["enum"])
    v1_412 = schemas["V1Error412"]["allOf"][1]["properties"]
    assert v1_412["code"]["enum"] == ["PRECONDITION_FAILED"]
    assert v1_412["status"]["enum"] == ["conflict"]
    code_400 = schemas["Error400"]["allOf"][1]["properties"]["error"]["properties"]["code"]
    assert {"VALIDATION_ERROR", "INVALID_WIDGET_TYPE", "INVALID_QUERY"} <= set(code_400["enum"])
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message", "details"]
    assert schemas["V1Error"]["required"] == ["data", "message", "status", "code"]


def test_every_domain_error_code_is_documented_under_its_status():
    codes = hooks.codes_by_status()
    assert "DUPLICATE_DASHBOARD" in codes[409]
    assert "PRECONDITION_FAILED" in codes[412]
    assert codes[401] == ["NOT_AUTHENTICATED"]
    documented = {code for found in codes.values() for code in found}
    classes = [domain.DomainError]
    while classes:
        cls = classes.pop()
        assert cls.code in documented, cls
        classes.extend(cls.__subclasses__())


def test_statuses_follow_the_operation(schema):
    put = schema["paths"]["/api/dashboards/{dashboard_id}"]["put"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412", "413", "415", "429"} <= set(put)
    get = schema["paths"]["/api/users/me"]["get"]["responses"]
    assert set(get) == {"200", "401", "429", "503"}
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert "403" not in token
    assert "401" in token
    save = schema["paths"]["/api/v1/dashboards/{project_id}/save"]["post"]["responses"]
    assert {"200", "201", "412"} <= set(save)  # `version` in the body
    assert {"409", "422", "503"} <= set(save)  # Idempotency-Key, database unavailable
    delete = schema["paths"]["/api/dashboards/{dashboard_id}"]["delete"]["responses"]
    assert "200" in delete
    assert "204" not in delete


def test_family_one_list_documents_the_odata_options(schema):
    operation = schema["paths"]["/api/dashboards"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) >= {"$filter", "$orderby", "$top", "$skip"}
    assert (parameters["$top"]["minimum"], parameters["$top"]["maximum"]) == (1, 1000)
    assert parameters["$skip"]["minimum"] == 0


def test_ids_in_paths_are_typed(schema):
    for path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            if parameter["name"] in {"dashboard_id", "project_id"}:
                assert parameter["schema"]["format"] == "uuid", path
            if parameter["name"] == "user_id":
                assert parameter["schema"]["type"] == "integer", path


def test_etag_and_conditional_headers_are_documented(schema):
    detail = schema["paths"]["/api/dashboards/{dashboard_id}"]
    assert "ETag" in detail["get"]["responses"]["200"]["headers"]
    assert any(p["name"] == "If-Match" for p in detail["put"]["parameters"])
    data = schema["paths"]["/api/dashboards/{dashboard_id}/widgets/{widget_id}/data"]["get"]
    assert any(p["name"] == "If-None-Match" for p in data["parameters"])
    assert "ETag" in data["responses"]["304"]["headers"]
    created = schema["paths"]["/api/dashboards"]["post"]["responses"]["201"]["headers"]
    assert {"ETag", "Location"} <= set(created)
    v1_list = schema["paths"]["/api/v1/dashboards/list"]["get"]["responses"]["200"]["headers"]
    assert {"X-Total-Count", "Link"} <= set(v1_list)


def test_security_schemes_are_jwt_and_session(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["cookieAuth"]["in"] == "cookie"
    me = schema["paths"]["/api/users/me"]["get"]
    assert {"jwtAuth": []} in me["security"]
    assert {"cookieAuth": []} in me["security"]


def test_examples_come_from_the_sources(schema):
    create = schema["paths"]["/api/dashboards"]["post"]
    example = create["requestBody"]["content"]["application/json"]["example"]
    assert example["name"] == "Executive Summary"
    assert [w["id"] for w in example["widgets"]] == ["widget_1", "widget_2"]
    save = schema["paths"]["/api/v1/dashboards/{project_id}/save"]["post"]
    assert save["requestBody"]["content"]["application/json"]["example"]["scope"] == "user"


def test_request_bodies_are_json_only(schema):
    for path, _method, operation in operations(schema):
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, path


def test_request_strings_refuse_nul(schema):
    name = schema["components"]["schemas"]["DashboardInputRequest"]["properties"]["name"]
    assert re.fullmatch(name["pattern"], "Sales")
    assert not re.fullmatch(name["pattern"], "a\x00b")


def test_no_trailing_slash_on_family_one_paths(schema):
    assert "/api/dashboards/{dashboard_id}/widgets/{widget_id}/data" in schema["paths"]
    assert not any(p.endswith("/data/") or p.endswith("/metrics/") for p in schema["paths"])


# --- The pages ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_pages_need_no_login(client, url):
    response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_schema_ignores_a_bad_token(client):
    # An expired token in Swagger UI's storage must not lock a person out of the docs.
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Dashboards API"


@pytest.mark.django_db
def test_docs_pages_load_assets_from_this_host(client):
    swagger = client.get("/api/docs/").content.decode()
    redoc = client.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in swagger
    assert '<script src="/api/redoc/redoc.standalone.js">' in redoc
    for page in (swagger, redoc):
        assert "https://" not in page
        assert "http://" not in page


@pytest.mark.django_db
def test_redoc_page_keeps_the_browser_on_this_host(client):
    policy = client.get("/api/redoc/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy
    # ReDoc's bundle, served with its one third-party URL (a logo) made an inline image.
    bundle = client.get("/api/redoc/redoc.standalone.js")
    assert bundle.status_code == 200
    assert bundle["Content-Type"].startswith("application/javascript")
    text = b"".join(bundle.streaming_content) if bundle.streaming else bundle.content
    assert b"cdn.redoc.ly" not in text
    assert b"Redoc" in text
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=bundle["ETag"])
    assert again.status_code == 304


# --- Findings of the schemathesis run, kept fixed ----------------------------------------


@pytest.mark.django_db
def test_options_on_a_dashboard_is_not_a_500(client_for, alice):
    dashboard = DashboardFactory(owner=alice)
    client = client_for(alice)
    for url in (f"/api/dashboards/{dashboard.pk}", f"/api/users/{alice.pk}/dashboards/order"):
        response = client.options(url)
        assert response.status_code == 200, url
        assert "PUT" in response["Allow"]


@pytest.mark.django_db
def test_ingestion_refuses_nul_in_a_dimension(client_for, alice, project):
    body = {
        "points": [
            {
                "metric": "deals",
                "timestamp": "2026-01-03T10:00:00Z",
                "value": 1,
                "dimensions": {"region": "no\x00rth"},
            }
        ]
    }
    response = client_for(alice).post(f"/api/projects/{project.pk}/metrics", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "points[0].dimensions" in response.json()["error"]["details"]
    assert not MetricPoint.objects.exists()


IDEMPOTENT_OPERATIONS = {
    ("/api/dashboards", "post"),
    ("/api/users/{user_id}/dashboards", "post"),
    ("/api/projects/{project_id}/metrics", "post"),
    ("/api/v1/dashboards/{project_id}/save", "post"),
    ("/api/v1/projects/save", "post"),
    ("/api/v1/projects/{project_id}/members", "post"),
    ("/api/projects/{project_id}/import", "post"),
    ("/api/dashboards/{dashboard_id}/duplicate", "post"),
    ("/api/v1/projects/{project_id}/import", "post"),
    ("/api/v1/dashboards/{project_id}/{dashboard_id}/duplicate", "post"),
    ("/api/dashboards/{dashboard_id}/shares", "post"),
    ("/api/v1/dashboards/{project_id}/{dashboard_id}/shares", "post"),
}


def test_idempotency_key_is_documented_on_every_post_that_creates(schema):
    found = set()
    for path, method, operation in operations(schema):
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        if "Idempotency-Key" in names:
            found.add((path, method))
            assert "422" in operation["responses"], path
    assert found == IDEMPOTENT_OPERATIONS


HISTORY_AND_TRANSFER = {
    "dashboard_versions_list": "200",
    "dashboard_version_retrieve": "200",
    "dashboard_version_diff": "200",
    "dashboard_version_restore": "200",
    "dashboard_export": "200",
    "project_export": "200",
    "project_import": "200",
    "dashboard_duplicate": "201",
    "v1_dashboard_versions_list": "200",
    "v1_dashboard_version_load": "200",
    "v1_dashboard_version_diff": "200",
    "v1_dashboard_version_restore": "200",
    "v1_project_export": "200",
    "v1_project_import": "200",
    "v1_dashboard_duplicate": "201",
}


def test_history_and_transfer_operations_have_examples_and_tags(schema):
    found = {op["operationId"]: (path, op) for path, _method, op in operations(schema)}
    for operation_id, status in HISTORY_AND_TRANSFER.items():
        path, operation = found[operation_id]
        media = operation["responses"][status]["content"]["application/json"]
        assert "example" in media, operation_id
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert "example" in body, operation_id
        assert operation["tags"][0].endswith(("history", "transfer")), (path, operation["tags"])


def test_the_diff_example_is_what_the_diff_code_answers(schema):
    operation = schema["paths"]["/api/dashboards/{dashboard_id}/versions/{number}/diff"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["patch"][-1] == {
        "op": "replace",
        "path": "/widgets/0/title",
        "value": "Quarterly Revenue",
    }
    assert example["summary"]["widgetsRemoved"] == ["widget_2"]


def test_new_routes_document_their_headers_and_version_numbers(schema):
    paths = schema["paths"]
    restore = paths["/api/dashboards/{dashboard_id}/versions/{number}/restore"]["post"]
    assert {"412", "409", "403"} <= set(restore["responses"])
    assert "ETag" in restore["responses"]["200"]["headers"]
    number = next(p for p in restore["parameters"] if p["name"] == "number")
    assert number["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    duplicate = paths["/api/dashboards/{dashboard_id}/duplicate"]["post"]["responses"]["201"]
    assert {"ETag", "Location"} <= set(duplicate["headers"])
    export = paths["/api/projects/{project_id}/export"]["get"]["responses"]["200"]
    assert "Content-Disposition" in export["headers"]
    v1_restore = paths["/api/v1/dashboards/{project_id}/{dashboard_id}/versions/{number}/restore"]
    assert "412" in v1_restore["post"]["responses"]  # `version` in its body


def _operation(schema, operation_id):
    return next(op for _, _, op in operations(schema) if op["operationId"] == operation_id)


@pytest.mark.parametrize(
    "operation_id", ["dashboards_retrieve", "v1_dashboard_load", "dashboard_widget_data"]
)
def test_reads_that_compute_widget_data_document_the_variables(schema, operation_id):
    operation = _operation(schema, operation_id)
    parameter = next(p for p in operation["parameters"] if p["name"] == "var-timeRange")
    assert parameter["in"] == "query"
    assert "last_7_days" in parameter["schema"]["anyOf"][0]["enum"]
    assert "var-<name>" in parameter["description"]
    assert 400 in {int(code) for code in operation["responses"]}


def test_responses_say_which_variable_values_applied(schema):
    components = schema["components"]["schemas"]
    assert components["Dashboard"]["properties"]["variables"] == {
        "$ref": "#/components/schemas/AppliedVariables"
    }
    assert "variables" in components["V1Dashboard"]["properties"]
    assert "variables" in components["WidgetData"]["properties"]


def test_widget_data_documents_its_csv_form(schema):
    operation = _operation(schema, "dashboard_widget_data")
    formats = next(p for p in operation["parameters"] if p["name"] == "format")
    assert formats["schema"]["enum"] == ["json", "csv"]
    ok = operation["responses"]["200"]
    assert set(ok["content"]) == {"application/json", "text/csv"}
    assert "Content-Disposition" in ok["headers"]
    assert set(operation["responses"]["503"]["content"]) == {"application/json"}
