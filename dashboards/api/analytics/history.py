"""Family 1: a dashboard's versions, one version, a diff between two, and restore.

Whoever may see the dashboard may list, read and diff; restore needs change permission
and honours `If-Match`. Decisions: docs/history.md.
"""

from typing import Any

from django.db.models import Count, Window
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from dashboards import selectors, services
from dashboards.api.analytics import odata
from dashboards.api.analytics.views import IF_MATCH, AnalyticsView, with_etag
from dashboards.api.base import expected_version_from_if_match
from dashboards.api.transfer import DashboardDocumentSerializer, message_field
from dashboards.diff import document_diff
from dashboards.exceptions import ValidationFailed
from dashboards.models import DashboardVersion
from dashboards.selectors import MAX_VERSION_NUMBER, VERSION_LIST_FIELDS
from dashboards.specs import export_document

PAGING = [
    OpenApiParameter(
        "$top",
        {"type": "integer", "minimum": 1, "maximum": odata.MAX_TOP, "default": odata.DEFAULT_TOP},
        description="Page size, 1 to 1000 (default 100).",
    ),
    OpenApiParameter(
        "$skip",
        {"type": "integer", "minimum": 0, "maximum": odata.MAX_SKIP, "default": 0},
        description="Versions to skip (default 0).",
    ),
]
TO = OpenApiParameter(
    "to",
    {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER},
    description="The version to compare with (default: the current one).",
)


def version_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": row["number"],
        "createdAt": row["created_at"],
        "authorId": row["author_id"],
        "message": row["message"],
        "restoredFrom": row["restored_from"],
    }


def version_body(version: DashboardVersion) -> dict[str, Any]:
    row = {field: getattr(version, field) for field in VERSION_LIST_FIELDS}
    return {**version_item(row), "dashboard": version.document}


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    authorId = serializers.IntegerField(allow_null=True, help_text="null: a deleted user.")
    message = serializers.CharField(allow_blank=True)
    restoredFrom = serializers.IntegerField(
        allow_null=True, help_text="The version this one restored, if it was a restore."
    )

    class Meta:
        ref_name = "Version"


class VersionListSerializer(serializers.Serializer):
    value = VersionSerializer(many=True)
    count = serializers.IntegerField(help_text="Versions kept, over all pages.")
    nextLink = serializers.URLField(required=False, help_text="Present when more follow.")

    class Meta:
        ref_name = "VersionList"


class VersionDetailSerializer(VersionSerializer):
    dashboard = DashboardDocumentSerializer()

    class Meta:
        ref_name = "VersionDetail"


# "from" is a Python keyword, so these two are built with type().
PatchOperationSerializer = type(
    "PatchOperationSerializer",
    (serializers.Serializer,),
    {
        "op": serializers.ChoiceField(choices=["add", "remove", "replace", "move"]),
        "path": serializers.CharField(help_text="RFC 6901 JSON Pointer."),
        "value": serializers.JSONField(required=False, help_text="add and replace: the value."),
        "from": serializers.CharField(required=False, help_text="move: where the value was."),
        "Meta": type("Meta", (), {"ref_name": "PatchOperation"}),
    },
)


class DiffSummarySerializer(serializers.Serializer):
    fields = serializers.ListField(child=serializers.CharField())
    widgetsAdded = serializers.ListField(child=serializers.CharField())
    widgetsRemoved = serializers.ListField(child=serializers.CharField())
    widgetsChanged = serializers.ListField(child=serializers.CharField())
    widgetsMoved = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "DiffSummary"


DiffSerializer = type(
    "DiffSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(),
        "patch": PatchOperationSerializer(many=True, help_text="RFC 6902: turns from into to."),
        "summary": DiffSummarySerializer(),
        "Meta": type("Meta", (), {"ref_name": "Diff"}),
    },
)


class RestoreSerializer(serializers.Serializer):
    message = message_field()

    class Meta:
        ref_name = "RestoreInput"


class RestoredSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    updatedAt = serializers.DateTimeField()
    version = serializers.IntegerField()
    restoredFrom = serializers.IntegerField()

    class Meta:
        ref_name = "Restored"


class VersionListView(AnalyticsView):
    @extend_schema(
        operation_id="dashboard_versions_list", parameters=PAGING, responses=VersionListSerializer
    )
    def get(self, request: Request, dashboard_id: str) -> Response:
        """The dashboard's versions, newest first (the newest DASHBOARD_VERSIONS_KEEP)."""
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        top, skip = odata.parse_paging(request.query_params)
        versions = selectors.version_list(dashboard=dashboard)
        rows = list(
            versions.annotate(total_rows=Window(Count("*"))).values(
                *VERSION_LIST_FIELDS, "total_rows"
            )[skip : skip + top]
        )
        count = rows[0]["total_rows"] if rows else (versions.count() if skip else 0)
        body: dict[str, Any] = {"value": [version_item(row) for row in rows], "count": count}
        if skip + top < count:
            body["nextLink"] = replace_query_param(
                request.build_absolute_uri(), "$skip", skip + top
            )
        return Response(body)


class VersionDetailView(AnalyticsView):
    @extend_schema(operation_id="dashboard_version_retrieve", responses=VersionDetailSerializer)
    def get(self, request: Request, dashboard_id: str, number: str) -> Response:
        """One version with the whole dashboard document as it was."""
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        return Response(version_body(selectors.version_get(dashboard=dashboard, number=number)))


def parse_to(value: str | None) -> int | None:
    if value is None:
        return None
    number = selectors.parse_version_number(value)
    if number is None:
        raise ValidationFailed(
            details={"to": [f"Must be a version number from 1 to {MAX_VERSION_NUMBER}."]}
        )
    return number


class VersionDiffView(AnalyticsView):
    @extend_schema(operation_id="dashboard_version_diff", parameters=[TO], responses=DiffSerializer)
    def get(self, request: Request, dashboard_id: str, number: str) -> Response:
        """RFC 6902 operations turning this version into `to` (default: the current one);
        widgets are matched by their id."""
        to = parse_to(request.query_params.get("to"))
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=to is None
        )
        source = selectors.version_get(dashboard=dashboard, number=number)
        if to is None:
            to, target = dashboard.version, export_document(dashboard, dashboard.widgets.all())
        else:
            target = selectors.version_get(dashboard=dashboard, number=to).document
        patch, summary = document_diff(source.document, target)
        return Response({"from": source.number, "to": to, "patch": patch, "summary": summary})


class VersionRestoreView(AnalyticsView):
    serializer_class = RestoreSerializer

    @extend_schema(
        operation_id="dashboard_version_restore",
        parameters=[IF_MATCH],
        request=RestoreSerializer,
        responses=RestoredSerializer,
    )
    def post(self, request: Request, dashboard_id: str, number: str) -> Response:
        """Make this version's content current again, as a new version (the scope stays)."""
        serializer = RestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        restored, version = services.dashboard_restore(
            actor=request.user,
            dashboard=dashboard,
            number=number,
            expected_version=expected_version_from_if_match(request, dashboard),
            message=serializer.validated_data.get("message"),
        )
        body = {
            "id": restored.pk,
            "name": restored.name,
            "updatedAt": restored.updated_at,
            "version": restored.version,
            "restoredFrom": version.number,
        }
        return with_etag(Response(body), restored)
