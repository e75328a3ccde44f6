"""API family 1 (`/api/dashboards`, `/api/users/{userId}/dashboards`, `/api/widget-types`).

Thin adapters: parse the body (shape and JSON types only), call selectors and services,
answer camelCase dicts exactly as the analytics source shows them. Errors are raised and
formatted by `dashboards/api/errors.py`. The list and the detail are hot paths: plain dicts
from `.values()` and prefetched rows, a fixed number of queries whatever the size.
"""

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldError
from django.http import Http404
from django.http.response import HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dashboards import listcounts, paging, permissions, selectors, services, variables
from dashboards.api import held_responses
from dashboards.api.analytics import odata
from dashboards.api.analytics import serializers as s
from dashboards.api.base import VARIABLE_PARAMETERS, dashboard_etag, expected_version_from_if_match
from dashboards.exceptions import InvalidQuery, PermissionDenied, ValidationFailed
from dashboards.models import Dashboard, Project, UserDashboard
from dashboards.specs import DashboardSpec, dashboard_document
from dashboards.widgets import registry
from dashboards.widgets.data import WidgetPlan, dashboard_widget_payloads, widget_plans
from idempotency.decorators import idempotent

LIST_FIELDS = ("id", "name", "type", "widget_count", "created_at")

IF_MATCH = OpenApiParameter(
    "If-Match",
    # The ETags this API issues (dashboard_etag), or `*`; anything else is a 400.
    {
        "type": "string",
        "pattern": (
            r'^(\*|(W/)?"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-v[0-9]{1,9}'
            r'(~[0-9a-f]{8})?")$'
        ),
    },
    OpenApiParameter.HEADER,
    description="The ETag you read; if the dashboard changed since, the answer is 412.",
)


def dashboard_body(
    dashboard: Dashboard, resolved: variables.ResolvedVariables, plans: list[WidgetPlan]
) -> dict[str, Any]:
    """The full dashboard with every widget's data (widgets prefetched by the selector):
    the dashboard document, each widget with its `data` under `resolved` variables, the
    variables' values and where it lives. `plans`: the widgets' `widget_plans`."""
    widgets = list(dashboard.widgets.all())
    payloads = dashboard_widget_payloads(
        dashboard, widgets, variables=resolved.variables, now=resolved.now, plans=plans
    )
    document = dashboard_document(dashboard, widgets)
    # A widget whose data failed carries `"data": null, "error": {...}`; the rest answer.
    document["widgets"] = [
        {**item, **payload.body_fields()}
        for item, payload in zip(document["widgets"], payloads, strict=True)
    ]
    return {
        "id": dashboard.pk,
        **document,
        "projectId": dashboard.project_id,
        "ownerId": dashboard.owner_id,
        "version": dashboard.version,
        "createdAt": dashboard.created_at,
        "updatedAt": dashboard.updated_at,
        "variables": resolved.applied,
    }


def updated_body(dashboard: Dashboard) -> dict[str, Any]:
    return {
        "id": dashboard.pk,
        "name": dashboard.name,
        "updatedAt": dashboard.updated_at,
        "version": dashboard.version,
    }


def body_project(request: Request) -> Project | None:
    """The project a body names in `projectId` (null or absent: none), visible to the caller."""
    project_id = request.data.get("projectId") if isinstance(request.data, dict) else None
    if project_id is None:
        return None
    pk = selectors.parse_uuid(project_id) if isinstance(project_id, str) else None
    if pk is None:
        raise ValidationFailed(details={"projectId": ["Must be a valid UUID."]})
    return selectors.project_get(user=request.user, project_id=pk)


def with_etag(response: Response, dashboard: Dashboard) -> Response:
    response["ETag"] = dashboard_etag(dashboard)
    return response


class AnalyticsView(GenericAPIView):
    """Base of the family: GenericAPIView so that the browsable API offers a form."""

    def get_object(self) -> Any:
        # Only DRF's OPTIONS metadata calls this (for PUT); views load their objects through
        # selectors, with the visibility rules. Without this, OPTIONS was a 500 (no queryset).
        raise Http404


