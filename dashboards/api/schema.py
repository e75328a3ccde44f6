"""OpenAPI hooks: what every operation of a family has in common, added in one place.

Views describe their own bodies (inference, or `extend_schema` where inference fails).
These hooks add what follows from the path alone, so that no view can forget it:
- a tag per family and resource ("analytics: dashboards", "v1: projects", "auth", ...);
- the family's error responses, per status, with the codes that status can carry (the
  statuses an operation can answer follow from its method, parameters and body);
- response headers (`ETag`, `Location`, paging headers) named in `RESPONSE_HEADERS`.
A response a view already declares is never replaced. Decisions: docs/openapi.md.
"""

import re
from typing import Any

from dashboards import exceptions as domain
from dashboards.api.errors import describe, family_for
from dashboards.api.schema_examples import REQUEST_EXAMPLES, RESPONSE_EXAMPLES
from dashboards.api.v1.filters import PARAMETERS as V1_FILTER_PARAMETERS

# --- Tags -----------------------------------------------------------------------------

# First match wins; every API path must match one (tests/api/test_openapi.py checks).
TAG_RULES: list[tuple[str, str]] = [
    (r"^/api/v1/dashboards/[^/]+/[^/]+/versions", "v1: history"),
    (r"^/api/v1/dashboards/[^/]+/[^/]+/duplicate", "v1: transfer"),
    (r"^/api/v1/dashboards/[^/]+/[^/]+/shares", "v1: sharing"),
    (r"^/api/v1/projects/[^/]+/(export|import)", "v1: transfer"),
    (r"^/api/v1/dashboards", "v1: dashboards"),
    (r"^/api/v1/projects", "v1: projects"),
    (r"^/api/v1/users", "v1: users"),
    (r"^/api/auth/", "auth"),
    (r"^/api/projects/[^/]+/metrics", "widget data"),
    (r"^/api/dashboards/[^/]+/widgets/[^/]+/data", "widget data"),
    (r"^/api/users/me$", "analytics: users"),
    (r"^/api/users/", "analytics: user dashboards"),
    (r"^/api/dashboards/[^/]+/versions", "analytics: history"),
    (r"^/api/dashboards/[^/]+/(export|duplicate)", "analytics: transfer"),
    (r"^/api/dashboards/[^/]+/shares", "analytics: sharing"),
    (r"^/api/shared/", "analytics: sharing"),
    (r"^/api/projects/[^/]+/(export|import)", "analytics: transfer"),
    (r"^/api/dashboards", "analytics: dashboards"),
    (r"^/api/widget-types", "analytics: widget types"),
]
TAGS: list[dict[str, str]] = [
    {
        "name": "analytics: dashboards",
        "description": "API family 1 (camelCase): dashboards with their widgets and data; "
        "lists take OData `$filter`, `$orderby`, `$top`, `$skip`.",
    },
    {
        "name": "analytics: user dashboards",
        "description": "API family 1: dashboards assigned to a user, the default one, order.",
    },
    {
        "name": "analytics: history",
        "description": "A dashboard's versions, RFC 6902 diffs (widgets matched by id), restore.",
    },
    {
        "name": "analytics: transfer",
        "description": "Export a dashboard or a project, import with a dry-run plan, duplicate.",
    },
    {
        "name": "analytics: sharing",
        "description": "Read-only links that work without login (make, list, revoke) and "
        "the anonymous read through one (docs/sharing.md).",
    },
    {"name": "analytics: widget types", "description": "The widget type registry."},
    {"name": "analytics: users", "description": "Who the token belongs to (family 1)."},
    {
        "name": "widget data",
        "description": "Metric ingestion and one widget's data with `ETag`/`If-None-Match`.",
    },
    {
        "name": "v1: dashboards",
        "description": "API family 2 (snake_case, `{data, message, status}` envelope): "
        "project-scoped dashboards saved as one definition document.",
    },
    {"name": "v1: projects", "description": "API family 2: projects and their members."},
    {"name": "v1: history", "description": "API family 2: versions, diffs, restore."},
    {"name": "v1: transfer", "description": "API family 2: export, import, duplicate."},
    {"name": "v1: sharing", "description": "API family 2: a dashboard's share links."},
    {"name": "v1: users", "description": "Who the token belongs to (family 2)."},
    {"name": "auth", "description": "JWT: obtain, refresh (rotating), verify, logout."},
]

