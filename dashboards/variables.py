"""Dashboard variables: what `definition.variables` may declare, and their values for a read.

A dashboard declares at most one `timeRange` variable (named `timeRange`) and any number of
`dimension` variables. Declarations are checked against `VARIABLES_SCHEMA` (JSON Schema, as
widget configs are) plus the rules a schema cannot say (unique names, a parseable default,
a default among the options) when a dashboard is written; what was stored before this
existed is read leniently (a declaration that does not fit is ignored, never a 500).

A read resolves the values (`resolve_variables`): each declared default, then locked values
(a share link's), then the request's overrides (`var-<name>=<value>`), into the
`Variables` the widget providers apply in SQL and the `applied` map the response shows.
Everything about variables is here; the API adapters only pass the query parameters in.
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from jsonschema import Draft202012Validator

from dashboards import clock
from dashboards.exceptions import ValidationFailed
from dashboards.limits import (
    MAX_TIME_RANGE_YEARS,
    MAX_VARIABLE_OPTIONS,
    MAX_VARIABLES,
    VARIABLE_NAME_PATTERN,
)
from dashboards.widgets.query import Variables, day_start, last_days
from dashboards.widgets.schemas import DIMENSION_NAME_PATTERN

TIME_RANGE: Final = "timeRange"
DIMENSION: Final = "dimension"
TYPES: Final = (TIME_RANGE, DIMENSION)
PRESETS: Final = (
    "today",
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "last_12_months",
    "this_month",
    "this_year",
)
# The query parameter prefix: `?var-timeRange=last_7_days&var-region=north`.
QUERY_PREFIX: Final = "var-"
# A dimension variable's value meaning "no filter" (its default when `default` is null).
ALL: Final = "$__all"
MAX_VALUE_LENGTH: Final = 200  # as a dimension value (dashboards.metrics)
_INTERVAL_MAX_LENGTH = 100

_LABEL = {"type": "string", "maxLength": 100, "description": "What the picker shows."}
_VALUE = {"type": "string", "maxLength": MAX_VALUE_LENGTH}
TIME_RANGE_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "name": {"const": TIME_RANGE},
        "type": {"const": TIME_RANGE},
        "label": _LABEL,
        "default": {
            "type": ["string", "null"],
            "maxLength": _INTERVAL_MAX_LENGTH,
            "description": (
                f"A preset ({', '.join(PRESETS)}) or an ISO 8601 interval `<from>/<to>`; "
                "null: each widget keeps its own window."
            ),
        },
    },
    "additionalProperties": False,
}
DIMENSION_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": VARIABLE_NAME_PATTERN, "not": {"const": TIME_RANGE}},
        "type": {"const": DIMENSION},
        "label": _LABEL,
        "dimension": {"type": "string", "pattern": DIMENSION_NAME_PATTERN},
        "default": {**_VALUE, "type": ["string", "null"], "description": "null: no filter."},
        "options": {
            "type": "array",
            "items": _VALUE,
            "maxItems": MAX_VARIABLE_OPTIONS,
            "uniqueItems": True,
            "description": "The values a reader may pick; absent: any value.",
        },
    },
    "required": ["dimension"],
    "additionalProperties": False,
}
VARIABLES_SCHEMA: Final = {
    "type": "array",
    "maxItems": MAX_VARIABLES,
    "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "type": {"enum": list(TYPES)}},
        "required": ["name", "type"],
        "allOf": [
            {
                "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                "then": schema,
            }
            for kind, schema in ((TIME_RANGE, TIME_RANGE_SCHEMA), (DIMENSION, DIMENSION_SCHEMA))
        ],
    },
}
_VALIDATOR = Draft202012Validator(VARIABLES_SCHEMA)
_ITEM_VALIDATOR = Draft202012Validator(VARIABLES_SCHEMA["items"])
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Declared:
    """One variable as the dashboard declares it."""

    name: str
    type: str
    default: str | None = None
    dimension: str | None = None
    options: tuple[str, ...] | None = None
    label: str | None = None


@dataclass(frozen=True)
class ResolvedVariables:
    """The values of one read: `variables` for the providers, `applied` for the response
    (name -> {"value", "source", and for the time range "from"/"to"}), `now` the moment the
    presets were computed for (the widget data uses the same)."""

    variables: Variables
    applied: dict[str, dict[str, Any]]
    now: datetime


# --- Declarations (checked on write) -------------------------------------------------------


def _where(prefix: str, path: Any) -> str:
    text = prefix
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def validate_declarations(value: Any, *, prefix: str = "definition.variables") -> None:
    """ValidationFailed naming each bad field (`definition.variables[1].dimension`)."""
    errors: dict[str, list[str]] = {}
    for error in sorted(_VALIDATOR.iter_errors(value), key=lambda e: (list(e.path), e.message)):
        path = list(error.absolute_path)
        message = error.message
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [name for name in error.validator_value if name not in error.instance]
            path, message = [*path, missing[0]], "This field is required."
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            extra = sorted(str(key) for key in error.instance if key not in allowed)
            path, message = [*path, extra[0]], "Unknown field."
        errors.setdefault(_where(prefix, path), []).append(message)
    if errors:
        raise ValidationFailed(details=errors)
    names: set[str] = set()
    dimensions: set[str] = set()
    for index, item in enumerate(value):
        where = f"{prefix}[{index}]"
        if item["name"] in names:
            raise _invalid(f"{where}.name", f"Variable {item['name']!r} is declared twice.")
        names.add(item["name"])
        if item["type"] == DIMENSION:
            if item["dimension"] in dimensions:
                raise _invalid(
                    f"{where}.dimension",
                    f"Dimension {item['dimension']!r} already has a variable.",
                )
            dimensions.add(item["dimension"])
        default = item.get("default")
        if default is None:
            continue
        if item["type"] == TIME_RANGE:
            try:
                time_range(default, now=clock.now())
            except ValueError as exc:
                raise _invalid(f"{where}.default", str(exc)) from None
        elif item.get("options") is not None and default not in item["options"]:
            raise _invalid(f"{where}.default", "The default must be one of the options.")


def check_definition(definition: Any, stored: Any = None) -> None:
    """Validate the variables a definition declares when a write changes them: a dashboard
    saved before variables were checked keeps working until its variables are edited."""
    if not isinstance(definition, dict) or "variables" not in definition:
        return
    before = stored.get("variables") if isinstance(stored, dict) else None
    if stored is not None and definition["variables"] == before:
        return
    validate_declarations(definition["variables"])


def declared(definition: Any, *, now: datetime | None = None) -> list[Declared]:
    """The dashboard's variables; a stored declaration that does not fit is left out."""
    items = definition.get("variables") if isinstance(definition, dict) else None
    if not isinstance(items, list):
        return []
    result: list[Declared] = []
    for item in items[:MAX_VARIABLES]:
        if not _ITEM_VALIDATOR.is_valid(item) or any(v.name == item["name"] for v in result):
            continue
        options = item.get("options")
        variable = Declared(
            name=item["name"],
            type=item["type"],
            default=item.get("default"),
            dimension=item.get("dimension"),
            options=tuple(options) if options is not None else None,
            label=item.get("label"),
        )
        if variable.default is not None:
            try:
                validate_value(variable, variable.default, now=now)
            except ValueError:
                continue
        result.append(variable)
    return result


