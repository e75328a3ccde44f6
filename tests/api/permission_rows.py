"""The authorization matrix's table: for every route of the URLconf, rows of (method, path,
body) with the status each actor must get. tests/api/test_permission_matrix.py walks the
URLconf and fails for a route without rows here (or for rows of a route that is gone), then
plays every row for every actor and checks that no answer carries an object the actor may
not read.

A new route adds its rows under its name (`namespace:name`; a name two routes share is
followed by the route). Statuses are written in ACTORS order:

    anonymous owner viewer editor admin assignee outsider staff superuser

The world (test_permission_matrix.world): project P of `owner`, with `viewer`, `editor`
and `admin` as members of those roles; D_shared (project scope, widget w1) and D_private
(owner's, user scope, widget w1, assigned to `assignee`, who is in no project of theirs);
`outsider`'s project OP with their private D_out, assigned to `viewer` (as D_shared is);
`staff` (is_staff, no memberships, no model permissions) and `superuser`. Placeholders in
paths and bodies: {P} {OP} {D_shared} {D_private} {D_out}, D_shared's share link {SHARE}
(its id) and {SHARE_TOKEN} (its token), and the actors' user ids
{OWNER} {VIEWER} {ASSIGNEE} {OUTSIDER}; {ME}, {ACCESS}, {REFRESH} are the calling actor's
own username and tokens.
"""

from dataclasses import dataclass, field
from typing import Any

ACTORS = (
    "anonymous",
    "owner",
    "viewer",
    "editor",
    "admin",
    "assignee",
    "outsider",
    "staff",
    "superuser",
)

# Who may read what (SPEC "Who may do what", docs/permissions.md), written from the rules,
# not from the code. Names (the objects' marker names) and ids are checked separately: an
# actor who may see a dashboard also sees the id of its project, not the project's name.
READ_NAMES: dict[str, set[str]] = {
    "P": {"owner", "viewer", "editor", "admin", "superuser"},
    "OP": {"outsider", "superuser"},
    "D_shared": {"owner", "viewer", "editor", "admin", "superuser"},
    "D_private": {"owner", "assignee", "superuser"},
    "D_out": {"outsider", "viewer", "superuser"},  # viewer: assigned to them
}
READ_IDS: dict[str, set[str]] = {
    **READ_NAMES,
    "P": READ_NAMES["P"] | {"assignee"},  # the project of D_private, assigned to them
    "OP": READ_NAMES["OP"] | {"viewer"},  # the project of D_out
}


def statuses(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split())
    assert len(values) == len(ACTORS), text
    return values


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: tuple[int, ...]
    body: Any = None
    label: str = ""
    # Objects an actor may read through this row beyond READ_* (e.g. staff reading a
    # user's assigned dashboards, which they manage but cannot open).
    also_reads: dict[str, frozenset[str]] = field(default_factory=dict)
    # "json" for API bodies, "form" for HTML forms.
    encoding: str = "json"


def row(method: str, path: str, expect: str, body: Any = None, **kwargs: Any) -> Row:
    return Row(method, path, statuses(expect), body, **kwargs)


# Frequent shapes: who may see P's dashboards, and so on.
ALL_200 = "401 200 200 200 200 200 200 200 200"
PUBLIC = "200 200 200 200 200 200 200 200 200"
SEE_SHARED = "401 200 200 200 200 404 404 404 200"
SEE_PRIVATE = "401 200 404 404 404 200 404 404 200"
CHANGE_SHARED = "401 200 403 200 200 404 404 404 200"
CHANGE_PRIVATE = "401 200 404 404 404 403 404 404 200"
DELETE_SHARED = "401 200 403 403 200 404 404 404 200"
PROJECT_ADMIN = "401 200 403 403 200 404 404 404 200"
OWN_OR_STAFF = "401 403 403 403 403 200 403 200 200"  # the assignee's own list
CREATE_IN_P = "401 201 403 201 201 404 404 404 201"
DUPLICATE_PRIVATE = "401 201 404 404 404 403 404 404 201"
PAGE_LOGIN = "302 200 200 200 200 200 200 200 200"