class DashboardCollectionView(AnalyticsView):
    serializer_class = s.DashboardWriteSerializer

    @extend_schema(
        operation_id="dashboards_list",
        parameters=[
            OpenApiParameter("$filter", str, description="OData v4 filter (docs/odata.md)."),
            OpenApiParameter("$orderby", str, description="e.g. `createdAt desc, name`."),
            OpenApiParameter(
                "$top",
                {"type": "integer", "minimum": 1, "maximum": odata.MAX_TOP, "default": 100},
                description="Page size, 1 to 1000 (default 100).",
            ),
            OpenApiParameter(
                "$skip",
                {"type": "integer", "minimum": 0, "maximum": odata.MAX_SKIP, "default": 0},
                description="Rows to skip (default 0, at most 10,000; deeper pages follow "
                "`nextLink`).",
            ),
            OpenApiParameter(
                "$skiptoken",
                str,
                description="Opaque: the position after the last row of a page. Only as "
                "found in `nextLink`; a token that was altered is a 400.",
            ),
        ],
        responses=s.DashboardListSerializer,
    )
    def get(self, request: Request) -> Response:
        """Dashboards you can see, filtered, ordered and paged the OData way."""
        query = odata.parse_list_query(request.query_params)
        # Read first: the total cached under this version counts rows no older than it.
        state = listcounts.list_state(request.user)
        project_ids = state.project_ids if state else None
        name = f"analytics:{query.filter_text}"  # names the list and its filter
        sources = selectors.dashboard_page_sources(
            user=request.user, query=name, project_ids=project_ids
        )
        try:
            rows, more = paging.fetch_page(
                sources,
                condition=query.filter,
                order=query.order_by,
                fields=LIST_FIELDS,
                limit=query.top,
                offset=query.skip,
                after=query.after,
            )
        except (FieldError, TypeError, ValueError) as error:  # defence in depth, as odata
            raise InvalidQuery(details={"$filter": [str(error)]}) from None
        # Exact, and cached per (user, filter) under the user's list version: page 10,000
        # costs what page 1 costs (docs/list-counts.md).
        count = listcounts.cached_count(
            request.user,
            name,
            lambda: paging.count_rows(
                selectors.dashboard_count_parts(user=request.user, project_ids=project_ids),
                condition=query.filter,
            ),
            state=state,
        )
        body: dict[str, Any] = {
            "value": [
                {
                    "id": row["id"],
                    "name": row["name"],
                    "type": row["type"],
                    "widgetCount": row["widget_count"],
                    "createdAt": row["created_at"],
                }
                for row in rows
            ],
            "count": count,
        }
        if more:
            # Server-driven paging: the next page starts after this page's last row.
            token = query.skiptoken(paging.sort_values(rows[-1], query.order_by))
            url = remove_query_param(request.build_absolute_uri(), "$skip")
            body["nextLink"] = replace_query_param(url, "$skiptoken", token)
        return Response(body)

    @extend_schema(operation_id="dashboards_create", responses={201: s.DashboardCreatedSerializer})
    @idempotent()
    def post(self, request: Request) -> Response:
        """Create a dashboard (in your personal project unless `projectId` is given)."""
        spec = DashboardSpec.from_document(request.data, required=["name"])
        dashboard = services.dashboard_save(
            actor=request.user,
            spec=spec,
            project=body_project(request),
            message=request.data.get("message"),
        )
        location = reverse("analytics:dashboard-detail", args=[dashboard.pk])
        response = Response(
            {
                "id": dashboard.pk,
                "name": dashboard.name,
                "type": dashboard.type,
                "createdAt": dashboard.created_at,
            },
            status=201,
            headers={"Location": request.build_absolute_uri(location)},
        )
        return with_etag(response, dashboard)