# --- Values ------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def preset_range(preset: str, now: datetime) -> tuple[datetime, datetime]:
    """[from, to) of a preset in whole UTC days, the current day (month, year) included."""
    today = day_start(now).date()
    if preset == "today":
        return last_days(now, 1)
    if preset.startswith("last_") and preset.endswith("_days"):
        return last_days(now, int(preset.removeprefix("last_").removesuffix("_days")))
    if preset == "last_12_months":
        return _add_months(today, -11), _add_months(today, 1)
    if preset == "this_month":
        return _add_months(today, 0), _add_months(today, 1)
    if preset == "this_year":
        return datetime(today.year, 1, 1, tzinfo=UTC), datetime(today.year + 1, 1, 1, tzinfo=UTC)
    raise ValueError(f"Unknown preset {preset!r}.")


def _moment(text: str) -> datetime:
    if _DATE.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    if "T" not in text:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time.")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time.") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs a time zone (Z or +hh:mm).")
    return moment.astimezone(UTC)


def time_range(value: str, *, now: datetime) -> tuple[datetime, datetime]:
    """A preset or an absolute `<from>/<to>` as [from, to) in UTC; ValueError says why not."""
    if value in PRESETS:
        return preset_range(value, now)
    if "/" not in value:
        raise ValueError(
            f"Unknown preset {value!r}: use one of {', '.join(PRESETS)}, or an ISO 8601 "
            "interval <from>/<to>."
        )
    if len(value) > _INTERVAL_MAX_LENGTH or value.count("/") != 1:
        raise ValueError("An interval is <from>/<to>: two ISO 8601 date-times.")
    # A `+` of an offset arrives as a space when the client did not encode it.
    start, end = (_moment(part.strip().replace(" ", "+")) for part in value.split("/"))
    if not start < end:
        raise ValueError("The interval's start must be before its end.")
    if end > _add_years(start, MAX_TIME_RANGE_YEARS):
        raise ValueError(f"An interval spans at most {MAX_TIME_RANGE_YEARS} years.")
    return start, end


def _check_dimension_value(variable: Declared, value: str) -> None:
    if value == ALL:
        return
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"A value has at most {MAX_VALUE_LENGTH} characters.")
    if "\x00" in value:  # PostgreSQL text cannot hold it: no point can have it
        raise ValueError("A value cannot contain NUL characters.")
    if variable.options is not None and value not in variable.options:
        raise ValueError(f"{value!r} is not one of: {', '.join(variable.options)}.")


