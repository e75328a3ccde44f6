"""The dashboard document and its typed form, `DashboardSpec`: the input of every write.

Both API families, the admin, restore and import speak one camelCase document (the shape
family 1's body and the export file show): `name`, `description`, `type`, `scope`,
`refreshInterval`, `definition` and `widgets`. `DOCUMENT_FIELDS` maps its keys to model
fields, once. Each adapter turns what it received into a `DashboardSpec` here and hands it
to `services.dashboard_save`; `dashboard_document` turns a stored dashboard back into the
document, and `export_document` adds its `uid` (the shape of versions and export files).
Only JSON types are checked here; values (lengths, slugs, widget configs) are
the models', the registry's and the services' rules.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final

from dashboards.exceptions import ValidationFailed
from dashboards.limits import DEFAULT_DASHBOARD_TYPE, DEFAULT_SIZE

# Document key -> model field.
DOCUMENT_FIELDS: Final = {
    "name": "name",
    "description": "description",
    "type": "type",
    "scope": "scope",
    "refreshInterval": "refresh_interval",
    "definition": "definition",
    "widgets": "widgets",
}
MODEL_TO_DOCUMENT: Final = {model: key for key, model in DOCUMENT_FIELDS.items()}
WIDGET_FIELDS: Final = ("id", "type", "title", "size", "config")
# The export document (a version's, an export file's): the dashboard's id as `uid`, so that
# a renamed dashboard is still recognised, then the document.
EXPORT_FIELDS: Final = ("uid", *DOCUMENT_FIELDS)

# Document key -> (Python type, how a message names it). bool is an int in Python, never
# in JSON, so it is refused wherever a number is expected.
_JSON_TYPES: Final[dict[str, tuple[type, str]]] = {
    "name": (str, "a string"),
    "description": (str, "a string"),
    "type": (str, "a string"),
    "scope": (str, "a string"),
    "refreshInterval": (int, "an integer"),
    "definition": (dict, "a JSON object"),
    "widgets": (list, "a list of widgets"),
}


class _Unset:
    """A field the writer did not send: an update keeps the current value."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()


@dataclass(frozen=True)
class WidgetSpec:
    """One widget as the client sent it; `key` None means "generate one"."""

    key: str | None
    type: Any
    title: str = ""
    size: Any = DEFAULT_SIZE
    config: Any = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardSpec:
    """What a dashboard should become. UNSET fields keep their value on an update and take
    their default on a create; `with_defaults` makes a write replace them instead."""

    name: Any = UNSET
    description: Any = UNSET
    type: Any = UNSET
    scope: Any = UNSET
    refresh_interval: Any = UNSET
    definition: Any = UNSET
    widgets: tuple[WidgetSpec, ...] | _Unset = UNSET

    @classmethod
    def from_document(
        cls,
        document: Any,
        *,
        prefix: str = "",
        required: Iterable[str] = (),
        keys: Iterable[str] = DOCUMENT_FIELDS,
    ) -> "DashboardSpec":
        """Parse a camelCase document (only `keys` of it); errors name `prefix + key`."""
        if not isinstance(document, Mapping):
            where = prefix.rstrip(".") or "body"
            raise invalid_field(where, "Must be a JSON object.")
        for key in required:
            if key not in document:
                raise invalid_field(f"{prefix}{key}", "This field is required.")
        values: dict[str, Any] = {}
        for key in keys:
            if key not in document:
                continue
            value = document[key]
            python_type, type_name = _JSON_TYPES[key]
            if isinstance(value, bool) or not isinstance(value, python_type):
                raise invalid_field(f"{prefix}{key}", f"Must be {type_name}.")
            if key == "widgets":
                value = parse_widgets(value, prefix=f"{prefix}widgets")
            values[DOCUMENT_FIELDS[key]] = value
        return cls(**values)

    def given(self) -> dict[str, Any]:
        """The fields set, by model field name (widgets excluded: they are rows)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "widgets" and getattr(self, f.name) is not UNSET
        }

    def with_defaults(self, *names: str) -> "DashboardSpec":
        """UNSET fields among `names` (all when none given) take their defaults: a write of
        the result replaces them rather than keeping what is stored."""
        wanted = names or tuple(DEFAULTS)
        return replace(
            self, **{name: DEFAULTS[name] for name in wanted if getattr(self, name) is UNSET}
        )


# What a replacing write puts where the writer sent nothing (the models' defaults).
DEFAULTS: Final[dict[str, Any]] = {
    "description": "",
    "type": DEFAULT_DASHBOARD_TYPE,
    "scope": "user",
    "refresh_interval": 0,
    "definition": {},
    "widgets": (),
}


def parse_widgets(items: list[Any], *, prefix: str = "widgets") -> tuple[WidgetSpec, ...]:
    """The widget list's shape: objects with known keys, string ids and titles."""
    specs = []
    for index, item in enumerate(items):
        where = f"{prefix}[{index}]"
        if not isinstance(item, Mapping):
            raise invalid_field(where, "Must be a JSON object.")
        unknown = sorted(str(key) for key in item.keys() - set(WIDGET_FIELDS))
        if unknown:
            raise ValidationFailed(
                details={f"{where}.{key}": ["Unknown field."] for key in unknown}
            )
        key = item.get("id")
        if key is not None and not isinstance(key, str):
            raise invalid_field(f"{where}.id", "Must be a string.")
        title = item.get("title", "")
        if not isinstance(title, str):
            raise invalid_field(f"{where}.title", "Must be a string.")
        config = item.get("config")
        specs.append(
            WidgetSpec(
                key=key,
                type=item.get("type"),
                title=title,
                size=item.get("size", DEFAULT_SIZE),
                config={} if config is None else config,
            )
        )
    return tuple(specs)


def widget_document(widget: Any) -> dict[str, Any]:
    """A widget (a row or a WidgetSpec) as the document shows it."""
    return {
        "id": widget.key,
        "type": widget.type,
        "title": widget.title,
        "size": widget.size,
        "config": widget.config,
    }


def dashboard_document(dashboard: Any, widgets: Iterable[Any]) -> dict[str, Any]:
    """The whole dashboard as the camelCase document (widgets in their order)."""
    document = {
        key: getattr(dashboard, model) for key, model in DOCUMENT_FIELDS.items() if key != "widgets"
    }
    document["widgets"] = [widget_document(widget) for widget in widgets]
    return document


def spec_document(spec: DashboardSpec) -> dict[str, Any] | None:
    """The document a complete spec describes, to compare with a stored one; None when
    the writer would fill something in (an unset field, a widget without an id)."""
    values = {key: getattr(spec, model) for key, model in DOCUMENT_FIELDS.items()}
    if any(value is UNSET for value in values.values()):
        return None
    if any(widget.key is None for widget in spec.widgets):  # type: ignore[union-attr]
        return None
    values["widgets"] = [widget_document(widget) for widget in values["widgets"]]
    return values


def export_document(dashboard: Any, widgets: Iterable[Any]) -> dict[str, Any]:
    """The document with the dashboard's id as `uid`: what a version keeps and an export
    file holds (JSON types only)."""
    return {"uid": str(dashboard.pk), **dashboard_document(dashboard, widgets)}


def invalid_field(where: str, message: str) -> ValidationFailed:
    """ValidationFailed naming one field; its message is "field: message"."""
    return ValidationFailed(details={where: [message]})