# --- Errors ---------------------------------------------------------------------------

STATUS_TEXT = {
    400: "Bad input: malformed JSON, wrong types, invalid values or query options.",
    401: "Missing, invalid or expired credentials.",
    403: "Visible to you, but you may not do this.",
    404: "Missing, or not visible to you (the two are never told apart).",
    409: "Conflicts with the current state (a duplicate name or id).",
    412: "The version you edited is no longer current (`If-Match` or `version`).",
    413: "The request body is larger than its route takes (1 MiB; imports 16 MiB).",
    415: "The body is not JSON (or a form the browsable API sends).",
    422: "The `Idempotency-Key` was already used with another request.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
}
# Codes that come from DRF or Django rather than a domain error class (dashboards/api/errors.py).
FRAMEWORK_CODES = {
    400: {"VALIDATION_ERROR"},
    401: {"NOT_AUTHENTICATED"},
    403: {"PERMISSION_DENIED"},
    404: {"NOT_FOUND"},
    413: {"PAYLOAD_TOO_LARGE"},
    415: {"UNSUPPORTED_MEDIA_TYPE"},
    429: {"RATE_LIMITED"},
    503: {"SERVICE_UNAVAILABLE"},
}
SAFE_METHODS = {"get", "head", "options"}
WRITE_METHODS = {"post", "put", "patch"}


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def codes_by_status() -> dict[int, list[str]]:
    """Every code each status can carry: each domain error class through the same mapping
    the exception handler uses, plus the framework's own codes."""
    codes: dict[int, set[str]] = {status: set(found) for status, found in FRAMEWORK_CODES.items()}
    for cls in _subclasses(domain.DomainError):
        status, code, _message, _details = describe(cls())
        codes.setdefault(status, set()).add(code)
    return {status: sorted(found) for status, found in sorted(codes.items())}


def _error_schemas(codes: dict[int, list[str]]) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "description": 'Family 1 error: `{"error": {"code", "message", "details"}}`.',
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "description": "Machine-readable code."},
                        "message": {"type": "string", "description": "What is wrong."},
                        "details": {
                            "type": "object",
                            "additionalProperties": {},
                            "nullable": True,
                            "description": "For VALIDATION_ERROR: field name → messages.",
                        },
                    },
                    "required": ["code", "message", "details"],
                }
            },
            "required": ["error"],
        },
        "V1Error": {
            "type": "object",
            "description": "Family 2 error envelope.",
            "properties": {
                "data": {"type": "object", "nullable": True, "enum": [None]},
                "message": {"type": "string", "description": "What is wrong."},
                "status": {
                    "type": "string",
                    "enum": ["error", "conflict"],
                    "description": "`conflict` for 409 and 412, `error` otherwise.",
                },
                "code": {"type": "string", "description": "Machine-readable code."},
            },
            "required": ["data", "message", "status", "code"],
        },
    }
    for status, found in codes.items():
        if status not in STATUS_TEXT:
            continue
        code = {"type": "string", "enum": found}
        v1_status = "conflict" if status in {409, 412} else "error"
        schemas[f"Error{status}"] = {
            "allOf": [
                {"$ref": "#/components/schemas/Error"},
                {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {"code": code}}},
                },
            ]
        }
        schemas[f"V1Error{status}"] = {
            "allOf": [
                {"$ref": "#/components/schemas/V1Error"},
                {
                    "type": "object",
                    "properties": {
                        "code": code,
                        "status": {"type": "string", "enum": [v1_status]},
                    },
                },
            ]
        }
    return schemas


def _error_example(family: str, status: int, code: str) -> dict[str, Any]:
    message = STATUS_TEXT[status].split(";")[0].rstrip(".") + "."
    if family == "v1":
        v1_status = "conflict" if status in {409, 412} else "error"
        return {"data": None, "message": message, "status": v1_status, "code": code}
    details = {"name": ["This field is required."]} if status == 400 else None
    return {"error": {"code": code, "message": message, "details": details}}


