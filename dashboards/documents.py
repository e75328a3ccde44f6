"""The v1 dialect of the dashboard document (family 2's `definition`).

The v1 family shows a dashboard's `definition` as one JSON object: `description`, `type`,
`refreshInterval`, `widgets` (the same shape as family 1) and any other keys verbatim, with
`name` and `scope` beside it. The canonical document (`dashboards.specs`) keeps those other
keys under its own `definition`. `v1_definition` and `v1_spec` are the whole translation,
both ways, so a round trip is lossless; `v1_dashboard` and `v1_pointer` show a version
and a diff in the same dialect.
"""

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dashboards.specs import DOCUMENT_FIELDS, DashboardSpec, dashboard_document, invalid_field

if TYPE_CHECKING:  # no model import at run time: the schema examples use this module
    from dashboards.models import Dashboard, Widget

# Document keys that v1 carries inside `definition`; name and scope travel beside it.
V1_DEFINITION_KEYS = tuple(key for key in DOCUMENT_FIELDS if key not in {"name", "scope"})
V1_COLUMN_KEYS = tuple(key for key in V1_DEFINITION_KEYS if key != "definition")
_BESIDE = ("name",)  # keys a client might put in the definition by mistake


def v1_definition(dashboard: "Dashboard", widgets: Iterable["Widget"]) -> dict[str, Any]:
    """The stored extra keys verbatim, plus the keys that live in columns and rows."""
    return _definition(dashboard_document(dashboard, widgets))


def _definition(document: dict[str, Any]) -> dict[str, Any]:
    return {**document["definition"], **{key: document[key] for key in V1_COLUMN_KEYS}}


def v1_dashboard(document: dict[str, Any]) -> dict[str, Any]:
    """An export document (a version's) as v1 shows a dashboard: `id`, `name`, `scope`
    and the whole `definition`."""
    return {
        "id": document["uid"],
        "name": document["name"],
        "scope": document["scope"],
        "definition": _definition(document),
    }


def v1_pointer(path: str) -> str:
    """A JSON Pointer into an export document, as the same place in `v1_dashboard`'s
    shape: the keys v1 keeps in the definition move under /definition; `uid` is `id`.
    (The definition's own keys are already there: v1 merges them into it.)"""
    head, _, rest = path[1:].partition("/")
    if head in V1_COLUMN_KEYS:
        return f"/definition{path}"
    if head == "uid":
        return "/id" + (f"/{rest}" if rest else "")
    return path


def v1_field(field: str) -> str:
    """A document field name as its place in the v1 dashboard (`definition.type`)."""
    return f"definition.{field}" if field in V1_COLUMN_KEYS else field


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
