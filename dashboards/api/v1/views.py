"""API family 2 (`/api/v1/...`): thin adapters over selectors and services.

Every success is `{"data", "message", "status": "success"}`. Errors are raised and become
the v1 error envelope in `dashboards/api/errors.py` (chosen there by URL prefix), so no view
builds an error body. Lists are plain dicts from `.values()`: a fixed number of queries
and no per-row Python (docs/v1-api.md).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.db.models import F, QuerySet
from django.http.response import HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import IntegerField
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dashboards import (
    documents,
    listcounts,
    paging,
    permissions,
    selectors,
    services,
    variables,
)
from dashboards.api import cursors, held_responses
from dashboards.api.base import VARIABLE_PARAMETERS, dashboard_etag
from dashboards.api.v1 import filters
from dashboards.api.v1 import serializers as s
from dashboards.exceptions import InvalidQuery
from dashboards.models import Dashboard, Project
from idempotency.decorators import idempotent
from users.selectors import current_user

DASHBOARD_LIST_FIELDS = ("id", "project_id", "name", "created_at", "updated_at")
DASHBOARD_LIST_ORDER = ["created_at", "id"]  # oldest first, an index per source
CURSOR_SALT = "dashboards.v1.cursor"
PROJECT_FIELDS = (
    "id",
    "name",
    "description",
    "metadata",
    "owner_id",
    "is_personal",
    "created_at",
    "updated_at",
)

# Built once: two lists share one schema component.
DASHBOARD_LIST_ENVELOPE = s.envelope("DashboardList", s.DashboardListItemSerializer(many=True))
# A save answers 201 when it created, 200 when it updated: one body for both.
DASHBOARD_SAVED_ENVELOPE = s.saved_envelope("DashboardSaved")
PROJECT_SAVED_ENVELOPE = s.saved_envelope("ProjectSaved")


def success(
    data: Any, message: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        {"data": data, "message": message, "status": "success"}, status=status, headers=headers
    )


def paged(
    request: Request,
    sources: list[QuerySet] | paging.Sources,
    *,
    order: list[str],
    fields: tuple[str, ...],
    query: str,
    total: Callable[[], int],
    expressions: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of rows as dicts, with `X-Total-Count` and RFC 8288 `Link` headers.

    `limit` with `offset` (at most 10,000) or a `cursor` from a Link header; `next` and
    cursor-page `prev` links carry a cursor (a keyset position: a deep page costs what the
    first costs). `query` names the list and its filters: a cursor only continues the
    list it came from. A fixed number of queries (docs/v1-paging.md).
    """
    limit, offset, cursor = s.parse_paging(request.query_params)
    model = sources.model if isinstance(sources, paging.Sources) else sources[0].model
    direction, after = cursors.AFTER, None
    if cursor is not None:
        try:
            direction, after = cursors.decode_with_direction(
                cursor, salt=CURSOR_SALT, order=order, query=query, model=model
            )
        except cursors.BadToken as error:
            raise InvalidQuery(f"cursor: {error}", details={"cursor": [str(error)]}) from None
    page = functools.partial(
        paging.fetch_page, sources, condition=None, fields=fields, expressions=expressions
    )
    if direction == cursors.BEFORE:
        rows, has_prev = page(order=paging.reverse_order(order), limit=limit, after=after)
        rows.reverse()
        has_next = True
    else:
        rows, has_next = page(order=order, limit=limit, offset=offset, after=after)
        has_prev = after is not None
    headers = {"X-Total-Count": str(total())}
    url = remove_query_param(
        remove_query_param(
            replace_query_param(request.build_absolute_uri(), "limit", limit), "offset"
        ),
        "cursor",
    )

    def cursor_link(row: dict[str, Any], towards: str, rel: str) -> str:
        token = cursors.encode(
            salt=CURSOR_SALT,
            order=order,
            values=paging.sort_values(row, order),
            query=query,
            direction=towards,
        )
        return f'<{replace_query_param(url, "cursor", token)}>; rel="{rel}"'

    links = []
    if has_next and rows:
        links.append(cursor_link(rows[-1], cursors.AFTER, "next"))
    if cursor is None and offset > 0:
        previous = max(offset - limit, 0)
        previous_url = replace_query_param(url, "offset", previous) if previous else url
        links.append(f'<{previous_url}>; rel="prev"')
    elif has_prev and rows:
        links.append(cursor_link(rows[0], cursors.BEFORE, "prev"))
    if links:
        headers["Link"] = ", ".join(links)
    return rows, headers