def _error_responses(codes: dict[int, list[str]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for family, prefix in (("analytics", "Error"), ("v1", "V1Error")):
        for status, text in STATUS_TEXT.items():
            found = codes[status]
            # The source's own codes first in the example (DASHBOARD_NOT_FOUND over NOT_FOUND).
            example_code = next((c for c in found if c.startswith("DASHBOARD_")), found[0])
            response: dict[str, Any] = {
                "description": f"{text} Codes: {', '.join(found)}.",
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{prefix}{status}"},
                        "example": _error_example(family, status, example_code),
                    }
                },
            }
            if status == 401:
                response["headers"] = {
                    "WWW-Authenticate": {"$ref": HEADER_REF + "WWW-Authenticate"}
                }
            if status in {429, 503}:
                response["headers"] = {"Retry-After": {"$ref": HEADER_REF + "Retry-After"}}
            responses[f"{prefix}{status}"] = response
    return responses


def error_statuses(method: str, operation: dict[str, Any], path: str) -> list[int]:
    """The error statuses an operation can answer, from its shape alone."""
    parameters = operation.get("parameters", [])
    # Any operation may find the database unavailable (503, ops/database.py).
    statuses = [401, 429, 503]
    if parameters or "requestBody" in operation:
        statuses.append(400)  # bad query options, non-UUID path ids, bad bodies
    writes = method not in SAFE_METHODS and not path.startswith("/api/auth/")
    if writes or re.search(r"/users/\{[^}]+\}|/shares$", path):
        # writes; another user's assignments are for staff only; a dashboard's share links
        # are for those who may change it
        statuses.append(403)
    # A path id, or an id in a write's body (projectId, dashboardId, a v1 save's id).
    if any(p.get("in") == "path" for p in parameters) or writes:
        statuses.append(404)
    if method in WRITE_METHODS and not path.startswith("/api/auth/"):
        statuses.append(409)
    if any(p.get("in") == "header" and p.get("name") == "If-Match" for p in parameters) or (
        _body_has_version(operation)
    ):
        statuses.append(412)
    if "requestBody" in operation:
        statuses += [413, 415]
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        statuses.append(422)  # a key reused with another request (409 while it runs)
    return sorted(statuses)


_VERSIONED_BODIES: set[str] = set()


