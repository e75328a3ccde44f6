"""Family 1: export a dashboard or a project, import into a project, duplicate.

Export files are the canonical documents with sorted keys, offered as attachments; a
project export is streamed. Import and duplicate write through the services (one
transaction, versions recorded). Decisions: docs/transfer.md.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards import selectors, services
from dashboards.api.analytics.views import AnalyticsView, with_etag
from dashboards.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)
from dashboards.api.transfer import (
    DOCUMENT_INPUT_SCHEMA,
    SCHEMA_VERSION_FIELD,
    DashboardDocumentSerializer,
    SortedJSONRenderer,
    attachment,
    message_field,
    streamed_export,
)
from dashboards.limits import EXPORT_SCHEMA_VERSION, MAX_IMPORT_DASHBOARDS, NAME_MAX_LENGTH
from dashboards.models import Scope
from dashboards.services.transfer import ON_CONFLICT, ImportResult
from dashboards.specs import export_document
from idempotency.decorators import idempotent


@extend_schema_field(
    {"type": "array", "maxItems": MAX_IMPORT_DASHBOARDS, "items": DOCUMENT_INPUT_SCHEMA}
)
class DocumentListField(serializers.Field):
    """The documents as sent: their shape is checked, with their index, by the service."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(SCHEMA_VERSION_FIELD)
class SchemaVersionField(StrictIntegerField):
    """An integer; which versions this server reads is the service's rule."""


class ExportSerializer(serializers.Serializer):
    schemaVersion = serializers.IntegerField()
    dashboard = DashboardDocumentSerializer()

    class Meta:
        ref_name = "DashboardExport"


class ProjectExportSerializer(serializers.Serializer):
    dashboards = DashboardDocumentSerializer(many=True)
    schemaVersion = serializers.IntegerField()

    class Meta:
        ref_name = "ProjectExport"


class ImportSerializer(serializers.Serializer):
    schemaVersion = SchemaVersionField(initial=EXPORT_SCHEMA_VERSION)
    dashboards = DocumentListField(initial=list)
    onConflict = serializers.ChoiceField(
        choices=ON_CONFLICT,
        default="fail",
        initial="fail",
        help_text="A document whose dashboard exists with other content: fail (409), "
        "overwrite it, or rename the imported copy.",
    )
    dryRun = StrictBooleanField(
        default=False, initial=True, help_text="Answer the plan, write nothing."
    )
    message = message_field()

    class Meta:
        ref_name = "ImportInput"


class ImportedSerializer(serializers.Serializer):
    name = serializers.CharField()
    id = serializers.UUIDField()

    class Meta:
        ref_name = "Imported"


RenamedSerializer = type(
    "RenamedSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.CharField(help_text="The name in the file (taken)."),
        "to": serializers.CharField(help_text="The name the new dashboard got."),
        "id": serializers.UUIDField(),
        "Meta": type("Meta", (), {"ref_name": "Renamed"}),
    },
)


class ImportResultSerializer(serializers.Serializer):
    dryRun = serializers.BooleanField()
    created = ImportedSerializer(many=True)
    updated = ImportedSerializer(many=True)
    unchanged = ImportedSerializer(many=True)
    renamed = RenamedSerializer(many=True)

    class Meta:
        ref_name = "ImportResult"


class DuplicateSerializer(serializers.Serializer):
    # null (what the browsable API's form shows) means the default, like absent.
    name = StrictCharField(
        required=False,
        allow_null=True,
        initial=None,
        max_length=NAME_MAX_LENGTH,
        help_text='Default: "Copy of <name>", then "Copy of <name> (2)", ...',
    )
    projectId = StrictUUIDField(
        required=False, allow_null=True, help_text="Default: the source's project."
    )
    scope = serializers.ChoiceField(
        choices=Scope.values,
        required=False,
        allow_null=True,
        initial=None,
        help_text="Default: the source's scope.",
    )
    message = message_field()

    class Meta:
        ref_name = "DuplicateInput"


class CreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField()
    createdAt = serializers.DateTimeField()

    class Meta:
        ref_name = "DashboardDuplicated"


def import_body(result: ImportResult) -> dict[str, Any]:
    """The plan (dry run) or what was done, camelCase; each document in one list."""

    def items(action: str) -> list[dict[str, Any]]:
        return [{"name": o.name, "id": o.id} for o in result.of(action)]

    return {
        "dryRun": result.dry_run,
        "created": items("created"),
        "updated": items("updated"),
        "unchanged": items("unchanged"),
        "renamed": [
            {"from": o.renamed_from, "to": o.name, "id": o.id} for o in result.of("renamed")
        ],
    }


class DashboardExportView(AnalyticsView):
    renderer_classes = [SortedJSONRenderer]

    @extend_schema(operation_id="dashboard_export", responses=ExportSerializer)
    def get(self, request: Request, dashboard_id: str) -> Response:
        """The dashboard as an export file (keys sorted, no owner or project ids)."""
        dashboard = selectors.dashboard_get(user=request.user, dashboard_id=dashboard_id)
        body = {
            "schemaVersion": EXPORT_SCHEMA_VERSION,
            "dashboard": export_document(dashboard, dashboard.widgets.all()),
        }
        return attachment(Response(body), dashboard.name)


class ProjectExportView(AnalyticsView):
    @extend_schema(operation_id="project_export", responses=ProjectExportSerializer)
    def get(self, request: Request, project_id: str) -> Any:
        """Every dashboard of the project that you can see, by id, streamed."""
        project = selectors.project_get(user=request.user, project_id=project_id)
        documents = selectors.project_export_documents(user=request.user, project=project)
        return streamed_export(
            documents,
            head='{"dashboards":',
            tail=f',"schemaVersion":{EXPORT_SCHEMA_VERSION}}}',
            filename=f"{project.name} dashboards",
        )


class ProjectImportView(AnalyticsView):
    serializer_class = ImportSerializer

    @extend_schema(operation_id="project_import", responses=ImportResultSerializer)
    @idempotent()
    def post(self, request: Request, project_id: str) -> Response:
        """Import export documents (at most 500; body up to 16 MiB), all or nothing.
        `dryRun` answers exactly what the import would do, and writes nothing."""
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = selectors.project_get(user=request.user, project_id=project_id)
        result = services.dashboards_import(
            actor=request.user,
            project=project,
            schema_version=data["schemaVersion"],
            documents=data["dashboards"],
            on_conflict=data["onConflict"],
            dry_run=data["dryRun"],
            message=data.get("message"),
        )
        return Response(import_body(result))


class DashboardDuplicateView(AnalyticsView):
    serializer_class = DuplicateSerializer

    @extend_schema(operation_id="dashboard_duplicate", responses={201: CreatedSerializer})
    @idempotent()
    def post(self, request: Request, dashboard_id: str) -> Response:
        """A copy with the same widgets (ids and configs), without assignments."""
        serializer = DuplicateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_widgets=False
        )
        project = (
            selectors.project_get(user=request.user, project_id=data["projectId"])
            if data.get("projectId")
            else None
        )
        copy = services.dashboard_duplicate(
            actor=request.user,
            source=source,
            name=data.get("name"),
            project=project,
            scope=data.get("scope"),
            message=data.get("message"),
        )
        location = reverse("analytics:dashboard-detail", args=[copy.pk])
        response = Response(
            {"id": copy.pk, "name": copy.name, "type": copy.type, "createdAt": copy.created_at},
            status=201,
            headers={"Location": request.build_absolute_uri(location)},
        )
        return with_etag(response, copy)