class DashboardDetailView(AnalyticsView):
    serializer_class = s.DashboardWriteSerializer

    @extend_schema(
        operation_id="dashboards_retrieve",
        parameters=VARIABLE_PARAMETERS,
        responses=s.DashboardSerializer,
    )
    def get(self, request: Request, dashboard_id: str) -> HttpResponseBase:
        """The dashboard with all its widgets and their data under its variables (defaults,
        or `var-<name>` overrides); `ETag` names its version."""
        dashboard = selectors.dashboard_get(user=request.user, dashboard_id=dashboard_id)
        resolved = variables.resolve_variables(
            dashboard.definition, variables.overrides_from_query(request.query_params)
        )
        plans = widget_plans(
            dashboard, list(dashboard.widgets.all()), resolved.now, resolved.variables
        )

        def build() -> Response:
            body = dashboard_body(dashboard, resolved, plans)
            response = Response(body)
            # Widget data changes without a new version: never serve this from a cache.
            response["Cache-Control"] = "private, no-cache"
            response["ETag"] = dashboard_etag(dashboard, resolved.variables)
            # A widget whose data failed is asked again next time.
            response.held = not any("error" in widget for widget in body["widgets"])
            return response

        # Everything the body is made of: the dashboard's row (any save moves updated_at),
        # the variables as applied, and each widget's data by its digest.
        name = (
            dashboard.pk,
            dashboard.version,
            dashboard.updated_at.isoformat(),
            json.dumps(resolved.applied, sort_keys=True, default=str),
            *(plan.digest for plan in plans if plan.metric),
        )
        return held_responses.DASHBOARDS.served(request, name, build)

    @extend_schema(
        operation_id="dashboards_update",
        parameters=[IF_MATCH],
        responses=s.DashboardUpdatedSerializer,
    )
    def put(self, request: Request, dashboard_id: str) -> Response:
        """Replace the definition and the widget list; a kept widget id keeps its identity."""
        return self.write(request, dashboard_id, partial=False)

    @extend_schema(
        operation_id="dashboards_partial_update",
        parameters=[IF_MATCH],
        responses=s.DashboardUpdatedSerializer,
    )
    def patch(self, request: Request, dashboard_id: str) -> Response:
        """Change only the fields sent (widgets only when `widgets` is sent)."""
        return self.write(request, dashboard_id, partial=True)

    def write(self, request: Request, dashboard_id: str, *, partial: bool) -> Response:
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        expected = expected_version_from_if_match(request, dashboard)
        spec = DashboardSpec.from_document(request.data, required=[] if partial else ["name"])
        if not partial:
            # PUT replaces the definition and the widget list: absent means empty.
            spec = spec.with_defaults("definition", "widgets")
        updated = services.dashboard_save(
            actor=request.user,
            spec=spec,
            dashboard=dashboard,
            project=body_project(request),
            expected_version=expected,
            message=request.data.get("message"),
        )
        return with_etag(Response(updated_body(updated)), updated)

    @extend_schema(
        operation_id="dashboards_destroy",
        parameters=[IF_MATCH],
        responses={200: s.DeletedSerializer},
    )
    def delete(self, request: Request, dashboard_id: str) -> Response:
        """Delete the dashboard with its widgets and assignments."""
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        services.dashboard_delete(
            dashboard=dashboard,
            user=request.user,
            expected_version=expected_version_from_if_match(request, dashboard),
        )
        return Response({"success": True, "message": "Dashboard deleted"})


# --- A user's dashboards -----------------------------------------------------------------


def user_dashboards_body(user_id: int, assignments: Iterable[UserDashboard]) -> dict[str, Any]:
    return {
        "userId": user_id,
        "dashboards": [
            {
                "id": a.dashboard_id,
                "name": a.dashboard.name,
                "type": a.dashboard.type,
                "isDefault": a.is_default,
            }
            for a in assignments
        ],
    }


def own_list_body(request: Request, user_id: str) -> dict[str, Any]:
    assignments = selectors.user_assignments(actor=request.user, user_id=user_id)
    return user_dashboards_body(selectors.parse_user_id(user_id), assignments)


def check_own_or_staff(request: Request, user_id: str) -> None:
    # Before reading the body: a non-staff caller learns nothing about other users.
    if not permissions.can_manage_assignments_of(request.user, selectors.parse_user_id(user_id)):
        raise PermissionDenied("Only staff may see or change another user's dashboards.")


