"""The dashboard document: one JSON object holding everything a front end keeps.

The v1 family shows a dashboard's `definition` as the whole document: `description`,
`type`, `refreshInterval`, `widgets` (the same widget shape as family 1) and any other keys
verbatim. The model keeps those four in columns and rows (so that family 1, the admin and
the widget data read them) and only the other keys in `Dashboard.definition`. These two
functions are the whole translation, both ways, so a round trip is lossless.
"""

from collections.abc import Iterable
from typing import Any

from dashboards.exceptions import ValidationFailed
from dashboards.models import RESERVED_DEFINITION_KEYS, Dashboard, Widget

# Document key -> (service keyword, JSON type name, Python types).
_DOCUMENT_FIELDS: dict[str, tuple[str, str, type | tuple[type, ...]]] = {
    "description": ("description", "a string", str),
    "type": ("type", "a string", str),
    "refreshInterval": ("refresh_interval", "an integer", int),
    "widgets": ("widgets", "a list of widgets", list),
}
# Reserved keys that are not part of the document (the name is `dashboard.name`).
_FOREIGN_KEYS = sorted(RESERVED_DEFINITION_KEYS - _DOCUMENT_FIELDS.keys())


def widget_document(widget: Widget) -> dict[str, Any]:
    return {
        "id": widget.key,
        "type": widget.type,
        "title": widget.title,
        "size": widget.size,
        "config": widget.config,
    }


def dashboard_document(dashboard: Dashboard, widgets: Iterable[Widget]) -> dict[str, Any]:
    """The stored extra keys verbatim, plus the four keys that live in columns and rows."""
    return {
        **dashboard.definition,
        "description": dashboard.description,
        "type": dashboard.type,
        "refreshInterval": dashboard.refresh_interval,
        "widgets": [widget_document(widget) for widget in widgets],
    }


def _default(service_keyword: str) -> Any:
    if service_keyword == "widgets":
        return []
    return Dashboard._meta.get_field(service_keyword).get_default()


def document_fields(document: Any) -> dict[str, Any]:
    """Split a client's document into service keywords; the rest is `definition`.

    The save replaces the whole dashboard, so an absent key takes its default (no widgets,
    type `custom`, ...). Only JSON types are checked here; values are the services' job.
    """
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ValidationFailed(
            "definition: Must be a JSON object.", details={"definition": ["Must be a JSON object."]}
        )
    for key in _FOREIGN_KEYS:
        if key in document:
            message = f"The {key} is dashboard.{key}; it has no place in the definition."
            raise ValidationFailed(
                f"definition.{key}: {message}", details={f"definition.{key}": [message]}
            )
    fields: dict[str, Any] = {}
    for key, (keyword, type_name, python_type) in _DOCUMENT_FIELDS.items():
        if key not in document:
            fields[keyword] = _default(keyword)
            continue
        value = document[key]
        # bool is an int in Python, never in JSON.
        if isinstance(value, bool) or not isinstance(value, python_type):
            message = f"Must be {type_name}."
            raise ValidationFailed(
                f"definition.{key}: {message}", details={f"definition.{key}": [message]}
            )
        fields[keyword] = value
    fields["definition"] = {k: v for k, v in document.items() if k not in _DOCUMENT_FIELDS}
    return fields
