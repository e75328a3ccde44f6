"""What both API families share for history and transfer: the export document's schema,
export files as attachments with sorted keys, and a project export streamed document by
document (never built whole in memory). Decisions: docs/transfer.md.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.text import slugify
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from dashboards.api.fields import WIDGET_INPUT_SCHEMA, StrictCharField
from dashboards.limits import (
    DESCRIPTION_MAX_LENGTH,
    EXPORT_SCHEMA_VERSION,
    MAX_REFRESH_INTERVAL,
    MAX_WIDGETS,
    NAME_MAX_LENGTH,
    SLUG_PATTERN,
    VERSION_MESSAGE_MAX_LENGTH,
)
from dashboards.models import Scope

# Output is written a batch of documents at a time (fewer, larger writes to the socket).
STREAM_CHUNK_BYTES = 64 * 1024


def dumps(value: Any) -> str:
    """An export's JSON: keys sorted (a stable text that diffs well), UTF-8 as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class SortedJSONRenderer(JSONRenderer):
    """JSON with sorted keys, for export files (errors of these views too)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        if data is None:
            return b""
        return json.dumps(
            data, cls=self.encoder_class, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()


def attachment(response: Any, name: str) -> Any:
    """Offer the body as a download named after `name` (`<slug>.json`)."""
    filename = f"{slugify(name) or 'dashboards'}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def streamed_export(
    documents: Iterable[dict[str, Any]], *, head: str, tail: str, filename: str
) -> StreamingHttpResponse:
    """`head` + the documents as a JSON list + `tail`, written as the documents arrive."""

    def chunks() -> Iterator[bytes]:
        buffer = [head, "["]
        size = 0
        for index, document in enumerate(documents):
            text = dumps(document)
            buffer.append("," + text if index else text)
            size += len(text)
            if size >= STREAM_CHUNK_BYTES:
                yield "".join(buffer).encode()
                buffer, size = [], 0
        buffer += ["]", tail]
        yield "".join(buffer).encode()

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    return attachment(response, filename)


# --- Schema ---------------------------------------------------------------------------


class WidgetDocumentSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The widget's key, unique within the dashboard.")
    type = serializers.CharField()
    title = serializers.CharField()
    size = serializers.ChoiceField(choices=["small", "medium", "large", "full"])
    config = serializers.DictField()

    class Meta:
        ref_name = "WidgetDocument"


class DashboardDocumentSerializer(serializers.Serializer):
    """The dashboard document (export files, versions): `dashboards.specs.export_document`."""

    uid = serializers.UUIDField(help_text="The dashboard's id: a renamed dashboard still matches.")
    name = serializers.CharField()
    description = serializers.CharField()
    type = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.values)
    refreshInterval = serializers.IntegerField()
    definition = serializers.DictField()
    widgets = WidgetDocumentSerializer(many=True)

    class Meta:
        ref_name = "DashboardDocument"


# Import bodies take documents as clients write them: only `name` is required, the rest
# takes its default; unknown keys are refused (dashboards.services.transfer).
DOCUMENT_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "uid": {
            "type": "string",
            "format": "uuid",
            "nullable": True,
            "description": "The dashboard's id where it was exported; null or absent: "
            "matched by name only.",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX_LENGTH},
        "description": {"type": "string", "maxLength": DESCRIPTION_MAX_LENGTH},
        "type": {"type": "string", "pattern": SLUG_PATTERN},
        "scope": {"type": "string", "enum": Scope.values},
        "refreshInterval": {"type": "integer", "minimum": 0, "maximum": MAX_REFRESH_INTERVAL},
        "definition": {"type": "object", "additionalProperties": {}},
        "widgets": {"type": "array", "maxItems": MAX_WIDGETS, "items": WIDGET_INPUT_SCHEMA},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def message_field() -> StrictCharField:
    """`message`: the note the write's version keeps (every write body takes it)."""
    return StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=VERSION_MESSAGE_MAX_LENGTH,
        initial="",
        help_text=f"What changed and why, kept with the version (at most "
        f"{VERSION_MESSAGE_MAX_LENGTH} characters).",
    )


SCHEMA_VERSION_FIELD = {
    "type": "integer",
    "enum": [EXPORT_SCHEMA_VERSION],
    "description": "The export format's version.",
}
