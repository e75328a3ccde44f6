"""Every endpoint of both families against the cast: anonymous, outsider, project viewer,
editor and owner. 401 without credentials, 404 for what the caller may not see (exactly as
missing), 403 for what they see but may not do."""

import pytest

from dashboards import services
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

WHO = ["anon", "charlie", "bob", "dave", "alice"]  # anon, outsider, viewer, editor, owner


@pytest.fixture
def world(project, alice):
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Shared",
        widgets=[{"id": "w1", "type": "kpi", "size": "small", "config": {"metric": "m"}}],
    )
    return {"P": project.pk, "D": dashboard.pk, "ALICE": alice.pk}


POINT = {"points": [{"metric": "m", "timestamp": "2026-01-03T10:00:00Z", "value": 1}]}

# (method, url, body, expected statuses for WHO)
MATRIX = [
    ("get", "/api/dashboards", None, [401, 200, 200, 200, 200]),
    ("get", "/api/dashboards/{D}", None, [401, 404, 200, 200, 200]),
    ("post", "/api/dashboards", {"name": "N", "projectId": "{P}"}, [401, 404, 403, 201, 201]),
    ("patch", "/api/dashboards/{D}", {"description": "x"}, [401, 404, 403, 200, 200]),
    ("put", "/api/dashboards/{D}", {"name": "Shared"}, [401, 404, 403, 200, 200]),
    ("delete", "/api/dashboards/{D}", None, [401, 404, 403, 403, 200]),
    ("get", "/api/users/{ALICE}/dashboards", None, [401, 403, 403, 403, 200]),
    ("post", "/api/users/{ALICE}/dashboards", {"dashboardId": "{D}"}, [401, 404, 403, 201, 201]),
    ("get", "/api/widget-types", None, [401, 200, 200, 200, 200]),
    ("post", "/api/projects/{P}/metrics", POINT, [401, 404, 403, 200, 200]),
    ("get", "/api/dashboards/{D}/widgets/w1/data", None, [401, 404, 200, 200, 200]),
    ("get", "/api/users/me", None, [401, 200, 200, 200, 200]),
    ("get", "/api/v1/users/me", None, [401, 200, 200, 200, 200]),
    ("get", "/api/v1/dashboards/list?scope=project", None, [401, 200, 200, 200, 200]),
    ("get", "/api/v1/dashboards/{P}/list?scope=project", None, [401, 404, 200, 200, 200]),
    ("get", "/api/v1/dashboards/{P}/{D}?scope=project", None, [401, 404, 200, 200, 200]),
    (
        "post",
        "/api/v1/dashboards/{P}/save",
        {"scope": "project", "dashboard": {"name": "New", "definition": {}}},
        [401, 404, 403, 201, 201],
    ),
    ("delete", "/api/v1/dashboards/{P}/{D}?scope=project", None, [401, 404, 403, 403, 200]),
    ("get", "/api/v1/projects/list", None, [401, 200, 200, 200, 200]),
    ("get", "/api/v1/projects/{P}", None, [401, 404, 200, 200, 200]),
    (
        "post",
        "/api/v1/projects/save",
        {"project": {"id": "{P}", "name": "Renamed"}},
        [401, 404, 403, 403, 200],
    ),
    ("get", "/api/v1/projects/{P}/members", None, [401, 404, 200, 200, 200]),
    (
        "post",
        "/api/v1/projects/{P}/members",
        {"user_id": "{ALICE}", "role": "viewer"},
        [401, 404, 403, 403, 400],
    ),
    ("delete", "/api/v1/projects/{P}", None, [401, 404, 403, 403, 200]),
]

# The owner adding themselves as a viewer is refused (400: the owner is always admin); the
# row still proves the owner passes the permission check. Assigning needs change rights on a
# dashboard the caller can see: the outsider gets 404, the viewer 403, the editor may.
CASES = [
    pytest.param(method, url, body, who, expected, id=f"{method} {url} as {who}")
    for method, url, body, statuses in MATRIX
    for who, expected in zip(WHO, statuses, strict=True)
]


def fill(value, world):
    if isinstance(value, str):
        for key, replacement in world.items():
            value = value.replace("{" + key + "}", str(replacement))
        return int(value) if value.isdigit() else value
    if isinstance(value, dict):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world) for v in value]
    return value


@pytest.mark.parametrize(("method", "url", "body", "who", "expected"), CASES)
def test_permission_matrix(request, world, method, url, body, who, expected):
    client = bearer_client(None if who == "anon" else request.getfixturevalue(who))
    kwargs = {"format": "json"} if body is not None else {}
    args = [fill(body, world)] if body is not None else []
    response = getattr(client, method)(fill(url, world), *args, **kwargs)
    assert response.status_code == expected, response.content