def validate_value(variable: Declared, value: Any, *, now: datetime | None = None) -> None:
    """ValueError unless `value` is a valid value of `variable` (a share link's locked
    values are checked with this when the link is made)."""
    if not isinstance(value, str):
        raise ValueError("Must be a string.")
    if variable.type == TIME_RANGE:
        time_range(value, now=now or clock.now())
    else:
        _check_dimension_value(variable, value)


def _invalid(where: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={where: [message]})


def overrides_from_query(params: Any) -> dict[str, str]:
    """`var-<name>` query parameters as {name: value}; a variable given twice is a 400."""
    overrides: dict[str, str] = {}
    for key in params:
        if not key.startswith(QUERY_PREFIX):
            continue
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        if len(values) != 1:
            raise _invalid(key, "Give a variable once.")
        overrides[key.removeprefix(QUERY_PREFIX)] = values[0]
    return overrides


def resolve_variables(
    definition: Any,
    overrides: Mapping[str, str],
    *,
    locked: Mapping[str, str] | None = None,
    allowed: Collection[str] | None = None,
    now: datetime | None = None,
) -> ResolvedVariables:
    """The variables of one read: defaults, then `locked` values, then `overrides`.

    `overrides` come from the request (`overrides_from_query`). A name the dashboard does
    not declare, a locked name, a name outside `allowed` (when given) or a bad value is a
    ValidationFailed naming `var-<name>`. `locked` names no longer declared are ignored.
    """
    now = now or clock.now()
    variables = {variable.name: variable for variable in declared(definition, now=now)}
    locked = locked or {}
    for name in sorted(overrides):
        where = f"{QUERY_PREFIX}{name}"
        if name not in variables:
            known = ", ".join(sorted(variables)) or "none"
            raise _invalid(where, f"Unknown variable {name!r}; this dashboard declares: {known}.")
        if name in locked:
            raise _invalid(where, f"Variable {name!r} is fixed here and cannot be changed.")
        if allowed is not None and name not in allowed:
            raise _invalid(where, f"Variable {name!r} may not be changed here.")
    span: tuple[datetime, datetime] | None = None
    filters: dict[str, str] = {}
    applied: dict[str, dict[str, Any]] = {}
    for name, variable in variables.items():
        value, source = variable.default, "default"
        if name in locked:
            value, source = locked[name], "locked"
        if name in overrides:
            value, source = overrides[name], "request"
        where = f"{QUERY_PREFIX}{name}" if source == "request" else f"variables.{name}"
        if variable.type == TIME_RANGE:
            entry: dict[str, Any] = {"value": value, "source": source, "from": None, "to": None}
            if value is not None:
                try:
                    validate_value(variable, value, now=now)
                except ValueError as exc:
                    raise _invalid(where, str(exc)) from None
                span = time_range(value, now=now)
                entry["from"], entry["to"] = (_iso(moment) for moment in span)
            applied[name] = entry
            continue
        if value is not None:
            try:
                validate_value(variable, value, now=now)
            except ValueError as exc:
                raise _invalid(where, str(exc)) from None
        if value == ALL:
            value = None
        if value is not None and variable.dimension is not None:
            filters[variable.dimension] = value
        applied[name] = {"value": value, "source": source}
    return ResolvedVariables(Variables(time_range=span, filters=filters), applied, now)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


PRESET_LABELS: Final = {
    "today": "Today",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "last_12_months": "Last 12 months",
    "this_month": "This month",
    "this_year": "This year",
}


def picker(definition: Any, applied: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the live page needs to draw a picker per variable: its choices (None: free
    text), its default and the value `applied` gives it."""
    pickers = []
    for variable in declared(definition):
        value = applied[variable.name]["value"] if variable.name in applied else None
        if variable.type == TIME_RANGE:
            choices = [{"value": p, "label": PRESET_LABELS[p]} for p in PRESETS]
            if variable.default is None:
                choices.insert(0, {"value": "", "label": "Each widget's own window"})
            if value is not None and value not in PRESETS:
                choices.append({"value": value, "label": value.replace("/", " to ")})
        elif variable.options is not None:
            choices = [{"value": ALL, "label": "All"}]
            choices += [{"value": option, "label": option} for option in variable.options]
        else:
            choices = None
        pickers.append(
            {
                "name": variable.name,
                "type": variable.type,
                "label": variable.label or variable.name,
                "default": variable.default,
                "value": value,
                # What the control shows: "no filter" is the All choice, "no range" the
                # empty one (free text: empty).
                "selected": _selected(variable, value, choices),
                "choices": choices,
            }
        )
    return pickers


def _selected(variable: Declared, value: str | None, choices: list | None) -> str:
    if value is not None:
        return value
    return ALL if variable.type == DIMENSION and choices is not None else ""
