"""The authorization matrix, generated from the URLconf: every route, every method its
view implements, every actor (anonymous, the project's owner, viewer, editor and admin, a
user a dashboard is assigned to, an outsider, staff, a superuser).

- A route without rows in tests/api/permission_rows.py (or rows for a route that no longer
  exists, or a method of a class-based view without a row) fails `test_every_route_...`.
- Each row is played for each actor, inside a savepoint rolled back after it, and must
  answer the status written for that actor, and no answer — a success or an error, JSON or
  a page — may carry the name or id of a project or dashboard the actor may not read.
- Admin routes get their rows from rules (`admin_rows`): non-staff are sent to the login,
  staff without model permissions are refused, superusers are let in. A model registered
  in the admin needs an object in the world (`ADMIN_OBJECTS`).
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from dashboards import metrics, services
from dashboards.models import Dashboard, UserDashboard
from tests.api.permission_rows import ACTORS, READ_IDS, READ_NAMES, ROUTES, Row, statuses
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, UserFactory
from users import revocation
from users.tokens import ClaimsRefreshToken

MARK = "MX7"  # in every world object's name, so that a leak is found by text search

# --- The URLconf ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or "name route" when two routes share a name
    pattern: str
    methods: tuple[str, ...] | None  # None: a function view (its rows say which)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern), pattern.callback


def _methods(callback: Any) -> tuple[str, ...] | None:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return None
    handlers = ("get", "post", "put", "patch", "delete")
    return tuple(m for m in handlers if m in view.http_method_names and hasattr(view, m))


def url_routes() -> list[Route]:
    found = list(_walk(get_resolver().url_patterns))
    names = [name for name, _, _ in found]
    routes = []
    for name, pattern, callback in found:
        key = name if name and names.count(name) == 1 else f"{name} {pattern}"
        routes.append(Route(key, pattern, _methods(callback)))
    return routes


# --- Admin rows, from rules -------------------------------------------------------------

NON_STAFF = " ".join(["302"] * 7)  # anonymous and every non-staff actor: to the login
# Registered admin models -> the world object their object pages open.
ADMIN_OBJECTS = {
    ("auth", "group"): "group",
    ("token_blacklist", "outstandingtoken"): "outstanding",
    ("token_blacklist", "blacklistedtoken"): "blacklisted",
    ("users", "user"): "OWNER",
    ("dashboards", "project"): "P",
    ("dashboards", "dashboard"): "D_shared",
    ("dashboards", "userdashboard"): "assignment",
    ("dashboards", "metricpoint"): "point",
    ("dashboards", "dashboardshare"): "SHARE",
}
# Model admins that refuse an action even to superusers (simplejwt's token admins).
SUPERUSER_REFUSED = {
    (("token_blacklist", "outstandingtoken"), "add"): 403,
    (("token_blacklist", "outstandingtoken"), "delete"): 403,
    # Share links are made through the API (the token is shown once) and revoked, not
    # deleted: the admin lists them and revokes.
    (("dashboards", "dashboardshare"), "add"): 403,
    (("dashboards", "dashboardshare"), "delete"): 403,
}


def _staff_superuser(staff: int, superuser: int) -> tuple[int, ...]:
    return statuses(f"{NON_STAFF} {staff} {superuser}")


def admin_rows(route: Route) -> list[Row]:
    name = route.key.removeprefix("admin:")
    path = "/" + route.pattern
    if route.key.startswith("admin:"):
        special = {
            "index": [("get", "/admin/", 200, 200)],
            "app_list": [("get", "/admin/dashboards/", 404, 200)],
            "password_change": [("get", "/admin/password_change/", 200, 200)],
            "password_change_done": [("get", "/admin/password_change/done/", 200, 200)],
            "jsi18n": [("get", "/admin/jsi18n/", 200, 200)],
            # Without its query the autocomplete view refuses everyone.
            "autocomplete": [("get", "/admin/autocomplete/", 403, 403)],
            # Dashboards have no URL of their own on the site.
            "view_on_site": [("get", "/admin/r/{CT_DASHBOARD}/{D_shared}/", 404, 404)],
        }
        if name in special:
            return [
                Row(method, url, _staff_superuser(staff, superuser))
                for method, url, staff, superuser in special[name]
            ]
        if name == "login":
            return [Row("get", "/admin/login/", statuses("200 200 200 200 200 200 200 302 302"))]
        if name == "logout":
            # Logging out takes a POST; a GET is refused once past the staff check.
            return [
                Row("get", "/admin/logout/", _staff_superuser(405, 405)),
                Row("post", "/admin/logout/", statuses(" ".join(["302"] * 9)), encoding="form"),
            ]
        if name == "dashboards_dashboard_restore":
            # A POST form on the history page; staff without change permission are refused.
            url = "/admin/dashboards/dashboard/{D_shared}/history/1/restore/"
            return [
                Row("get", url, _staff_superuser(405, 405)),
                Row("post", url, _staff_superuser(403, 302), {"message": "m"}, encoding="form"),
            ]
        if name == "auth_user_password_change":
            return [Row("get", "/admin/users/user/{OWNER}/password/", _staff_superuser(403, 200))]
        match = re.fullmatch(r"(.+)_(changelist|add|history|delete|change)", name)
        if match is None:
            return []
        prefix, action = match.groups()
        model = next((m for m in ADMIN_OBJECTS if "_".join(m) == prefix), None)
        if model is None:
            return []
        base = _admin_base(model)
        url = {
            "changelist": base,
            "add": f"{base}add/",
            "change": f"{base}{{{ADMIN_OBJECTS[model]}}}/change/",
            "delete": f"{base}{{{ADMIN_OBJECTS[model]}}}/delete/",
            "history": f"{base}{{{ADMIN_OBJECTS[model]}}}/history/",
        }[action]
        superuser = SUPERUSER_REFUSED.get((model, action), 200)
        return [Row("get", url, _staff_superuser(403, superuser))]
    if path.startswith("/admin/") and path.endswith("<path:object_id>/"):
        # The old object URL (/admin/app/model/<id>/) redirects to the change page.
        model = next((m for m in ADMIN_OBJECTS if path.startswith(_admin_base(m))), None)
        if model is None:
            return []
        url = f"{_admin_base(model)}{{{ADMIN_OBJECTS[model]}}}/"
        return [Row(method, url, statuses(" ".join(["302"] * 9))) for method in route.methods]
    if route.pattern == "admin/(?P<url>.*)$":
        return [Row("get", "/admin/no-such-page/", _staff_superuser(404, 404))]
    return []


def _admin_base(model: tuple[str, str]) -> str:
    return f"/admin/{model[0]}/{model[1]}/"


def all_rows() -> dict[str, list[Row]]:
    rows = {key: list(value) for key, value in ROUTES.items()}
    for route in url_routes():
        generated = admin_rows(route)
        if generated:
            rows.setdefault(route.key, []).extend(generated)
    return rows


ROWS = all_rows()
CASES = [
    pytest.param(key, index, id=f"{key} {row.method} {row.label or row.path}")
    for key, rows in ROWS.items()
    for index, row in enumerate(rows)
]


def test_every_route_and_method_has_rows():
    routes = url_routes()
    keys = {route.key for route in routes}
    assert sorted(keys - ROWS.keys()) == [], "routes without rows in permission_rows.py"
    assert sorted(ROWS.keys() - keys) == [], "rows for routes that do not exist"
    missing = [
        f"{route.key} {method.upper()}"
        for route in routes
        if route.methods
        for method in route.methods
        if method not in {row.method for row in ROWS[route.key]}
    ]
    assert missing == [], "methods without rows"


# --- The world ----------------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.users = {
            "owner": UserFactory(username="mx-owner"),
            "viewer": UserFactory(username="mx-viewer"),
            "editor": UserFactory(username="mx-editor"),
            "admin": UserFactory(username="mx-admin"),
            "assignee": UserFactory(username="mx-assignee"),
            "outsider": UserFactory(username="mx-outsider"),
            "staff": UserFactory(username="mx-staff", is_staff=True),
            "superuser": UserFactory(username="mx-root", is_staff=True, is_superuser=True),
        }
        owner, outsider = self.users["owner"], self.users["outsider"]
        project = ProjectFactory(owner=owner, name=f"{MARK}-P")
        for role in ("viewer", "editor", "admin"):
            MembershipFactory(project=project, user=self.users[role], role=role)
        other = ProjectFactory(owner=outsider, name=f"{MARK}-OP")
        widget = [{"id": "w1", "type": "kpi", "size": "small", "config": {"metric": "m"}}]
        shared = services.dashboard_create(
            user=owner, project=project, scope="project", name=f"{MARK}-D_shared", widgets=widget
        )
        private = services.dashboard_create(
            user=owner, project=project, name=f"{MARK}-D_private", widgets=widget
        )
        out = services.dashboard_create(user=outsider, project=other, name=f"{MARK}-D_out")
        for dashboard in (shared, private):  # version 2, so that there is history to read
            services.dashboard_update(dashboard=dashboard, user=owner, description="v2")
        # Assignments as the world has them (made by whoever could, long ago).
        assignment = UserDashboard.objects.create(user=self.users["assignee"], dashboard=private)
        UserDashboard.objects.create(user=self.users["viewer"], dashboard=out, position=0)
        UserDashboard.objects.create(user=self.users["viewer"], dashboard=shared, position=1)
        metrics.metrics_ingest(
            project=project,
            user=owner,
            body={"points": [{"metric": "m", "timestamp": "2026-01-03T10:00:00Z", "value": 1}]},
        )
        share, share_token = services.share_create(actor=owner, dashboard=shared)
        self.secrets = {
            "P": (str(project.pk), project.name),
            "OP": (str(other.pk), other.name),
            "D_shared": (str(shared.pk), shared.name),
            "D_private": (str(private.pk), private.name),
            "D_out": (str(out.pk), out.name),
        }
        self.tokens = {actor: ClaimsRefreshToken.for_user(u) for actor, u in self.users.items()}
        BlacklistedToken.objects.create(
            token=OutstandingToken.objects.get(jti=ClaimsRefreshToken.for_user(owner)["jti"])
        )
        self.values = {
            **{key: value[0] for key, value in self.secrets.items()},
            **{actor.upper(): str(user.pk) for actor, user in self.users.items()},
            "group": str(Group.objects.create(name=f"{MARK}-group").pk),
            "outstanding": str(OutstandingToken.objects.first().pk),
            "blacklisted": str(BlacklistedToken.objects.first().pk),
            "assignment": str(assignment.pk),
            "point": str(project.metric_points.first().pk),
            "SHARE": str(share.pk),
            "SHARE_TOKEN": share_token,
            "CT_DASHBOARD": str(ContentType.objects.get_for_model(Dashboard).pk),
        }
        for user in self.users.values():
            revocation.publish(user.pk)  # as a login leaves them (conftest.bearer_client)

    def fill(self, value: Any, actor: str) -> Any:
        own = {
            "ME": self.users[actor].username if actor in self.users else "nobody",
            "PASSWORD": PASSWORD if actor in self.users else "wrong",
            "ACCESS": str(self.tokens[actor].access_token) if actor in self.tokens else "x",
            "REFRESH": str(self.tokens[actor]) if actor in self.tokens else "garbage",
        }
        if isinstance(value, str):
            whole_user_id = re.fullmatch(r"\{([A-Z]+)\}", value)
            if whole_user_id and whole_user_id.group(1).lower() in self.users:
                return self.users[whole_user_id.group(1).lower()].pk  # an integer in JSON
            for key, replacement in {**self.values, **own}.items():
                value = value.replace("{" + key + "}", replacement)
            return value
        if isinstance(value, dict):
            return {k: self.fill(v, actor) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v, actor) for v in value]
        return value

    def client(self, actor: str, path: str) -> Any:
        if path.startswith("/api/"):
            client = APIClient()
            if actor in self.tokens:
                access = self.tokens[actor].access_token
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            return client
        client = Client()
        if actor in self.users:
            client.force_login(self.users[actor])
        return client

    def request(self, actor: str, row: Row) -> tuple[Any, str]:
        path = self.fill(row.path, actor)
        body = self.fill(row.body, actor)
        client = self.client(actor, path)
        call = getattr(client, row.method)
        if row.encoding == "form":
            if row.method == "put":
                response = call(path, data="", content_type="application/x-www-form-urlencoded")
            else:
                response = call(path, body or {})
        elif body is None:
            response = call(path)
        else:
            response = call(path, body, format="json")
        return response, path + json.dumps(body)

    def leaks(self, actor: str, row: Row, text: str, sent: str) -> list[str]:
        found = []
        for key, (pk, name) in self.secrets.items():
            extra = row.also_reads.get(actor, frozenset())
            if key not in extra and actor not in READ_NAMES[key] and name in text:
                found.append(f"name of {key}")
            if key not in extra and actor not in READ_IDS[key] and pk in text and pk not in sent:
                found.append(f"id of {key}")
        return found


@pytest.fixture
def world(db) -> World:
    return World()


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(("route", "index"), CASES)
def test_authorization_matrix(world, route, index):
    row = ROWS[route][index]
    problems = []
    for actor, expected in zip(ACTORS, row.expect, strict=True):
        with transaction.atomic():
            response, sent = world.request(actor, row)
            text = _text(response)
            transaction.set_rollback(True)
        if response.status_code != expected:
            problems.append(f"{actor}: {response.status_code}, expected {expected}: {text[:300]}")
        leaked = world.leaks(actor, row, text, sent)
        if leaked:
            problems.append(f"{actor}: the answer carries the {', '.join(leaked)}")
    assert problems == [], "\n".join(problems)