STAFF_MANAGES = {"staff": frozenset({"D_private"})}
STAFF_MANAGES_VIEWERS = {"staff": frozenset({"D_shared", "D_out", "OP"})}

SHARED = "{D_shared}"
PRIVATE = "{D_private}"
# Bodies with every kind of field, so that tests/api/test_bad_input_corpus.py (which takes
# its templates from these rows) reaches each one.
WIDGET = {"id": "w9", "type": "text", "title": "T", "size": "small", "config": {"markdown": "x"}}
NEW_DASHBOARD = {
    "name": "Matrix new",
    "description": "d",
    "type": "custom",
    "refreshInterval": 60,
    "definition": {"theme": "dark"},
    "widgets": [WIDGET],
    "projectId": "{P}",
    "scope": "project",
}
REPLACEMENT = {
    "name": "Renamed",
    "description": "d",
    "type": "sales",
    "refreshInterval": 0,
    "definition": {"theme": "dark", "layout": [[1, 2]]},
    "widgets": [WIDGET],
}
V1_DOCUMENT = {"theme": "dark", "description": "d", "refreshInterval": 60, "widgets": [WIDGET]}
# An export file's dashboard document (docs/transfer.md).
EXPORTED = {
    "name": "Imported",
    "description": "d",
    "type": "custom",
    "refreshInterval": 60,
    "scope": "project",
    "definition": {"theme": "dark"},
    "widgets": [WIDGET],
}
IMPORT = {
    "schemaVersion": 1,
    "dashboards": [EXPORTED],
    "onConflict": "fail",
    "dryRun": False,
    "message": "m",
}
V1_IMPORT = {
    "document": {"schemaVersion": 1, "dashboards": [EXPORTED]},
    "on_conflict": "fail",
    "dry_run": False,
    "message": "m",
}
DUPLICATE = {"name": "Copy", "scope": "project", "message": "m"}
# A share link's settings, every field set (docs/sharing.md).
SHARE_BODY = {
    "expiresAt": "2999-01-01T00:00:00Z",
    "variables": {"region": "north"},
    "allowVariables": ["timeRange"],
    "frameAncestors": ["https://intranet.example.com"],
}
V1_SHARE_BODY = {
    "expires_at": "2999-01-01T00:00:00Z",
    "variables": {"region": "north"},
    "allow_variables": ["timeRange"],
    "frame_ancestors": ["https://intranet.example.com"],
}
CREATE_SHARED = "401 201 403 201 201 404 404 404 201"
CREATE_PRIVATE = "401 201 404 404 404 403 404 404 201"
# Anyone with the token reads D_shared's name through it; nothing else (no ids).
EVERYONE_READS_SHARED = {actor: frozenset({"D_shared"}) for actor in ACTORS}
V1_SHARED = "/api/v1/dashboards/{P}/{D_shared}"
V1_PRIVATE = "/api/v1/dashboards/{P}/{D_private}"