def dashboard_list(
    request: Request, scopes: list[str], project: Project | None, message: str
) -> HttpResponseBase:
    """A page of the visible dashboards of these scopes (and project), filtered by the
    FilterSet; the total is cached per (user, list, filters), and the rendered page is held
    while the user's list version stays (docs/list-counts.md)."""
    # Read first: a total or a page kept under this version holds rows no older than it.
    state = listcounts.list_state(request.user)

    def build() -> Response:
        rows, headers = dashboard_page(request, scopes, project, state)
        return success(rows, message, headers=headers)

    # Superusers' lists carry no version: never held.
    name = None
    if state is not None:
        name = (request.user.pk, state.own, state.shared, request.build_absolute_uri())
    return held_responses.LIST_PAGES.served(request, name, build)


def dashboard_page(
    request: Request,
    scopes: list[str],
    project: Project | None,
    state: listcounts.ListState | None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows and headers of the page `dashboard_list` answers when it holds none."""
    applied = filters.dashboard_filters(request)
    project_ids = state.project_ids if state else None

    def narrowed(querysets: list[QuerySet[Dashboard]]) -> list[QuerySet[Dashboard]]:
        if project is not None:
            querysets = [queryset.filter(project=project) for queryset in querysets]
        return applied.apply(querysets)

    query = f"v1:dashboards:{project.pk if project else '*'}:{','.join(scopes)}:{applied.identity}"
    sources = selectors.dashboard_page_sources(
        user=request.user, query=query, project_ids=project_ids, scopes=scopes, narrow=narrowed
    )
    return paged(
        request,
        sources,
        order=DASHBOARD_LIST_ORDER,
        fields=DASHBOARD_LIST_FIELDS,
        query=query,
        total=lambda: listcounts.cached_count(
            request.user,
            query,
            lambda: paging.count_rows(
                narrowed(
                    selectors.dashboard_count_parts(
                        user=request.user, project_ids=project_ids, scopes=scopes
                    )
                ),
                condition=None,
            ),
            state=state,
        ),
    )


def dashboard_data(dashboard: Dashboard, resolved: variables.ResolvedVariables) -> dict[str, Any]:
    """The full v1 dashboard; `definition` is the whole document (widgets prefetched);
    `variables` the values its variables have for this read (docs/variables.md)."""
    return {
        "id": dashboard.pk,
        "project_id": dashboard.project_id,
        "name": dashboard.name,
        "scope": dashboard.scope,
        "definition": documents.v1_definition(dashboard, dashboard.widgets.all()),
        "version": dashboard.version,
        "created_at": dashboard.created_at,
        "updated_at": dashboard.updated_at,
        "variables": resolved.applied,
    }


def project_data(project: Project, role: str | None) -> dict[str, Any]:
    return {
        **{field: getattr(project, field) for field in PROJECT_FIELDS},
        "role": role,
    }


class V1View(GenericAPIView):
    """Base of the family: GenericAPIView so that the browsable API offers a raw-data form."""


class V1Pagination(BasePagination):
    """Tells the browsable API where a list's rows are (the envelope's `data`), so that it
    shows the filter form; the views page the rows themselves (`paged`)."""

    def get_results(self, data: dict[str, Any]) -> list[Any]:
        if not isinstance(data.get("data"), list):
            raise TypeError("not a list envelope")
        return data["data"]


class DashboardListBase(V1View):
    """A dashboard list: FilterSet filters, offset or cursor paging, the browsable form."""

    serializer_class = s.DashboardListItemSerializer
    # Only for the browsable API's filter form: rows come from the visibility sources.
    queryset = Dashboard.objects.none()
    filter_backends = [filters.V1FilterBackend]
    filterset_class = filters.DashboardFilter
    pagination_class = V1Pagination


# --- Dashboards ------------------------------------------------------------------------


class DashboardListView(DashboardListBase):
    """Every dashboard you can see across your projects, metadata only, oldest first."""

    @extend_schema(
        operation_id="v1_dashboards_list",
        parameters=[
            s.SCOPE_LIST_PARAMETER,
            *s.DASHBOARD_FILTER_PARAMETERS,
            *s.PAGING_PARAMETERS,
        ],
        responses=DASHBOARD_LIST_ENVELOPE,
    )
    def get(self, request: Request) -> HttpResponseBase:
        scopes = s.parse_scopes(request.query_params.get("scope"), many=True)
        return dashboard_list(request, scopes, None, "All dashboards listed successfully")


class ProjectDashboardListView(DashboardListBase):
    """The dashboards you can see in one project, metadata only, oldest first."""

    @extend_schema(
        operation_id="v1_project_dashboards_list",
        parameters=[
            s.SCOPE_LIST_PARAMETER,
            *s.DASHBOARD_FILTER_PARAMETERS,
            *s.PAGING_PARAMETERS,
        ],
        responses=DASHBOARD_LIST_ENVELOPE,
    )
    def get(self, request: Request, project_id: str) -> HttpResponseBase:
        scopes = s.parse_scopes(request.query_params.get("scope"), many=True)
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        return dashboard_list(
            request, scopes, project, f"Dashboards of project '{project.pk}' listed successfully"
        )


class DashboardDetailView(V1View):
    """Load (with the whole definition document and an ETag) or permanently delete."""

    serializer_class = s.DashboardSerializer

    def _get(self, request: Request, project_id: str, dashboard_id: str, **kwargs: Any):
        project_pk = s.parse_path_uuid(project_id, "project_id")
        dashboard_pk = s.parse_path_uuid(dashboard_id, "dashboard_id")
        # A dashboard of another scope than asked answers 404, as if missing.
        scopes = s.parse_scopes(request.query_params.get("scope"), many=False)
        return selectors.dashboard_get(
            user=request.user,
            dashboard_id=dashboard_pk,
            project_id=project_pk,
            scopes=scopes,
            **kwargs,
        )

    @extend_schema(
        operation_id="v1_dashboard_load",
        parameters=[s.SCOPE_PARAMETER, *VARIABLE_PARAMETERS],
        responses=s.envelope("Dashboard", s.DashboardSerializer()),
    )
    def get(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        dashboard = self._get(request, project_id, dashboard_id)
        resolved = variables.resolve_variables(
            dashboard.definition, variables.overrides_from_query(request.query_params)
        )
        return success(
            dashboard_data(dashboard, resolved),
            "Dashboard loaded successfully",
            headers={"ETag": dashboard_etag(dashboard, resolved.variables)},
        )

    @extend_schema(
        operation_id="v1_dashboard_delete",
        parameters=[s.SCOPE_PARAMETER],
        responses={200: s.saved_envelope("DashboardDeleted")},
    )
    def delete(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        dashboard = self._get(request, project_id, dashboard_id, with_widgets=False)
        pk = dashboard.pk
        services.dashboard_delete(dashboard=dashboard, user=request.user)
        return success({"id": pk}, f"Dashboard '{pk}' deleted successfully")


class DashboardSaveView(V1View):
    """Create or update by `dashboard.id`; `version` guards against lost updates (412)."""

    serializer_class = s.DashboardSaveSerializer

    @extend_schema(
        operation_id="v1_dashboard_save",
        responses={200: DASHBOARD_SAVED_ENVELOPE, 201: DASHBOARD_SAVED_ENVELOPE},
    )
    @idempotent()
    def post(self, request: Request, project_id: str) -> Response:
        project_pk = s.parse_path_uuid(project_id, "project_id")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = serializer.validated_data["dashboard"]
        spec = documents.v1_spec(
            name=body["name"],
            scope=serializer.validated_data["scope"],
            definition=body.get("definition"),
        )
        project = selectors.project_get(user=request.user, project_id=project_pk)
        dashboard, created = services.dashboard_upsert(
            user=request.user,
            project=project,
            spec=spec,
            id=body.get("id"),
            expected_version=body.get("version"),
            message=body.get("message"),
        )
        headers = {"ETag": dashboard_etag(dashboard)}
        if created:
            location = reverse("v1:dashboard-detail", args=[project.pk, dashboard.pk])
            headers["Location"] = f"{location}?scope={dashboard.scope}"
        return success(
            {"id": dashboard.pk},
            f"Dashboard '{dashboard.pk}' saved successfully",
            status=201 if created else 200,
            headers=headers,
        )


# --- Projects --------------------------------------------------------------------------


class ProjectListView(V1View):
    """Projects you own or are a member of, by name, each with your role."""

    serializer_class = s.ProjectSerializer

    @extend_schema(
        operation_id="v1_projects_list",
        parameters=s.PAGING_PARAMETERS,
        responses=s.envelope("ProjectList", s.ProjectSerializer(many=True)),
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.project_list_with_role(user=request.user)
        rows, headers = paged(
            request,
            [queryset],
            order=["name", "id"],
            fields=PROJECT_FIELDS,
            query="v1:projects",
            total=queryset.count,
            expressions={"role": F("caller_role")},
        )
        return success(rows, "All projects listed successfully", headers=headers)


class ProjectDetailView(V1View):
    """Load a project, or delete it with its dashboards (admins)."""

    serializer_class = s.ProjectSerializer

    @extend_schema(
        operation_id="v1_project_load", responses=s.envelope("Project", s.ProjectSerializer())
    )
    def get(self, request: Request, project_id: str) -> Response:
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        role = permissions.project_role(request.user, project)
        return success(project_data(project, role), "Project loaded successfully")

    @extend_schema(
        operation_id="v1_project_delete", responses={200: s.saved_envelope("ProjectDeleted")}
    )
    def delete(self, request: Request, project_id: str) -> Response:
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        pk = project.pk
        services.project_delete(project=project, user=request.user)
        return success({"id": pk}, f"Project '{pk}' deleted successfully")


class ProjectSaveView(V1View):
    """Create, or update by `project.id` (admins); omitted fields keep their value."""

    serializer_class = s.ProjectSaveSerializer

    @extend_schema(
        operation_id="v1_project_save",
        responses={200: PROJECT_SAVED_ENVELOPE, 201: PROJECT_SAVED_ENVELOPE},
    )
    @idempotent()
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data["project"])
        project, created = services.project_save(
            user=request.user, id=fields.pop("id", None), **fields
        )
        return success(
            {"id": project.pk},
            f"Project '{project.pk}' saved successfully",
            status=201 if created else 200,
        )


class ProjectMembersView(V1View):
    """Members of a project (any member may look); admins add members or change roles."""

    serializer_class = s.MemberInputSerializer

    @extend_schema(
        operation_id="v1_project_members_list",
        parameters=s.PAGING_PARAMETERS,
        responses=s.envelope("MemberList", s.MemberSerializer(many=True)),
    )
    def get(self, request: Request, project_id: str) -> Response:
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        members = selectors.project_members(project=project)
        rows, headers = paged(
            request,
            [members],
            order=["user_id"],  # unique within the project
            fields=("user_id", "role", "created_at"),
            query=f"v1:members:{project.pk}",
            total=members.count,
            expressions={"username": F("user__username")},
        )
        return success(rows, "Project members listed successfully", headers=headers)

    @extend_schema(
        operation_id="v1_project_member_save",
        responses=s.envelope("Member", s.MemberSerializer()),
    )
    @idempotent()
    def post(self, request: Request, project_id: str) -> Response:
        project_pk = s.parse_path_uuid(project_id, "project_id")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = selectors.project_get(user=request.user, project_id=project_pk)
        membership = services.membership_set(
            project=project,
            actor=request.user,
            user_id=serializer.validated_data["user_id"],
            role=serializer.validated_data["role"],
        )
        data = {
            "user_id": membership.user_id,
            "username": membership.user.get_username(),
            "role": membership.role,
            "created_at": membership.created_at,
        }
        return success(data, f"Member '{membership.user_id}' saved successfully")


class ProjectMemberView(V1View):
    """Remove a member (admins), or leave the project yourself."""

    serializer_class = s.MemberSerializer

    @extend_schema(
        operation_id="v1_project_member_remove",
        request=None,
        responses={
            200: s.envelope(
                "MemberRemoved",
                inline_serializer(name="V1MemberRemovedId", fields={"user_id": IntegerField()}),
            )
        },
    )
    def delete(self, request: Request, project_id: str, user_id: str) -> Response:
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        services.membership_remove(project=project, actor=request.user, user_id=user_id)
        return success({"user_id": int(user_id)}, f"Member '{user_id}' removed successfully")


# --- Users -----------------------------------------------------------------------------


class MeView(V1View):
    """Who the token (or session) belongs to."""

    serializer_class = s.MeSerializer

    @extend_schema(operation_id="v1_users_me", responses=s.envelope("Me", s.MeSerializer()))
    def get(self, request: Request) -> Response:
        return success(s.MeSerializer(current_user(request.user)).data, "User loaded successfully")