def _body_has_version(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    refs = [media.get("schema", {}).get("$ref", "") for media in content.values()]
    return any(ref.rsplit("/", 1)[-1] in _VERSIONED_BODIES for ref in refs)


def _collect_versioned_bodies(schemas: dict[str, Any]) -> set[str]:
    """Request components with a `version` property, directly or one object deeper."""

    def has_version(schema: dict[str, Any], depth: int) -> bool:
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        properties = schema.get("properties", {})
        if "version" in properties:
            return True
        return depth > 0 and any(has_version(p, depth - 1) for p in properties.values())

    return {name for name, schema in schemas.items() if has_version(schema, 1)}


# --- Response headers -----------------------------------------------------------------

HEADER_REF = "#/components/headers/"
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "Strong validator of the current state; send it back in `If-Match` "
        "(writes) or `If-None-Match` (widget data).",
        "schema": {"type": "string"},
    },
    "Location": {"description": "URL of the created resource.", "schema": {"type": "string"}},
    "Last-Modified": {
        "description": "When the data last changed (HTTP date).",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "`private, no-cache`.", "schema": {"type": "string"}},
    "X-Total-Count": {
        "description": "Rows that match, over all pages.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'RFC 8288 `<url>; rel="next"` and `rel="prev"` when those pages exist.',
        "schema": {"type": "string"},
    },
    "Content-Disposition": {
        "description": (
            '`attachment; filename="<name>.json"` (a widget\'s data as CSV: `.csv`): a file '
            "to save."
        ),
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {"description": '`Bearer realm="api"`.', "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
}
# operationId → status → header names. Listed here, next to the header definitions, since
# drf-spectacular has no per-response headers in extend_schema.
RESPONSE_HEADERS: dict[str, dict[str, list[str]]] = {
    "v1_dashboards_list": {"200": ["X-Total-Count", "Link"]},
    "v1_project_dashboards_list": {"200": ["X-Total-Count", "Link"]},
    "v1_projects_list": {"200": ["X-Total-Count", "Link"]},
    "v1_project_members_list": {"200": ["X-Total-Count", "Link"]},
    "v1_dashboard_load": {"200": ["ETag"]},
    "dashboards_retrieve": {"200": ["ETag"]},
    "shared_dashboard_retrieve": {"200": ["ETag"]},
    "dashboards_create": {"201": ["ETag", "Location"]},
    "dashboards_update": {"200": ["ETag"]},
    "dashboards_partial_update": {"200": ["ETag"]},
    "v1_dashboard_save": {"200": ["ETag"], "201": ["ETag", "Location"]},
    "v1_dashboard_versions_list": {"200": ["X-Total-Count", "Link"]},
    "dashboard_version_restore": {"200": ["ETag"]},
    "v1_dashboard_version_restore": {"200": ["ETag"]},
    "dashboard_duplicate": {"201": ["ETag", "Location"]},
    "v1_dashboard_duplicate": {"201": ["ETag", "Location"]},
    "dashboard_export": {"200": ["Content-Disposition"]},
    "project_export": {"200": ["Content-Disposition"]},
    "v1_project_export": {"200": ["Content-Disposition"]},
    "dashboard_widget_data": {
        "200": ["ETag", "Last-Modified", "Cache-Control", "Content-Disposition"],
        "304": ["ETag", "Last-Modified", "Cache-Control"],
    },
}


# --- Path parameters ------------------------------------------------------------------

# Routes take ids as `<str:...>` so that the views can answer a malformed id with a 400
# that says so; that leaves drf-spectacular with a plain string. What the id really is:
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "project_id": {"type": "string", "format": "uuid"},
    "projectId": {"type": "string", "format": "uuid"},
    "dashboard_id": {"type": "string", "format": "uuid"},
    "dashboardId": {"type": "string", "format": "uuid"},
    "share_id": {"type": "string", "format": "uuid"},
    "user_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    "number": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "userId": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
}


INFERRED_STRINGS = [{"type": "string"}, {"type": "string", "pattern": "^[^/]+$"}]


