"""Every history and transfer route of both families against the whole cast: anonymous,
outsider, project viewer, editor, admin, owner, and staff who are not in the project.

A shared (project-scope) dashboard of alice's project. Reads need visibility (an outsider
and staff outside the project get 404, exactly as if it did not exist); restore, import and
duplicate need change/create rights (a viewer gets 403). Each writing request runs in its
own test on fresh data, so one success cannot change what the next one meets.
"""

import pytest

from dashboards import services
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

WHO = ["anon", "charlie", "bob", "dave", "erin", "alice", "staff"]
# anon, outsider, viewer, editor, project admin, owner, staff (not a member)


@pytest.fixture
def world(project, alice):
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Shared",
        widgets=[{"id": "w1", "type": "kpi", "size": "small", "config": {"metric": "m"}}],
    )
    services.dashboard_update(dashboard=dashboard, user=alice, description="v2")
    return {"P": project.pk, "D": dashboard.pk}


READ = [401, 404, 200, 200, 200, 200, 404]
CHANGE = [401, 404, 403, 200, 200, 200, 404]
CREATE = [401, 404, 403, 201, 201, 201, 404]
IMPORT = {"schemaVersion": 1, "dashboards": [{"name": "Imported"}], "dryRun": False}
V1_IMPORT = {"document": {"schemaVersion": 1, "dashboards": [{"name": "Imported"}]}}
V1_D = "/api/v1/dashboards/{P}/{D}"

# (method, url, body, expected statuses for WHO)
MATRIX = [
    ("get", "/api/dashboards/{D}/versions", None, READ),
    ("get", "/api/dashboards/{D}/versions/1", None, READ),
    ("get", "/api/dashboards/{D}/versions/1/diff", None, READ),
    ("get", "/api/dashboards/{D}/versions/1/diff?to=2", None, READ),
    ("post", "/api/dashboards/{D}/versions/1/restore", {}, CHANGE),
    ("get", "/api/dashboards/{D}/export", None, READ),
    ("post", "/api/dashboards/{D}/duplicate", {}, CREATE),
    ("get", "/api/projects/{P}/export", None, READ),
    ("post", "/api/projects/{P}/import", IMPORT, CHANGE),
    ("get", V1_D + "/versions?scope=project", None, READ),
    ("get", V1_D + "/versions/1?scope=project", None, READ),
    ("get", V1_D + "/versions/1/diff?scope=project", None, READ),
    ("post", V1_D + "/versions/1/restore?scope=project", {}, CHANGE),
    ("post", V1_D + "/duplicate?scope=project", {}, CREATE),
    ("get", "/api/v1/projects/{P}/export", None, READ),
    ("post", "/api/v1/projects/{P}/import", V1_IMPORT, CHANGE),
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


CASES = [
    pytest.param(method, url, body, who, expected, id=f"{method} {url} as {who}")
    for method, url, body, statuses in MATRIX
    for who, expected in zip(WHO, statuses, strict=True)
]


@pytest.mark.parametrize(("method", "url", "body", "who", "expected"), CASES)
def test_history_and_transfer_permissions(request, world, method, url, body, who, expected):
    client = bearer_client(None if who == "anon" else request.getfixturevalue(who))
    kwargs = {"format": "json"} if body is not None else {}
    args = [fill(body, world)] if body is not None else []
    response = getattr(client, method)(fill(url, world), *args, **kwargs)
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/dashboards/{D}/versions", None),
        ("post", "/api/dashboards/{D}/versions/1/restore", {}),
        ("post", "/api/dashboards/{D}/duplicate", {}),
        ("post", "/api/projects/{P}/import", IMPORT),
        ("get", "/api/v1/projects/{P}/export", None),
    ],
)
def test_a_superuser_outside_the_project_may_do_everything(superuser, world, method, url, body):
    kwargs = {"format": "json"} if body is not None else {}
    args = [fill(body, world)] if body is not None else []
    response = getattr(bearer_client(superuser), method)(fill(url, world), *args, **kwargs)
    assert response.status_code in {200, 201}, response.content[:300]


def test_a_private_dashboard_is_invisible_even_to_the_project_admin(erin, alice, project):
    private = services.dashboard_create(user=alice, project=project, name="Private")
    client = bearer_client(erin)
    for url in (
        f"/api/dashboards/{private.pk}/versions",
        f"/api/dashboards/{private.pk}/versions/1/diff",
        f"/api/dashboards/{private.pk}/export",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(f"/api/dashboards/{private.pk}/duplicate", {}, format="json").status_code == 404
    )
    assert client.post(f"/api/dashboards/{private.pk}/versions/1/restore").status_code == 404
