"""The v1 dialect of the dashboard document (family 2's `definition`).

The v1 family shows a dashboard's `definition` as one JSON object: `description`, `type`,
`refreshInterval`, `widgets` (the same shape as family 1) and any other keys verbatim, with
`name` and `scope` beside it. The canonical document (`dashboards.specs`) keeps those other
keys under its own `definition`. These two functions are the whole translation, both ways,
so a round trip is lossless.
"""

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from dashboards.models import Dashboard, Widget
from dashboards.specs import DOCUMENT_FIELDS, DashboardSpec, dashboard_document, invalid_field

# Document keys that v1 carries inside `definition`; name and scope travel beside it.
V1_DEFINITION_KEYS = tuple(key for key in DOCUMENT_FIELDS if key not in {"name", "scope"})
V1_COLUMN_KEYS = tuple(key for key in V1_DEFINITION_KEYS if key != "definition")
_BESIDE = ("name",)  # keys a client might put in the definition by mistake


def v1_definition(dashboard: Dashboard, widgets: Iterable[Widget]) -> dict[str, Any]:
    """The stored extra keys verbatim, plus the keys that live in columns and rows."""
    document = dashboard_document(dashboard, widgets)
    return {**document["definition"], **{key: document[key] for key in V1_COLUMN_KEYS}}


def v1_spec(*, name: Any, scope: Any, definition: Any) -> DashboardSpec:
    """The whole dashboard a v1 save describes: what the definition leaves out takes its
    default (a save replaces), other keys are kept verbatim."""
    if definition is None:
        definition = {}
    if not isinstance(definition, dict):
        raise invalid_field("definition", "Must be a JSON object.")
    for key in _BESIDE:
        if key in definition:
            raise invalid_field(
                f"definition.{key}", f"The {key} is dashboard.{key}; it has no place here."
            )
    spec = DashboardSpec.from_document(definition, prefix="definition.", keys=V1_COLUMN_KEYS)
    extra = {key: value for key, value in definition.items() if key not in V1_COLUMN_KEYS}
    return replace(spec, name=name, scope=scope, definition=extra).with_defaults()
