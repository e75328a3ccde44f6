"""The widget type registry: one entry per type, and nothing else knows the list.

Each entry has a name, a description, the sizes it may take and a JSON Schema for its
`config`. Data providers (`dashboards/widgets/providers.py`) attach themselves by name.
Adding a type is adding one `register(WidgetType(...))` call.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from dashboards.exceptions import InvalidWidgetType, ValidationFailed

SIZES = ("small", "medium", "large", "full")
METRIC_NAME_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"
AGGREGATIONS = ["sum", "avg", "min", "max", "last", "count"]
INTERVALS = ["day", "week", "month"]

_METRIC = {"type": "string", "pattern": METRIC_NAME_PATTERN, "description": "Metric name."}
_AGGREGATION = {
    "enum": AGGREGATIONS,
    "default": "sum",
    "description": "How the points of one group are combined.",
}
_DAYS = {
    "type": "integer",
    "minimum": 1,
    "maximum": 3660,
    "default": 90,
    "description": "How many days back from now the widget looks.",
}
_DIMENSION = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_.:-]{1,100}$",
    "description": "Dimension key to group by.",
}
_TITLEISH = {"type": "string", "maxLength": 32}


@dataclass(frozen=True)
class WidgetType:
    name: str
    description: str
    sizes: tuple[str, ...]
    config_schema: dict[str, Any]
    has_data: bool = True
    validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Draft202012Validator.check_schema(self.config_schema)
        object.__setattr__(self, "validator", Draft202012Validator(self.config_schema))


_REGISTRY: dict[str, WidgetType] = {}
_PROVIDERS: dict[str, Callable[..., Any]] = {}


def register(widget_type: WidgetType) -> WidgetType:
    _REGISTRY[widget_type.name] = widget_type
    return widget_type


def register_provider(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the data provider of the widget type `name`."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        get(name)  # a provider for an unregistered type is a programming error
        _PROVIDERS[name] = func
        return func

    return decorator


def provider_for(name: str) -> Callable[..., Any] | None:
    return _PROVIDERS.get(name)


def all_types() -> list[WidgetType]:
    return sorted(_REGISTRY.values(), key=lambda t: t.name)


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: Any) -> WidgetType:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise InvalidWidgetType(
            f"Widget type {name!r} is not supported. Supported types: {', '.join(names())}.",
            details={"supportedTypes": names()},
        )
    return _REGISTRY[name]


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
    else:
        for error in sorted(widget_type.validator.iter_errors(config), key=str):
            where = ".".join(str(p) for p in error.absolute_path)
            key = f"{prefix}config" + (f".{where}" if where else "")
            errors.setdefault(key, []).append(error.message)
    if errors:
        raise ValidationFailed(details=errors)  # the message names the first field


def _chart_schema(group_by_default: str, *, dimension_only: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "metric": _METRIC,
        "aggregation": _AGGREGATION,
        "days": _DAYS,
        "dimension": _DIMENSION,
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": ["metric"],
        "additionalProperties": False,
    }
    if dimension_only:
        schema["required"] = ["metric", "dimension"]
        properties["limit"] = {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}
    else:
        properties["groupBy"] = {
            "enum": [*INTERVALS, "dimension"],
            "default": group_by_default,
            "description": "Group points by time bucket, or by the value of `dimension`.",
        }
        # groupBy=dimension needs to know which dimension.
        schema["if"] = {"properties": {"groupBy": {"const": "dimension"}}, "required": ["groupBy"]}
        schema["then"] = {"required": ["metric", "dimension"]}
    return schema


register(
    WidgetType(
        name="revenue_chart",
        description=(
            "Monthly revenue: the sum of the project's `revenue` metric per calendar month "
            "over the last `months` months, oldest first."
        ),
        sizes=("medium", "large", "full"),
        config_schema={
            "type": "object",
            "properties": {
                "months": {"type": "integer", "minimum": 1, "maximum": 120, "default": 12},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "additionalProperties": False,
        },
    )
)
register(
    WidgetType(
        name="active_subscriptions",
        description="The latest value of the project's `active_subscriptions` metric.",
        sizes=("small", "medium"),
        config_schema={"type": "object", "properties": {}, "additionalProperties": False},
    )
)
register(
    WidgetType(
        name="kpi",
        description="One number: `metric` aggregated over the last `days` days.",
        sizes=("small", "medium"),
        config_schema={
            "type": "object",
            "properties": {
                "metric": _METRIC,
                "aggregation": {**_AGGREGATION, "default": "last"},
                "days": _DAYS,
                "unit": _TITLEISH,
            },
            "required": ["metric"],
            "additionalProperties": False,
        },
    )
)
register(
    WidgetType(
        name="line_chart",
        description="A time series of `metric`, aggregated per day, week or month.",
        sizes=("medium", "large", "full"),
        config_schema=_chart_schema("day"),
    )
)
register(
    WidgetType(
        name="bar_chart",
        description="Bars of `metric` per time bucket or per value of a dimension.",
        sizes=("medium", "large", "full"),
        config_schema=_chart_schema("month"),
    )
)
register(
    WidgetType(
        name="pie_chart",
        description="Shares of `metric` per value of `dimension` (the top `limit`).",
        sizes=("small", "medium", "large"),
        config_schema=_chart_schema("dimension", dimension_only=True),
    )
)
register(
    WidgetType(
        name="table",
        description="Rows of `metric` per time bucket or per value of a dimension.",
        sizes=("medium", "large", "full"),
        config_schema=_chart_schema("day"),
    )
)
register(
    WidgetType(
        name="text",
        description="Static markdown from `config.markdown`; it has no data.",
        sizes=SIZES,
        config_schema={
            "type": "object",
            "properties": {"markdown": {"type": "string", "maxLength": 20000}},
            "additionalProperties": False,
        },
        has_data=False,
    )
)