def _type_path_parameters(path: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "path":
            continue
        known = PATH_PARAMETERS.get(parameter["name"])
        if parameter["name"] == "id" and re.match(r"^/api/(v1/)?dashboards/\{id\}", path):
            known = PATH_PARAMETERS["dashboard_id"]
        # Only where inference gave up (a bare string, or re_path's "[^/]+"); a declared
        # type is kept.
        if known and parameter.get("schema") in INFERRED_STRINGS:
            parameter["schema"] = dict(known)


# drf-spectacular documents every PATCH body as partial (nothing required); these PATCH
# views take a body of one required field.
REQUIRED_PATCH_FIELDS = {"PatchedAssignmentUpdateRequest": ["isDefault"]}

# Request bodies whose parser refuses unknown keys (dashboards/metrics.py), unlike DRF
# serializers, which ignore them: drf-spectacular cannot know, so they are listed here.
CLOSED_REQUEST_COMPONENTS = ("MetricIngestRequest", "MetricPointInRequest")


# No text the API stores may contain U+0000 (PostgreSQL refuses it; DRF and the services
# answer 400): every string of a request body says so.
NO_NUL_PATTERN = r"^[^\x00]*$"
# DRF trims a CharField before its not-blank check, so "  " is refused like "": a required
# non-empty string needs a character that is not white space (schemathesis sent " ").
NON_BLANK_NO_NUL_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _forbid_nul(schema: dict[str, Any]) -> None:
    plain_string = schema.get("type") == "string" and schema.get("format") in {None, "password"}
    if plain_string and "pattern" not in schema and "enum" not in schema:
        non_blank = schema.get("minLength", 0) >= 1
        schema["pattern"] = NON_BLANK_NO_NUL_PATTERN if non_blank else NO_NUL_PATTERN
    for value in schema.get("properties", {}).values():
        _forbid_nul(value)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _forbid_nul(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        for value in schema.get(key, []):
            _forbid_nul(value)


# --- Hooks ----------------------------------------------------------------------------


def strip_optional_slash(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Preprocessing: a route written `.../data/?$` tolerates a trailing slash; document the
    canonical path without it, as SPEC writes every family-1 path."""
    fixed = []
    for path, path_regex, method, callback in endpoints:
        if path_regex.endswith("/?$") and path.endswith("/"):
            path = path.rstrip("/")
        fixed.append((path, path_regex, method, callback))
    return fixed


def _require_body_with_required_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body whose schema has required fields cannot be left out (drf-spectacular marks
    every PATCH body optional; schemathesis sent a PATCH without one and got a 400)."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if schemas.get(ref.rsplit("/", 1)[-1], {}).get("required"):
            body["required"] = True
            return


# gunicorn refuses a request line over 4094 bytes with its own HTML 414 before Django
# runs, so it is in neither family's format; any operation whose URL carries client
# values can meet it (schemathesis did, with a long query string).
URI_TOO_LONG = {
    "description": "Request line (path and query) over 4094 bytes, refused by gunicorn "
    "before the application runs.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _add_examples(operation: dict[str, Any]) -> None:
    operation_id = operation.get("operationId")
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and operation_id in REQUEST_EXAMPLES:
        body.setdefault("example", REQUEST_EXAMPLES[operation_id])
    for status, response in operation.get("responses", {}).items():
        example = RESPONSE_EXAMPLES.get((operation_id, status))
        media = response.get("content", {}).get("application/json")
        if example is not None and media is not None:
            media.setdefault("example", example)


def tag_for(path: str) -> str | None:
    return next((tag for pattern, tag in TAG_RULES if re.search(pattern, path)), None)


def family_postprocess(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing: tags, error responses and headers, per family, by path."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    codes = codes_by_status()
    schemas.update(_error_schemas(codes))
    components.setdefault("responses", {}).update(_error_responses(codes))
    components.setdefault("headers", {}).update(HEADERS)
    components["responses"]["UriTooLong"] = URI_TOO_LONG
    for name, fields in REQUIRED_PATCH_FIELDS.items():
        if name in schemas:
            schemas[name]["required"] = fields
    for name in CLOSED_REQUEST_COMPONENTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _forbid_nul(schema)
    _VERSIONED_BODIES.clear()
    _VERSIONED_BODIES.update(_collect_versioned_bodies(schemas))

    for path, operations in result.get("paths", {}).items():
        family = family_for(path)
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            _type_path_parameters(path, operation)
            tag = tag_for(path)
            if tag:
                operation["tags"] = [tag]
            if family is None:
                continue
            prefix = "V1Error" if family == "v1" else "Error"
            responses = operation.setdefault("responses", {})
            _require_body_with_required_fields(operation, schemas)
            for parameter in operation.get("parameters", []):
                # docs/odata.md: an OData option sent empty (`$skip=`) is the same as absent.
                # docs/v1-paging.md: the v1 filter form sends every field, empty = no filter.
                if parameter.get("in") == "query" and (
                    parameter["name"].startswith("$")
                    or (family == "v1" and parameter["name"] in V1_FILTER_PARAMETERS)
                ):
                    parameter["allowEmptyValue"] = True
            if any(p.get("in") in {"path", "query"} for p in operation.get("parameters", [])):
                responses.setdefault("414", {"$ref": "#/components/responses/UriTooLong"})
            for status in error_statuses(method, operation, path):
                responses.setdefault(
                    str(status), {"$ref": f"#/components/responses/{prefix}{status}"}
                )
            for status, names in RESPONSE_HEADERS.get(operation.get("operationId"), {}).items():
                if status in responses and "$ref" not in responses[status]:
                    headers = responses[status].setdefault("headers", {})
                    for name in names:
                        headers.setdefault(name, {"$ref": HEADER_REF + name})
            _add_examples(operation)
            operation["responses"] = dict(sorted(responses.items()))
    result["tags"] = TAGS
    return result
