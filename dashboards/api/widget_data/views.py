"""Metric ingestion and one widget's data with ETags (SPEC, "Widget data"), family 1 format.

Thin adapters: the rules (who may write, what a valid point is, how data is cached and
versioned) are in `dashboards.metrics` and `dashboards.widgets.data`.
"""

from typing import Any

from django.http import HttpResponse
from django.utils.http import http_date, parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards import metrics, selectors, variables
from dashboards.api.base import VARIABLE_PARAMETERS
from dashboards.api.renderers import FastJSONRenderer
from dashboards.api.widget_schema import (
    AppliedVariablesField,
    WidgetDataField,
    WidgetErrorSerializer,
)
from dashboards.exceptions import ValidationFailed, WidgetNotFound
from dashboards.limits import MAX_DIMENSION_VALUE_LENGTH
from dashboards.widgets import data as widget_data
from dashboards.widgets import export, registry
from dashboards.widgets.registry import METRIC_NAME_PATTERN
from idempotency.decorators import idempotent
from ops import metrics as ops_metrics

# A widget whose data could not be computed (timeout, database error): worth asking again.
RETRY_AFTER_SECONDS = 5

_POINTS = serializers.ListField(
    child=inline_serializer(
        "MetricPointIn",
        {
            "metric": serializers.RegexField(METRIC_NAME_PATTERN, max_length=100),
            "timestamp": serializers.DateTimeField(help_text="ISO 8601 with a zone (Z or +hh:mm)."),
            "value": serializers.FloatField(),
            "dimensions": serializers.DictField(
                child=serializers.CharField(
                    max_length=MAX_DIMENSION_VALUE_LENGTH, allow_blank=True
                ),
                required=False,
                allow_null=True,
                help_text="At most 20; names are 1-100 letters, digits or '_.:-'. null = none.",
            ),
        },
    ),
    min_length=1,
    max_length=metrics.MAX_POINTS,
)


class MetricIngestView(APIView):
    """`POST /api/projects/{projectId}/metrics`: up to 10,000 points, all or nothing."""

    @extend_schema(
        operation_id="metrics_ingest",
        request=inline_serializer("MetricIngest", {"points": _POINTS}),
        responses={
            200: inline_serializer("MetricIngestResult", {"accepted": serializers.IntegerField()})
        },
    )
    @idempotent()
    def post(self, request: Request, project_id: str) -> Response:
        project = selectors.project_get(user=request.user, project_id=project_id)
        accepted = metrics.metrics_ingest(project=project, user=request.user, body=request.data)
        ops_metrics.INGESTED_POINTS.inc(accepted)
        return Response({"accepted": accepted})


def _client_etags(request: Request) -> frozenset[str]:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ does not matter. Read
    # from META: `request.headers` builds a dict of every header first.
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return frozenset()
    return frozenset(tag.removeprefix("W/") for tag in parse_etags(header))


class CSVRenderer(BaseRenderer):
    """Chosen by `?format=csv` or `Accept: text/csv`; the view writes the bytes itself
    (`dashboards.widgets.export`), errors stay JSON (`finalize_response`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class WidgetDataView(APIView):
    """`GET /api/dashboards/{id}/widgets/{widgetId}/data`, with a strong ETag and 304, under
    the dashboard's variables; `?format=csv` downloads the same data as CSV."""

    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        operation_id="dashboard_widget_data",
        parameters=[
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER),
            OpenApiParameter(
                "format",
                {"enum": ["json", "csv"], "default": "json"},
                OpenApiParameter.QUERY,
                description=(
                    "`csv`: the data as a CSV download (`period,value,dimension`, one row per "
                    "point; docs/variables.md). A text widget has no data: 400."
                ),
            ),
            *VARIABLE_PARAMETERS,
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                inline_serializer(
                    "WidgetData",
                    {
                        "id": serializers.CharField(),
                        "type": serializers.CharField(),
                        "data": WidgetDataField(allow_null=True),
                        "variables": AppliedVariablesField(),
                    },
                ),
                description=(
                    "The widget's data under the dashboard's variables; with `format=csv` "
                    "(or `Accept: text/csv`) the same as a CSV attachment "
                    "`<dashboard>-<widget>.csv`."
                ),
            ),
            (200, "text/csv"): OpenApiResponse({"type": "string"}),
            304: OpenApiResponse(description="Not modified: the ETag sent is current."),
            (503, "application/json"): OpenApiResponse(
                inline_serializer(
                    "WidgetDataFailed",
                    {
                        "id": serializers.CharField(),
                        "type": serializers.CharField(),
                        "data": serializers.JSONField(allow_null=True),
                        "error": WidgetErrorSerializer(),
                        "variables": AppliedVariablesField(),
                    },
                ),
                description=(
                    "The data could not be computed in time (WIDGET_TIMEOUT) or at all "
                    "(WIDGET_DATA_ERROR); `data` is null. Retry after `Retry-After` seconds."
                ),
            ),
        },
    )
    def get(self, request: Request, dashboard_id: str, widget_id: str) -> Response:
        dashboard = selectors.dashboard_get(
            user=request.user, dashboard_id=dashboard_id, with_series=True
        )
        widget = next((w for w in dashboard.widgets.all() if w.key == widget_id), None)
        if widget is None:
            raise WidgetNotFound(f"Dashboard has no widget {widget_id!r}.")
        as_csv = request.accepted_renderer.format == CSVRenderer.format
        if as_csv and not registry.get(widget.type).has_data:
            raise ValidationFailed(
                details={"format": [f"A {widget.type} widget has no data to export."]}
            )
        # Bad variables are refused before anything is computed or cached.
        resolved = variables.resolve_variables(
            dashboard.definition, variables.overrides_from_query(request.query_params)
        )
        payload = widget_data.widget_payload(
            dashboard,
            widget,
            # A CSV download is not conditional: its validators would be the JSON's.
            known_etags=frozenset() if as_csv else _client_etags(request),
            variables=resolved.variables,
            now=resolved.now,
        )
        if payload.error is not None:
            # The same widget object as in the dashboard, under a status that says "not now"
            # (docs/widget-data.md); never cached, no validators.
            body = {
                "id": payload.key,
                "type": payload.type,
                **payload.body_fields(),
                "variables": resolved.applied,
            }
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
            return Response(body, status=503, headers=headers)
        headers: dict[str, Any] = {
            "ETag": payload.etag,
            "Last-Modified": http_date(payload.last_modified.timestamp()),
            # Clients may keep the body but must ask again each time (a 304 is cheap).
            "Cache-Control": "private, no-cache",
        }
        if as_csv:
            response = HttpResponse(
                export.widget_csv(payload.data), content_type=export.CONTENT_TYPE
            )
            response["Content-Disposition"] = export.content_disposition(dashboard.name, widget.key)
            response["Cache-Control"] = "private, no-cache"
            return response
        if payload.unchanged:
            return Response(status=304, headers=headers)
        body = {
            "id": payload.key,
            "type": payload.type,
            "data": payload.data,
            "variables": resolved.applied,
        }
        return Response(body, headers=headers)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # An error answers in the family's JSON format even when CSV was asked for.
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = FastJSONRenderer()
            request.accepted_media_type = FastJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
