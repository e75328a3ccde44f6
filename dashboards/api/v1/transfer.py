"""Family 2: export and import a project's dashboards, duplicate a dashboard.

The export file is the same in both families (camelCase, it is a file format, like the
v1 `definition`): v1 serves it as the envelope's `data` and takes it back as `document` in
an import body whose own options are snake_case. Decisions: docs/transfer.md.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards import selectors, services
from dashboards.api.base import dashboard_etag
from dashboards.api.fields import StrictBooleanField, StrictCharField, StrictUUIDField
from dashboards.api.transfer import (
    DOCUMENT_INPUT_SCHEMA,
    SCHEMA_VERSION_FIELD,
    DashboardDocumentSerializer,
    message_field,
    streamed_export,
)
from dashboards.api.v1 import serializers as s
from dashboards.api.v1.history import dashboard_from_path
from dashboards.api.v1.views import V1View, success
from dashboards.limits import EXPORT_SCHEMA_VERSION, MAX_IMPORT_DASHBOARDS, NAME_MAX_LENGTH
from dashboards.models import Scope
from dashboards.services.transfer import ON_CONFLICT, ImportResult
from idempotency.decorators import idempotent


@extend_schema_field(
    {
        "type": "object",
        "description": "An export file as GET projects/{project_id}/export serves it in `data`.",
        "properties": {
            "schemaVersion": SCHEMA_VERSION_FIELD,
            "dashboards": {
                "type": "array",
                "maxItems": MAX_IMPORT_DASHBOARDS,
                "items": DOCUMENT_INPUT_SCHEMA,
            },
        },
        "required": ["schemaVersion", "dashboards"],
    }
)
class ExportFileField(serializers.Field):
    """An object; its contents are checked, naming `document.dashboards[i]...`, by the
    service."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_object")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ImportSerializer(serializers.Serializer):
    document = ExportFileField(initial={"schemaVersion": EXPORT_SCHEMA_VERSION, "dashboards": []})
    on_conflict = serializers.ChoiceField(choices=ON_CONFLICT, default="fail", initial="fail")
    dry_run = StrictBooleanField(default=False, initial=True)
    message = message_field()

    class Meta:
        ref_name = "V1ImportInput"


_IMPORTED = inline_serializer(
    "V1Imported", {"name": serializers.CharField(), "id": serializers.UUIDField()}, many=True
)
ImportResultSerializer = inline_serializer(
    "V1ImportResult",
    {
        "dry_run": serializers.BooleanField(),
        "created": _IMPORTED,
        "updated": _IMPORTED,
        "unchanged": _IMPORTED,
        "renamed": inline_serializer(
            "V1Renamed",
            {
                "from": serializers.CharField(),
                "to": serializers.CharField(),
                "id": serializers.UUIDField(),
            },
            many=True,
        ),
    },
)


class DuplicateSerializer(serializers.Serializer):
    # null (what the browsable API's form shows) means the default, like absent.
    name = StrictCharField(
        required=False,
        allow_null=True,
        initial=None,
        max_length=NAME_MAX_LENGTH,
        help_text='Default: "Copy of <name>", then "Copy of <name> (2)", ...',
    )
    project_id = StrictUUIDField(
        required=False, allow_null=True, help_text="Default: the source's project."
    )
    scope = serializers.ChoiceField(
        choices=Scope.values,
        required=False,
        allow_null=True,
        initial=None,
        help_text="The copy's scope; default the source's.",
    )
    message = message_field()

    class Meta:
        ref_name = "V1DuplicateInput"


def import_data(result: ImportResult) -> dict[str, Any]:
    def items(action: str) -> list[dict[str, Any]]:
        return [{"name": o.name, "id": o.id} for o in result.of(action)]

    return {
        "dry_run": result.dry_run,
        "created": items("created"),
        "updated": items("updated"),
        "unchanged": items("unchanged"),
        "renamed": [
            {"from": o.renamed_from, "to": o.name, "id": o.id} for o in result.of("renamed")
        ],
    }


class ProjectExportView(V1View):
    serializer_class = DashboardDocumentSerializer

    @extend_schema(
        operation_id="v1_project_export",
        responses=s.envelope(
            "ProjectExport",
            inline_serializer(
                "V1ProjectExportFile",
                {
                    "dashboards": DashboardDocumentSerializer(many=True),
                    "schemaVersion": serializers.IntegerField(),
                },
            ),
        ),
    )
    def get(self, request: Request, project_id: str) -> Any:
        """Every dashboard of the project that you can see, as one export file, streamed."""
        project = selectors.project_get(
            user=request.user, project_id=s.parse_path_uuid(project_id, "project_id")
        )
        documents = selectors.project_export_documents(user=request.user, project=project)
        message = f"Project '{project.pk}' exported successfully"
        return streamed_export(
            documents,
            head='{"data":{"dashboards":',
            tail=f',"schemaVersion":{EXPORT_SCHEMA_VERSION}}},"message":"{message}",'
            '"status":"success"}',
            filename=f"{project.name} dashboards",
        )


class ProjectImportView(V1View):
    serializer_class = ImportSerializer

    @extend_schema(
        operation_id="v1_project_import",
        responses=s.envelope("ImportResult", ImportResultSerializer),
    )
    @idempotent()
    def post(self, request: Request, project_id: str) -> Response:
        """Import an export file's dashboards (at most 500; body up to 16 MiB), all or
        nothing. `dry_run` answers exactly what the import would do and writes nothing."""
        project_pk = s.parse_path_uuid(project_id, "project_id")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = selectors.project_get(user=request.user, project_id=project_pk)
        document = data["document"]
        result = services.dashboards_import(
            actor=request.user,
            project=project,
            schema_version=document.get("schemaVersion"),
            documents=document.get("dashboards"),
            on_conflict=data["on_conflict"],
            dry_run=data["dry_run"],
            message=data.get("message"),
            where="document.",
        )
        count = len(result.outcomes)
        message = (
            f"Import of {count} dashboards planned (dry run, nothing written)"
            if result.dry_run
            else f"{count} dashboards imported successfully"
        )
        return success(import_data(result), message)


class DashboardDuplicateView(V1View):
    serializer_class = DuplicateSerializer

    @extend_schema(
        operation_id="v1_dashboard_duplicate",
        parameters=[s.SCOPE_PARAMETER],
        responses={201: s.saved_envelope("DashboardDuplicated")},
    )
    @idempotent()
    def post(self, request: Request, project_id: str, dashboard_id: str) -> Response:
        """A copy with the same widgets (ids and configs), without assignments. `?scope=`
        finds the source, as on every v1 dashboard route; the body's `scope` is the copy's."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source = dashboard_from_path(request, project_id, dashboard_id, with_widgets=False)
        target = None
        if data.get("project_id"):
            target = selectors.project_get(user=request.user, project_id=data["project_id"])
        copy = services.dashboard_duplicate(
            actor=request.user,
            source=source,
            name=data.get("name"),
            project=target,
            scope=data.get("scope"),
            message=data.get("message"),
        )
        location = reverse("v1:dashboard-detail", args=[copy.project_id, copy.pk])
        return success(
            {"id": copy.pk},
            f"Dashboard '{source.pk}' duplicated as '{copy.pk}'",
            status=201,
            headers={
                "ETag": dashboard_etag(copy),
                "Location": f"{location}?scope={copy.scope}",
            },
        )
