"""The widget type registry: it collects the type modules and nothing else knows the list.

Each type is one module under `dashboards/widgets/types/` defining a `WidgetType`: name,
description, sizes, config JSON Schema, data JSON Schema, data provider and `render` (what
the live page needs to draw it: a generic kind, and for charts the chart type). The modules
are loaded on first use, so the models (which validate configs through here) can import this
module without importing the query layer.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from dashboards.exceptions import InvalidWidgetType, ValidationFailed
from dashboards.jsonlimits import document_problem
from dashboards.widgets.schemas import (  # noqa: F401 (names other modules import from here)
    AGGREGATIONS,
    INTERVALS,
    METRIC_NAME_PATTERN,
    SIZES,
)

RENDER_KINDS = ("chart", "number", "table", "markdown")


@dataclass(frozen=True)
class Render:
    """How the live page draws a type: `kind` picks the drawing, `chart` the Chart.js type."""

    kind: str
    chart: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, **({"chart": self.chart} if self.chart else {})}


@dataclass(frozen=True)
class WidgetType:
    name: str
    description: str
    sizes: tuple[str, ...]
    config_schema: dict[str, Any]
    has_data: bool = True
    data_schema: dict[str, Any] | None = None
    # provider(request: DataRequest) -> data
    provider: Callable[[Any], Any] | None = None
    # The metric a type always reads (revenue_chart); otherwise config["metric"].
    fixed_metric: str | None = None
    render: Render = field(default_factory=lambda: Render(kind="chart", chart="bar"))
    validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Draft202012Validator.check_schema(self.config_schema)
        if self.data_schema is not None:
            Draft202012Validator.check_schema(self.data_schema)
        if self.render.kind not in RENDER_KINDS:
            raise ValueError(f"render kind must be one of {RENDER_KINDS}")
        object.__setattr__(self, "validator", Draft202012Validator(self.config_schema))

    def with_defaults(self, config: dict[str, Any] | None) -> dict[str, Any]:
        """The config with the schema's defaults filled in (the schema is the one source)."""
        properties = self.config_schema.get("properties", {})
        filled = {k: spec["default"] for k, spec in properties.items() if "default" in spec}
        filled.update(config or {})
        return filled

    def metric(self, config: dict[str, Any] | None) -> str | None:
        """The metric the widget's data comes from (its cache entry follows that metric)."""
        if not self.has_data:
            return None
        return self.fixed_metric or (config or {}).get("metric")


_REGISTRY: dict[str, WidgetType] = {}
_loaded = False


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from dashboards.widgets import types

    for widget_type in types.load():
        register(widget_type)


def register(widget_type: WidgetType) -> WidgetType:
    _REGISTRY[widget_type.name] = widget_type
    return widget_type


def provider_for(name: str) -> Callable[..., Any] | None:
    """A keyword-style provider: `provider(project_id=, config=, now=, variables=, deadline=)`."""
    _ensure_loaded()
    widget_type = _REGISTRY.get(name)
    if widget_type is None or widget_type.provider is None:
        return None
    return _keyword_provider(widget_type)


def _keyword_provider(widget_type: WidgetType) -> Callable[..., Any]:
    from dashboards.widgets.common import DataRequest
    from dashboards.widgets.query import NO_VARIABLES

    def call(
        *,
        project_id: Any,
        config: dict[str, Any],
        now: datetime,
        variables: Any = NO_VARIABLES,
        deadline: Any = None,
    ) -> Any:
        extra = {"deadline": deadline} if deadline is not None else {}
        request = DataRequest(project_id, config or {}, now, variables, **extra)
        return widget_type.provider(request)

    return call


def all_types() -> list[WidgetType]:
    _ensure_loaded()
    return sorted(_REGISTRY.values(), key=lambda t: t.name)


def names() -> list[str]:
    _ensure_loaded()
    return sorted(_REGISTRY)


def get(name: Any) -> WidgetType:
    _ensure_loaded()
    if not isinstance(name, str) or name not in _REGISTRY:
        raise InvalidWidgetType(
            f"Widget type {name!r} is not supported. Supported types: {', '.join(names())}.",
            details={"supportedTypes": names()},
        )
    return _REGISTRY[name]


_SQL_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _sql_literal(value: str) -> str:
    # Type and metric names from the type modules, never from a request.
    if not _SQL_NAME.match(value):
        raise ValueError(f"not a name that can be written into SQL: {value!r}")
    return f"'{value}'"


def metric_sql(alias: str, vendor: str) -> str:
    """`WidgetType.metric` of the widget rows under `alias`, as an SQL expression (NULL: no
    metric), derived from the registry: so that the statement that reads a dashboard's
    widgets can also read their metrics' versions (`selectors.dashboard_get`)."""
    _ensure_loaded()
    key = (alias, vendor, len(_REGISTRY))  # a type registered later makes a new text
    text = _metric_sql.get(key)
    if text is None:
        text = _metric_sql[key] = _metric_case(alias, vendor)
    return text


_metric_sql: dict[tuple[str, str, int], str] = {}


def _metric_case(alias: str, vendor: str) -> str:
    types = sorted(_REGISTRY.values(), key=lambda t: t.name)
    whens = [
        f"WHEN {alias}.type = {_sql_literal(t.name)} THEN {_sql_literal(t.fixed_metric)}"
        for t in types
        if t.has_data and t.fixed_metric
    ]
    from_config = [_sql_literal(t.name) for t in types if t.has_data and not t.fixed_metric]
    if from_config:
        if vendor == "postgresql":
            is_text = f"jsonb_typeof({alias}.config -> 'metric') = 'string'"
            text = f"{alias}.config ->> 'metric'"
        else:
            is_text = f"json_type({alias}.config, '$.metric') = 'text'"
            text = f"json_extract({alias}.config, '$.metric')"
        whens.append(f"WHEN {alias}.type IN ({', '.join(from_config)}) AND {is_text} THEN {text}")
    return f"CASE {' '.join(whens)} END" if whens else "NULL"


def validate(type_name: Any, size: Any, config: Any, *, prefix: str = "") -> None:
    """Raise InvalidWidgetType or ValidationFailed unless (type, size, config) is valid.

    `prefix` names the widget in error details, e.g. ``widgets[2].``.
    """
    try:
        widget_type = get(type_name)
    except InvalidWidgetType as error:
        if not prefix:
            raise
        # Name the widget, so that a list (or an import of many) says which one.
        raise InvalidWidgetType(
            f"{prefix}type: {error.message}",
            details={f"{prefix}type": [error.message], **error.details},
        ) from None
    errors: dict[str, list[str]] = {}
    if size not in SIZES:
        errors[f"{prefix}size"] = [f"Size must be one of: {', '.join(SIZES)}."]
    elif size not in widget_type.sizes:
        errors[f"{prefix}size"] = [
            f"A {widget_type.name} widget can be {', '.join(widget_type.sizes)}."
        ]
    if not isinstance(config, dict):
        errors[f"{prefix}config"] = ["Must be a JSON object."]
    elif problem := document_problem(config):
        # Checked iteratively before the schema validator walks it recursively.
        errors[f"{prefix}config"] = [problem]
    else:
        for error in sorted(widget_type.validator.iter_errors(config), key=str):
            where = ".".join(str(p) for p in error.absolute_path)
            key = f"{prefix}config" + (f".{where}" if where else "")
            errors.setdefault(key, []).append(error.message)
    if errors:
        raise ValidationFailed(details=errors)  # the message names the first field
