"""Family 2: a dashboard's versions, one version, a diff, and restore, in the envelope.

The same rules as family 1 (docs/history.md): viewers list, read and diff; restore needs
change permission, and `version` in its body guards it like a save's. Versions show the
dashboard as v1 does (`documents.v1_dashboard`); diffs point into that shape.
"""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards import documents, selectors, services
from dashboards.api.base import dashboard_etag
from dashboards.api.fields import StrictIntegerField
from dashboards.api.transfer import message_field
from dashboards.api.v1 import serializers as s
from dashboards.api.v1.views import V1View, paged, success
from dashboards.diff import document_diff
from dashboards.exceptions import ValidationFailed
from dashboards.models import Dashboard, DashboardVersion
from dashboards.selectors import MAX_VERSION_NUMBER, VERSION_LIST_FIELDS
from dashboards.specs import export_document

TO = OpenApiParameter(
    "to",
    {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER},
    description="The version to compare with (default: the current one).",
)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="number")
    created_at = serializers.DateTimeField()
    author_id = serializers.IntegerField(allow_null=True, help_text="null: a deleted user.")
    message = serializers.CharField(allow_blank=True)
    restored_from = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "V1Version"


class VersionDetailSerializer(VersionSerializer):
    dashboard = inline_serializer(
        "V1VersionDashboard",
        {
            "id": serializers.UUIDField(),
            "name": serializers.CharField(),
            "scope": serializers.CharField(),
            "definition": serializers.JSONField(),
        },
    )

    class Meta:
        ref_name = "V1VersionDetail"


DiffSerializer = type(
    "V1DiffSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.IntegerField(),
        "to": serializers.IntegerField(),
        "patch": serializers.ListField(
            child=serializers.DictField(), help_text="RFC 6902 operations turning from into to."
        ),
        "summary": inline_serializer(
            "V1DiffSummary",
            {
                name: serializers.ListField(child=serializers.CharField())
                for name in (
                    "fields",
                    "widgets_added",
                    "widgets_removed",
                    "widgets_changed",
                    "widgets_moved",
                )
            },
        ),
        "Meta": type("Meta", (), {"ref_name": "V1Diff"}),
    },
)


class RestoreSerializer(serializers.Serializer):
    version = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_VERSION_NUMBER,
        help_text="The dashboard version you looked at; a newer one answers 412.",
    )
    message = message_field()

    class Meta:
        ref_name = "V1RestoreInput"


class RestoredSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    restored_from = serializers.IntegerField()

    class Meta:
        ref_name = "V1Restored"


def version_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": row["number"],
        "created_at": row["created_at"],
        "author_id": row["author_id"],
        "message": row["message"],
        "restored_from": row["restored_from"],
    }


def version_data(version: DashboardVersion) -> dict[str, Any]:
    row = {field: getattr(version, field) for field in VERSION_LIST_FIELDS}
    return {**version_row(row), "dashboard": documents.v1_dashboard(version.document)}


def v1_diff(summary: dict[str, list[str]], patch: list[dict[str, Any]]) -> dict[str, Any]:
    moved = [
        {
            **op,
            "path": documents.v1_pointer(op["path"]),
            **({"from": documents.v1_pointer(op["from"])} if "from" in op else {}),
        }
        for op in patch
    ]
    return {
        "patch": moved,
        "summary": {
            "fields": [documents.v1_field(field) for field in summary["fields"]],
            "widgets_added": summary["widgetsAdded"],
            "widgets_removed": summary["widgetsRemoved"],
            "widgets_changed": summary["widgetsChanged"],
            "widgets_moved": summary["widgetsMoved"],
        },
    }


def dashboard_from_path(
    request: Request, project_id: str, dashboard_id: str, **kwargs: Any
) -> Dashboard:
    """The dashboard as v1 addresses it (project, id, `?scope=`; 404 otherwise)."""
    return selectors.dashboard_get(
        user=request.user,
        dashboard_id=s.parse_path_uuid(dashboard_id, "dashboard_id"),
        project_id=s.parse_path_uuid(project_id, "project_id"),
        scopes=s.parse_scopes(request.query_params.get("scope"), many=False),
        **kwargs,
    )