class UserDashboardsView(AnalyticsView):
    serializer_class = s.AssignSerializer

    @extend_schema(operation_id="user_dashboards_list", responses=s.UserDashboardsSerializer)
    def get(self, request: Request, user_id: str) -> Response:
        """The dashboards assigned to the user, in their order. Your own, or anyone's for staff."""
        return Response(own_list_body(request, user_id))

    @extend_schema(
        operation_id="user_dashboards_assign", responses={201: s.UserDashboardsSerializer}
    )
    @idempotent()
    def post(self, request: Request, user_id: str) -> Response:
        """Assign a dashboard you may change to yourself or to someone you share a project
        with (staff: to anyone). The answer lists what you may read: your own (or, for
        staff, the user's) whole list, otherwise only this assignment."""
        serializer = s.AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dashboard = selectors.dashboard_get(
            user=request.user,
            dashboard_id=serializer.validated_data["dashboardId"],
            with_widgets=False,
        )
        assignment = services.dashboard_assign(
            actor=request.user,
            user_id=user_id,
            dashboard=dashboard,
            is_default=serializer.validated_data["isDefault"],
        )
        if permissions.can_manage_assignments_of(request.user, assignment.user_id):
            body = own_list_body(request, user_id)
        else:
            body = user_dashboards_body(assignment.user_id, [assignment])
        return Response(body, status=201)


class UserDashboardOrderView(AnalyticsView):
    serializer_class = s.AssignmentOrderSerializer

    @extend_schema(operation_id="user_dashboards_reorder", responses=s.UserDashboardsSerializer)
    def put(self, request: Request, user_id: str) -> Response:
        """Set the order of the user's dashboards: list every assigned id once."""
        check_own_or_staff(request, user_id)
        serializer = s.AssignmentOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assignments_reorder(
            actor=request.user,
            user_id=user_id,
            dashboard_ids=serializer.validated_data["dashboardIds"],
        )
        return Response(own_list_body(request, user_id))


class UserDashboardDetailView(AnalyticsView):
    serializer_class = s.AssignmentUpdateSerializer

    @extend_schema(operation_id="user_dashboards_set_default", responses=s.UserDashboardsSerializer)
    def patch(self, request: Request, user_id: str, dashboard_id: str) -> Response:
        """Make this dashboard the user's default (`{"isDefault": true}`), or not."""
        check_own_or_staff(request, user_id)
        serializer = s.AssignmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dashboard = selectors.assigned_dashboard(
            actor=request.user, user_id=user_id, dashboard_id=dashboard_id
        )
        services.dashboard_set_default(
            actor=request.user,
            user_id=user_id,
            dashboard=dashboard,
            is_default=serializer.validated_data["isDefault"],
        )
        return Response(own_list_body(request, user_id))

    @extend_schema(operation_id="user_dashboards_unassign", responses={200: s.DeletedSerializer})
    def delete(self, request: Request, user_id: str, dashboard_id: str) -> Response:
        """Remove the dashboard from the user's list (the dashboard itself stays)."""
        if permissions.can_manage_assignments_of(request.user, selectors.parse_user_id(user_id)):
            dashboard = selectors.assigned_dashboard(
                actor=request.user, user_id=user_id, dashboard_id=dashboard_id
            )
        else:
            # Someone else's list: only through a dashboard the caller can see.
            dashboard = selectors.dashboard_get(
                user=request.user, dashboard_id=dashboard_id, with_widgets=False
            )
        services.dashboard_unassign(actor=request.user, user_id=user_id, dashboard=dashboard)
        return Response({"success": True, "message": "Dashboard unassigned"})


# --- Widget types ------------------------------------------------------------------------


def widget_type_catalogue() -> dict[str, Any]:
    types = [
        {
            "name": t.name,
            "description": t.description,
            "sizes": list(t.sizes),
            "hasData": t.has_data,
            "configSchema": t.config_schema,
            "dataSchema": t.data_schema,
            "render": t.render.as_dict(),
        }
        for t in registry.all_types()
    ]
    return {"value": types, "count": len(types)}


class WidgetTypeListView(AnalyticsView):
    @extend_schema(operation_id="widget_types_list", responses=s.WidgetTypeListSerializer)
    def get(self, request: Request) -> Response:
        """Every registered widget type with its sizes and the JSON Schema of its config."""
        return Response(widget_type_catalogue())