ROUTES: dict[str, list[Row]] = {
    # --- Family 1 ----------------------------------------------------------------------
    "analytics:dashboard-list": [
        row("get", "/api/dashboards", ALL_200),
        row("post", "/api/dashboards", "401 201 403 201 201 404 404 404 201", NEW_DASHBOARD),
        row("post", "/api/dashboards", "401 201 201 201 201 201 201 201 201", {"name": "Mine"}),
    ],
    "analytics:dashboard-detail": [
        row("get", f"/api/dashboards/{SHARED}", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}", SEE_PRIVATE),
        row("put", f"/api/dashboards/{SHARED}", CHANGE_SHARED, REPLACEMENT),
        row("put", f"/api/dashboards/{PRIVATE}", CHANGE_PRIVATE, {"name": "Renamed"}),
        row("patch", f"/api/dashboards/{SHARED}", CHANGE_SHARED, {"definition": {"a": None}}),
        row("patch", f"/api/dashboards/{PRIVATE}", CHANGE_PRIVATE, {"description": "x"}),
        row("delete", f"/api/dashboards/{SHARED}", DELETE_SHARED),
        row("delete", f"/api/dashboards/{PRIVATE}", CHANGE_PRIVATE),
    ],
    "analytics:widget-type-list": [row("get", "/api/widget-types", ALL_200)],
    # History (docs/history.md): reading needs visibility, restoring change rights. The
    # world's D_shared and D_private are at version 2.
    "analytics:dashboard-version-list": [
        row("get", f"/api/dashboards/{SHARED}/versions", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/versions", SEE_PRIVATE),
    ],
    "analytics:dashboard-version-detail": [
        row("get", f"/api/dashboards/{SHARED}/versions/1", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/versions/1", SEE_PRIVATE),
    ],
    "analytics:dashboard-version-diff": [
        row("get", f"/api/dashboards/{SHARED}/versions/1/diff?to=2", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/versions/1/diff", SEE_PRIVATE),
    ],
    "analytics:dashboard-version-restore": [
        row(
            "post", f"/api/dashboards/{SHARED}/versions/1/restore", CHANGE_SHARED, {"message": "m"}
        ),
        row("post", f"/api/dashboards/{PRIVATE}/versions/1/restore", CHANGE_PRIVATE, {}),
    ],
    # Share links (docs/sharing.md): managed by those who may change the dashboard, read by
    # anyone with the token.
    "analytics:dashboard-share-list": [
        row("get", f"/api/dashboards/{SHARED}/shares", CHANGE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/shares", CHANGE_PRIVATE),
        row("post", f"/api/dashboards/{SHARED}/shares", CREATE_SHARED, SHARE_BODY),
        row("post", f"/api/dashboards/{PRIVATE}/shares", CREATE_PRIVATE, {}),
    ],
    "analytics:dashboard-share-detail": [
        row(
            "delete",
            f"/api/dashboards/{SHARED}/shares/{{SHARE}}",
            "401 204 403 204 204 404 404 404 204",
        ),
        # The link is D_shared's: through another dashboard it does not exist (the
        # assignee may see D_private but not manage its links: 403 before any lookup).
        row(
            "delete",
            f"/api/dashboards/{PRIVATE}/shares/{{SHARE}}",
            "401 404 404 404 404 403 404 404 404",
        ),
    ],
    "analytics:shared": [
        row("get", "/api/shared/{SHARE_TOKEN}", PUBLIC, also_reads=EVERYONE_READS_SHARED),
        row("get", "/api/shared/not-a-token", "404 404 404 404 404 404 404 404 404"),
    ],
    # Transfer (docs/transfer.md).
    "analytics:dashboard-export": [
        row("get", f"/api/dashboards/{SHARED}/export", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/export", SEE_PRIVATE),
    ],
    "analytics:dashboard-duplicate": [
        row("post", f"/api/dashboards/{SHARED}/duplicate", CREATE_IN_P, DUPLICATE),
        # The assignee sees D_private but may not create in its project.
        row("post", f"/api/dashboards/{PRIVATE}/duplicate", DUPLICATE_PRIVATE, {}),
    ],
    "analytics:project-export": [row("get", "/api/projects/{P}/export", SEE_SHARED)],
    "analytics:project-import": [row("post", "/api/projects/{P}/import", CHANGE_SHARED, IMPORT)],
    "analytics:user-dashboard-list": [
        row(
            "get",
            "/api/users/{ASSIGNEE}/dashboards",
            OWN_OR_STAFF,
            also_reads=STAFF_MANAGES,
        ),
        # Assigning to someone sharing project P: changers of D_shared may; the answer
        # carries only that assignment (never the viewer's D_out); staff cannot see
        # D_shared (404), the viewer may see but not change it (403).
        row(
            "post",
            "/api/users/{VIEWER}/dashboards",
            "401 201 403 201 201 404 404 404 201",
            {"dashboardId": SHARED, "isDefault": False},
            label="to a colleague",
        ),
        # To the assignee, who shares no project with P's members: USER_NOT_FOUND, as if
        # the account did not exist; the assignee to themselves cannot see D_shared.
        row(
            "post",
            "/api/users/{ASSIGNEE}/dashboards",
            "401 404 404 404 404 404 404 404 201",
            {"dashboardId": SHARED, "isDefault": False},
            label="to a stranger",
        ),
    ],
    "analytics:user-dashboard-order": [
        row(
            "put",
            "/api/users/{ASSIGNEE}/dashboards/order",
            OWN_OR_STAFF,
            {"dashboardIds": [PRIVATE]},
            also_reads=STAFF_MANAGES,
        ),
    ],
    "analytics:user-dashboard-detail": [
        row(
            "patch",
            f"/api/users/{{ASSIGNEE}}/dashboards/{PRIVATE}",
            OWN_OR_STAFF,
            {"isDefault": True},
            also_reads=STAFF_MANAGES,
        ),
        # The assignee themselves and staff; the owner shares no project with them
        # (USER_NOT_FOUND); the rest cannot see D_private.
        row(
            "delete",
            f"/api/users/{{ASSIGNEE}}/dashboards/{PRIVATE}",
            "401 404 404 404 404 200 404 200 200",
            label="the assignee's",
        ),
        # D_shared on the viewer's list: the viewer, changers sharing P, staff.
        row(
            "delete",
            f"/api/users/{{VIEWER}}/dashboards/{SHARED}",
            "401 200 200 200 200 404 404 200 200",
            label="a colleague's",
        ),
    ],
    "user-me": [row("get", "/api/users/me", ALL_200)],
    "widget-data:widget-data": [
        row("get", f"/api/dashboards/{SHARED}/widgets/w1/data", SEE_SHARED),
        row("get", f"/api/dashboards/{PRIVATE}/widgets/w1/data", SEE_PRIVATE),
    ],
    "widget-data:metrics-ingest": [
        row(
            "post",
            "/api/projects/{P}/metrics",
            CHANGE_SHARED,
            {
                "points": [
                    {
                        "metric": "m",
                        "timestamp": "2026-01-03T10:00:00Z",
                        "value": 1.5,
                        "dimensions": {"region": "eu"},
                    }
                ]
            },
        ),
    ],
    # --- Authentication ----------------------------------------------------------------
    # Anonymous sends a wrong password / garbage tokens; the others their own.
    "token-obtain": [
        row(
            "post",
            "/api/auth/token/",
            "401 200 200 200 200 200 200 200 200",
            {"username": "{ME}", "password": "{PASSWORD}"},
        )
    ],
    "token-refresh": [row("post", "/api/auth/token/refresh/", ALL_200, {"refresh": "{REFRESH}"})],
    "token-verify": [row("post", "/api/auth/token/verify/", ALL_200, {"token": "{ACCESS}"})],
    "token-logout": [row("post", "/api/auth/logout/", ALL_200, {"refresh": "{REFRESH}"})],
    # --- Family 2 ----------------------------------------------------------------------
    "v1:dashboard-list": [row("get", "/api/v1/dashboards/list?scope=user,project", ALL_200)],
    "v1:project-dashboard-list": [
        row("get", "/api/v1/dashboards/{P}/list?scope=user,project", SEE_SHARED)
    ],
    "v1:dashboard-detail": [
        row("get", f"/api/v1/dashboards/{{P}}/{SHARED}?scope=project", SEE_SHARED),
        row("get", f"/api/v1/dashboards/{{P}}/{PRIVATE}?scope=user", SEE_PRIVATE),
        row("delete", f"/api/v1/dashboards/{{P}}/{SHARED}?scope=project", DELETE_SHARED),
        row("delete", f"/api/v1/dashboards/{{P}}/{PRIVATE}?scope=user", CHANGE_PRIVATE),
    ],
    "v1:dashboard-save": [
        row(
            "post",
            "/api/v1/dashboards/{P}/save",
            "401 201 403 201 201 404 404 404 201",
            {"scope": "project", "dashboard": {"name": "Matrix new", "definition": V1_DOCUMENT}},
            label="create",
        ),
        row(
            "post",
            "/api/v1/dashboards/{P}/save",
            CHANGE_SHARED,
            {"scope": "project", "dashboard": {"id": SHARED, "name": "Renamed", "definition": {}}},
            label="update shared",
        ),
        # The assignee sees D_private but not project P: the save names the project.
        row(
            "post",
            "/api/v1/dashboards/{P}/save",
            "401 200 404 404 404 404 404 404 200",
            {"scope": "user", "dashboard": {"id": PRIVATE, "name": "Renamed", "definition": {}}},
            label="update private",
        ),
    ],
    "v1:dashboard-version-list": [
        row("get", f"{V1_SHARED}/versions?scope=project", SEE_SHARED),
        row("get", f"{V1_PRIVATE}/versions?scope=user", SEE_PRIVATE),
    ],
    "v1:dashboard-version-detail": [
        row("get", f"{V1_SHARED}/versions/1?scope=project", SEE_SHARED),
        row("get", f"{V1_PRIVATE}/versions/1?scope=user", SEE_PRIVATE),
    ],
    "v1:dashboard-version-diff": [
        row("get", f"{V1_SHARED}/versions/1/diff?scope=project", SEE_SHARED),
        row("get", f"{V1_PRIVATE}/versions/1/diff?scope=user", SEE_PRIVATE),
    ],
    "v1:dashboard-version-restore": [
        row(
            "post", f"{V1_SHARED}/versions/1/restore?scope=project", CHANGE_SHARED, {"message": "m"}
        ),
        row("post", f"{V1_PRIVATE}/versions/1/restore?scope=user", CHANGE_PRIVATE, {}),
    ],
    "v1:dashboard-share-list": [
        row("get", f"{V1_SHARED}/shares?scope=project", CHANGE_SHARED),
        row("get", f"{V1_PRIVATE}/shares?scope=user", CHANGE_PRIVATE),
        row("post", f"{V1_SHARED}/shares?scope=project", CREATE_SHARED, V1_SHARE_BODY),
        row("post", f"{V1_PRIVATE}/shares?scope=user", CREATE_PRIVATE, {}),
    ],
    "v1:dashboard-share-detail": [
        row("delete", f"{V1_SHARED}/shares/{{SHARE}}?scope=project", CHANGE_SHARED),
        row(
            "delete",
            f"{V1_PRIVATE}/shares/{{SHARE}}?scope=user",
            "401 404 404 404 404 403 404 404 404",
        ),
    ],
    "v1:dashboard-duplicate": [
        row("post", f"{V1_SHARED}/duplicate?scope=project", CREATE_IN_P, DUPLICATE),
        row("post", f"{V1_PRIVATE}/duplicate?scope=user", DUPLICATE_PRIVATE, {}),
    ],
    "v1:project-export": [row("get", "/api/v1/projects/{P}/export", SEE_SHARED)],
    "v1:project-import": [row("post", "/api/v1/projects/{P}/import", CHANGE_SHARED, V1_IMPORT)],
    "v1:project-list": [row("get", "/api/v1/projects/list", ALL_200)],
    "v1:project-save": [
        row(
            "post",
            "/api/v1/projects/save",
            "401 201 201 201 201 201 201 201 201",
            {"project": {"name": "Matrix fresh", "description": "d", "metadata": {"k": [1]}}},
            label="create",
        ),
        row(
            "post",
            "/api/v1/projects/save",
            PROJECT_ADMIN,
            {"project": {"id": "{P}", "name": "Renamed"}},
            label="rename",
        ),
    ],
    "v1:project-detail": [
        row("get", "/api/v1/projects/{P}", SEE_SHARED),
        row("delete", "/api/v1/projects/{P}", PROJECT_ADMIN),
    ],
    "v1:project-members": [
        row("get", "/api/v1/projects/{P}/members", SEE_SHARED),
        row(
            "post",
            "/api/v1/projects/{P}/members",
            PROJECT_ADMIN,
            {"user_id": "{OUTSIDER}", "role": "viewer"},
        ),
    ],
    "v1:project-member": [
        # Admins remove anyone; a member may leave (the viewer removes themselves).
        row(
            "delete", "/api/v1/projects/{P}/members/{VIEWER}", "401 200 200 403 200 404 404 404 200"
        )
    ],
    "v1:user-me": [row("get", "/api/v1/users/me", ALL_200)],
    # --- Pages, documentation, health ------------------------------------------------
    "healthz": [row("get", "/healthz", PUBLIC)],
    "readyz": [row("get", "/readyz", PUBLIC)],
    # Prometheus: by address (loopback by default, as the test client is) or a bearer token
    # of its own; tests/ops covers other addresses.
    "metrics": [row("get", "/metrics", PUBLIC)],
    "schema": [row("get", "/api/schema/", PUBLIC)],
    "swagger-ui": [row("get", "/api/docs/", PUBLIC)],
    "redoc": [row("get", "/api/redoc/", PUBLIC)],
    "redoc-bundle": [row("get", "/api/redoc/redoc.standalone.js", PUBLIC)],
    # A redirect to the dashboards page, whatever the method.
    "home": [
        row(method, "/", "302 302 302 302 302 302 302 302 302")
        for method in ("get", "post", "put", "patch", "delete")
    ],
    "dashboard-list-page": [
        row(
            "get",
            "/dashboards/",
            PAGE_LOGIN,
            # Each sees the project name of what is assigned to them.
            also_reads={"assignee": frozenset({"P"}), "viewer": frozenset({"OP"})},
        )
    ],
    "dashboard-page": [
        row("get", f"/dashboards/{SHARED}/", "302 200 200 200 200 404 404 404 200"),
        row(
            "get",
            f"/dashboards/{PRIVATE}/",
            "302 200 404 404 404 200 404 404 200",
            also_reads={"assignee": frozenset({"P"})},
        ),
    ],
    # A share link's page: no login; GET and HEAD only.
    "share-page": [
        row("get", "/s/{SHARE_TOKEN}", PUBLIC, also_reads=EVERYONE_READS_SHARED),
        row("get", "/s/not-a-token", "404 404 404 404 404 404 404 404 404"),
        row("post", "/s/{SHARE_TOKEN}", "405 405 405 405 405 405 405 405 405", encoding="form"),
    ],
    "login": [
        row("get", "/accounts/login/", PUBLIC),
        row(
            "post",
            "/accounts/login/",
            PUBLIC,
            {"username": "{ME}", "password": "x"},
            encoding="form",
        ),
        row("put", "/accounts/login/", PUBLIC, encoding="form"),
    ],
    "logout": [
        row("get", "/accounts/logout/", "405 405 405 405 405 405 405 405 405"),
        row("post", "/accounts/logout/", "302 302 302 302 302 302 302 302 302", encoding="form"),
    ],
    "password_change": [
        row("get", "/accounts/password_change/", PAGE_LOGIN),
        row(
            "post", "/accounts/password_change/", PAGE_LOGIN, {"old_password": "x"}, encoding="form"
        ),
        row("put", "/accounts/password_change/", PAGE_LOGIN, encoding="form"),
    ],
    "password_change_done": [row("get", "/accounts/password_change/done/", PAGE_LOGIN)],
    "rest_framework:login": [
        row("get", "/api-auth/login/", PUBLIC),
        row(
            "post",
            "/api-auth/login/",
            PUBLIC,
            {"username": "{ME}", "password": "x"},
            encoding="form",
        ),
        row("put", "/api-auth/login/", PUBLIC, encoding="form"),
    ],
    "rest_framework:logout": [
        row("get", "/api-auth/logout/", "405 405 405 405 405 405 405 405 405"),
        row("post", "/api-auth/logout/", "302 302 302 302 302 302 302 302 302", encoding="form"),
    ],
}