def _number(value: str, name: str = "number") -> int:
    number = selectors.parse_version_number(value)
    if number is None:
        message = f"{value!r} is not a version number (1 to {MAX_VERSION_NUMBER})."
        raise ValidationFailed(f"{name}: {message}", details={name: [message]})
    return number


class VersionListView(V1View):
    serializer_class = VersionSerializer

    @extend_schema(
        operation_id="v1_dashboard_versions_list",
        parameters=[s.SCOPE_PARAMETER, *s.PAGING_PARAMETERS],
        responses=s.envelope("VersionList", VersionSerializer(many=True)),
    )
    def get(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        """The dashboard's versions, newest first."""
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        versions = selectors.version_list(dashboard=dashboard)
        rows, headers = paged(
            request,
            [versions],
            order=["-number"],  # unique within the dashboard
            fields=VERSION_LIST_FIELDS,
            query=f"v1:versions:{dashboard.pk}",
            total=versions.count,
        )
        return success(
            [version_row(row) for row in rows], "Versions listed successfully", headers=headers
        )


class VersionDetailView(V1View):
    serializer_class = VersionDetailSerializer

    @extend_schema(
        operation_id="v1_dashboard_version_load",
        parameters=[s.SCOPE_PARAMETER],
        responses=s.envelope("VersionDetail", VersionDetailSerializer()),
    )
    def get(self, request: Request, project_id: str, dashboard_id: str, number: str) -> Response:
        """One version, with the dashboard as it was."""
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        version = selectors.version_get(dashboard=dashboard, number=_number(number))
        return success(version_data(version), "Version loaded successfully")


class VersionDiffView(V1View):
    serializer_class = DiffSerializer

    @extend_schema(
        operation_id="v1_dashboard_version_diff",
        parameters=[s.SCOPE_PARAMETER, TO],
        responses=s.envelope("Diff", DiffSerializer()),
    )
    def get(self, request: Request, project_id: str, dashboard_id: str, number: str) -> Response:
        """RFC 6902 operations turning this version into `to` (default: the current one),
        widgets matched by id; paths point into the v1 dashboard (`/definition/widgets/0`)."""
        source_number = _number(number)
        raw_to = request.query_params.get("to")
        to = None if raw_to is None else _number(raw_to, "to")
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=to is None)
        source = selectors.version_get(dashboard=dashboard, number=source_number)
        if to is None:
            to, target = dashboard.version, export_document(dashboard, dashboard.widgets.all())
        else:
            target = selectors.version_get(dashboard=dashboard, number=to).document
        patch, summary = document_diff(source.document, target)
        data = {"from": source.number, "to": to, **v1_diff(summary, patch)}
        return success(data, "Versions compared successfully")


class VersionRestoreView(V1View):
    serializer_class = RestoreSerializer

    @extend_schema(
        operation_id="v1_dashboard_version_restore",
        parameters=[s.SCOPE_PARAMETER],
        request=RestoreSerializer,
        responses=s.envelope("Restored", RestoredSerializer()),
    )
    def post(self, request: Request, project_id: str, dashboard_id: str, number: str) -> Response:
        """Make this version's content current again, as a new version (the scope stays)."""
        version_number = _number(number)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dashboard = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        restored, version = services.dashboard_restore(
            actor=request.user,
            dashboard=dashboard,
            number=version_number,
            expected_version=serializer.validated_data.get("version"),
            message=serializer.validated_data.get("message"),
        )
        data = {
            "id": restored.pk,
            "name": restored.name,
            "updated_at": restored.updated_at,
            "version": restored.version,
            "restored_from": version.number,
        }
        return success(
            data,
            f"Dashboard '{restored.pk}' restored from version {version.number}",
            headers={"ETag": dashboard_etag(restored)},
        )
