"""OData query options for `GET /api/dashboards`: `$filter`, `$orderby`, `$top`, `$skip`,
`$skiptoken`.

`$filter` is parsed by the `odata-query` package, then turned into a Django `Q` by a strict
visitor: only the API fields in `FIELDS`, only the operators and functions listed in
`docs/odata.md`, and every literal checked against the type of the field it is compared to.
The library's own visitor reaches any column of any related model (`owner/password`), runs
arithmetic and regular expressions and lets a wrongly typed literal through to the database
(a 500 on PostgreSQL), so every node type is overridden here and anything not explicitly
allowed is refused. Every failure is `InvalidQuery` (400, INVALID_QUERY) naming the option.
"""

import datetime as dt
import functools
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldError
from django.db.models import F, Q, QuerySet, lookups
from django.db.models.expressions import Expression
from django.db.models.functions import Length, Lower, Trim, Upper
from django.http import QueryDict
from odata_query import ast
from odata_query.django.django_q import AstToDjangoQVisitor
from odata_query.exceptions import (
    ArgumentCountException,
    ODataException,
    ParsingException,
    TokenizingException,
    UnknownFunctionException,
)
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.visitor import NodeVisitor

from dashboards.api import cursors
from dashboards.exceptions import InvalidQuery
from dashboards.models import Dashboard

# API name -> model field (every one a NOT NULL column: keyset pages rely on it).
FIELDS: dict[str, str] = {
    "name": "name",
    "description": "description",
    "type": "type",
    "scope": "scope",
    "refreshInterval": "refresh_interval",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "projectId": "project_id",
    "ownerId": "owner_id",
    "widgetCount": "widget_count",
}

STRING, INTEGER, DATETIME, GUID = "string", "integer", "datetime", "guid"

# The literal type each field is compared with.
FIELD_KINDS: dict[str, str] = {
    "name": STRING,
    "description": STRING,
    "type": STRING,
    "scope": STRING,
    "refreshInterval": INTEGER,
    "createdAt": DATETIME,
    "updatedAt": DATETIME,
    "projectId": GUID,
    "ownerId": INTEGER,
    "widgetCount": INTEGER,
}

DEFAULT_TOP = 100
MAX_TOP = 1000
# Skipping costs a read of every skipped row; deeper pages follow nextLink ($skiptoken),
# which costs what the first page costs (docs/odata.md).
MAX_SKIP = 10_000
MAX_FILTER_LENGTH = 2000
# Nesting levels (a chain of one operator, `a or b or c`, counts as one level) and nodes.
# Both are checked iteratively before visiting, so no input reaches Python's recursion limit.
MAX_FILTER_DEPTH = 32
MAX_FILTER_NODES = 400
MAX_IN_ITEMS = 100
MAX_ORDERBY_TERMS = 5
MAX_ORDERBY_LENGTH = 300
DEFAULT_ORDER = ["created_at", "id"]
# `$count=true` is accepted and ignored: the list body always carries `count`.
SUPPORTED_OPTIONS = ("$filter", "$orderby", "$top", "$skip", "$skiptoken", "$count")
SKIPTOKEN_SALT = "dashboards.analytics.skiptoken"

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class ListQuery:
    filter: Q | None
    order_by: list[str]
    top: int
    skip: int
    # The sort values of the row the page starts after ($skiptoken), or None.
    after: list[Any] | None = None
    # The filter as given (stripped): names the query for cached totals and tokens.
    filter_text: str = ""

    def skiptoken(self, last_row_values: list[Any]) -> str:
        """The `$skiptoken` of the page after the row with these sort values."""
        return cursors.encode(
            salt=SKIPTOKEN_SALT,
            order=self.order_by,
            values=last_row_values,
            query=self.filter_text,
        )


class _Refused(Exception):
    """A $filter the whitelist refuses; becomes InvalidQuery with the option's name."""


@dataclass(frozen=True)
class _Operand:
    """A value-producing expression over one field: `name`, `tolower(name)`, `length(name)`."""

    expr: Expression
    kind: str
    label: str


_FIELD_LIST = ", ".join(FIELDS)
_OPERATOR_TOKENS = (ast._Comparator, ast._BoolOpToken, ast._UnaryOpToken, ast._BinOpToken)
_COMPARISONS: dict[type, type[lookups.Lookup]] = {
    ast.Eq: lookups.Exact,
    ast.NotEq: lookups.Exact,  # negated below
    ast.Lt: lookups.LessThan,
    ast.LtE: lookups.LessThanOrEqual,
    ast.Gt: lookups.GreaterThan,
    ast.GtE: lookups.GreaterThanOrEqual,
}
# `5 lt refreshInterval` is `refreshInterval gt 5`.
_FLIPPED: dict[type, type] = {
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
}
_OPERATOR_NAMES = {
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.In: "in",
}
# Deliberately case-insensitive (docs/odata.md): SQLite's LIKE cannot be case-sensitive, so
# this is the only choice that answers the same on both databases.
_MATCH_FUNCTIONS: dict[str, type[lookups.Lookup]] = {
    "contains": lookups.IContains,
    "startswith": lookups.IStartsWith,
    "endswith": lookups.IEndsWith,
}
_STRING_FUNCTIONS: dict[str, tuple[Callable[[Expression], Expression], str]] = {
    "tolower": (Lower, STRING),
    "toupper": (Upper, STRING),
    "trim": (Trim, STRING),
    "length": (Length, INTEGER),
}
_ALLOWED_FUNCTIONS = ", ".join([*_MATCH_FUNCTIONS, *_STRING_FUNCTIONS])
_LITERAL_NAMES = {
    ast.String: "a string",
    ast.Integer: "an integer",
    ast.Float: "a decimal number",
    ast.Boolean: "a boolean",
    ast.Date: "a date",
    ast.DateTime: "a date-time",
    ast.Time: "a time of day",
    ast.Duration: "a duration",
    ast.GUID: "a GUID",
    ast.Geography: "a geography literal",
    ast.Null: "null",
    ast.List: "a list",
}
_KIND_EXAMPLES = {
    STRING: "a quoted string such as 'Sales'",
    INTEGER: "an integer such as 60",
    DATETIME: "a date-time such as 2026-01-01T00:00:00Z (unquoted)",
    GUID: "a GUID such as 0c7a3c1e-5b4d-4f7a-9a51-2f0f6a0b9c11",
}


def _path(node: ast._Node) -> str:
    """`owner/password` for an Attribute chain, iteratively (chains can be long)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.owner
    parts.append(node.full_name() if isinstance(node, ast.Identifier) else "...")
    return "/".join(reversed(parts))


def _check_size(tree: ast._Node) -> None:
    """Refuse trees too deep or too big before any recursive code (visitor, Q, SQL) sees them.

    A chain of one boolean operator is flattened by the visitor, so it counts as one level.
    """
    stack: list[tuple[ast._Node, int]] = [(tree, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        # Operator tokens (eq, or, not...) are not counted: terms are fields, literals, calls
        # and the operations joining them.
        if not isinstance(node, _OPERATOR_TOKENS):
            nodes += 1
        if nodes > MAX_FILTER_NODES:
            raise _Refused(f"The expression is too complex (more than {MAX_FILTER_NODES} terms).")
        if depth > MAX_FILTER_DEPTH:
            raise _Refused(
                f"The expression is nested too deeply (more than {MAX_FILTER_DEPTH} levels)."
            )
        own_op = type(node.op) if isinstance(node, ast.BoolOp) else None
        for value in vars(node).values():
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast._Node):
                    continue
                same_chain = (
                    own_op is not None
                    and isinstance(child, ast.BoolOp)
                    and isinstance(child.op, own_op)
                )
                stack.append((child, depth if same_chain else depth + 1))


def _literal_value(node: ast._Node, kind: str, label: str) -> Any:
    """The Python value of a literal compared with a field of `kind`, or _Refused."""
    expected = f"{label} takes {_KIND_EXAMPLES[kind]}"
    if kind == STRING and isinstance(node, ast.String):
        if "\x00" in node.val:
            raise _Refused("Strings cannot contain NUL characters.")
        return node.val
    if kind == INTEGER and isinstance(node, ast.Integer):
        value = int(node.val)
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise _Refused(f"The number {node.val} is out of range.")
        return value
    if kind == DATETIME and isinstance(node, ast.DateTime | ast.Date):
        try:
            if isinstance(node, ast.Date):
                # A bare date means the start of that day in UTC.
                value = dt.datetime.combine(node.py_val, dt.time.min, tzinfo=dt.UTC)
            else:
                value = node.py_val
                if value.tzinfo is None:
                    # No offset: UTC, the zone every timestamp of the API is given in.
                    value = value.replace(tzinfo=dt.UTC)
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise _Refused(f"{node.val} is not a valid date-time.") from None
    if kind == GUID and isinstance(node, ast.GUID | ast.String):
        try:
            return uuid.UUID(node.val)
        except ValueError:
            raise _Refused(f"'{node.val}' is not a valid GUID; {expected}.") from None
    got = _LITERAL_NAMES.get(type(node), "an expression")
    raise _Refused(f"{expected}, not {got}.")


class StrictDjangoQVisitor(AstToDjangoQVisitor):
    """`AstToDjangoQVisitor` reduced to a whitelist; every node type not handled here is
    refused. Conditions come back as `Q`, values over a field as `_Operand`."""

    def __init__(self) -> None:
        super().__init__(Dashboard)

    def to_q(self, tree: ast._Node) -> Q:
        return self._condition(tree)

    def visit(self, node: ast._Node) -> Any:
        # Plain dispatch: the base class wraps whatever the root returns in Q(), which would
        # turn a bare field (`$filter=name`) into a condition instead of refusing it.
        return NodeVisitor.visit(self, node)

    def generic_visit(self, node: ast._Node) -> Any:
        raise _Refused(f"{type(node).__name__} expressions are not supported.")

    # Values --------------------------------------------------------------------------------

    def visit_Identifier(self, node: ast.Identifier) -> _Operand:
        name = node.full_name()
        if node.namespace or name not in FIELDS:
            hint = next((f for f in FIELDS if f.lower() == name.lower()), None)
            did_you_mean = f" (did you mean '{hint}'?)" if hint else ""
            raise _Refused(
                f"Unknown field '{name}'{did_you_mean}. Fields you can filter on: {_FIELD_LIST}."
            )
        return _Operand(F(FIELDS[name]), FIELD_KINDS[name], name)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        raise _Refused(
            f"Paths such as '{_path(node)}' are not supported; "
            f"filter on the dashboard's own fields: {_FIELD_LIST}."
        )

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> Any:
        raise _Refused("Lambda operators (any, all) are not supported.")

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        raise _Refused("Arithmetic (add, sub, mul, div, mod) is not supported.")

    def _literal(self, node: ast._Literal) -> Any:
        what = _LITERAL_NAMES.get(type(node), "a literal")
        raise _Refused(
            f"{what[0].upper()}{what[1:]} on its own is not a condition; compare a field with it."
        )

    visit_Null = visit_Integer = visit_Float = visit_Boolean = visit_String = _literal
    visit_Date = visit_DateTime = visit_Time = visit_Duration = visit_GUID = _literal
    visit_List = visit_Geography = _literal

    def _operand(self, node: ast._Node) -> _Operand:
        result = self.visit(node)
        if not isinstance(result, _Operand):
            raise _Refused("Expected a field here, not a condition.")
        return result

    # Conditions ----------------------------------------------------------------------------

    def _condition(self, node: ast._Node) -> Q:
        result = self.visit(node)
        if isinstance(result, _Operand):
            raise _Refused(
                f"'{result.label}' on its own is not a condition; "
                f"compare it, e.g. {result.label} eq ..."
            )
        return result

    def visit_BoolOp(self, node: ast.BoolOp) -> Q:
        # Flatten `a or b or c ...` iteratively: a long chain costs no recursion depth.
        op_type = type(node.op)
        operands: list[ast._Node] = []
        pending: list[ast._Node] = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, ast.BoolOp) and isinstance(current.op, op_type):
                pending.extend([current.right, current.left])
            else:
                operands.append(current)
        combine = operator.and_ if op_type is ast.And else operator.or_
        return functools.reduce(combine, [self._condition(o) for o in operands])

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Q:
        if isinstance(node.op, ast.Not):
            return ~self._condition(node.operand)
        raise _Refused("Arithmetic (negation of a field) is not supported.")

    def visit_Compare(self, node: ast.Compare) -> Q:
        comparator, left, right = node.comparator, node.left, node.right
        if isinstance(comparator, ast.In):
            return self._in(left, right)
        name = _OPERATOR_NAMES[type(comparator)]
        if isinstance(left, ast._Literal) and not isinstance(right, ast._Literal):
            comparator, left, right = _FLIPPED[type(comparator)](), right, left
        if isinstance(left, ast._Literal):
            raise _Refused(f"'{name}' needs a field on one side.")
        field = self._operand(left)
        if isinstance(right, ast.Null):
            if isinstance(comparator, ast.Eq | ast.NotEq):
                return Q(lookups.IsNull(field.expr, isinstance(comparator, ast.Eq)))
            raise _Refused(f"null can only be compared with eq or ne, not {name}.")
        if isinstance(right, ast._Literal):
            value = _literal_value(right, field.kind, field.label)
        else:
            other = self._operand(right)
            if other.kind != field.kind:
                raise _Refused(f"Cannot compare {field.label} with {other.label}.")
            value = other.expr
        condition = Q(_COMPARISONS[type(comparator)](field.expr, value))
        # No whitelisted field is nullable, so `not (a eq b)` is exactly OData's `ne`.
        return ~condition if isinstance(comparator, ast.NotEq) else condition

    def _in(self, left: ast._Node, right: ast._Node) -> Q:
        if isinstance(left, ast._Literal):
            raise _Refused("'in' needs a field on its left side.")
        field = self._operand(left)
        if not isinstance(right, ast.List):
            raise _Refused("'in' takes a list such as ('a', 'b'); a one-item list is ('a',).")
        if len(right.val) > MAX_IN_ITEMS:
            raise _Refused(f"An 'in' list can hold at most {MAX_IN_ITEMS} values.")
        values = [_literal_value(item, field.kind, field.label) for item in right.val]
        return Q(lookups.In(field.expr, values))

    def visit_Call(self, node: ast.Call) -> Q | _Operand:
        name = node.func.full_name()
        if any(isinstance(arg, ast.NamedParam) for arg in node.args):
            raise _Refused(f"Named parameters are not supported in {name}().")
        if name in _MATCH_FUNCTIONS:
            if len(node.args) != 2:
                raise _Refused(f"{name}() takes 2 arguments: a field and a string.")
            field = self._operand(node.args[0])
            if field.kind != STRING:
                raise _Refused(f"{name}() works on text fields; {field.label} is not one.")
            if not isinstance(node.args[1], ast.String):
                raise _Refused(f"The second argument of {name}() must be a quoted string.")
            text = _literal_value(node.args[1], STRING, field.label)
            return Q(_MATCH_FUNCTIONS[name](field.expr, text))
        if name in _STRING_FUNCTIONS:
            function, kind = _STRING_FUNCTIONS[name]
            if len(node.args) != 1:
                raise _Refused(f"{name}() takes 1 argument: a text field.")
            field = self._operand(node.args[0])
            if field.kind != STRING:
                raise _Refused(f"{name}() works on text fields; {field.label} is not one.")
            return _Operand(function(field.expr), kind, f"{name}({field.label})")
        raise _Refused(f"Function '{name}' is not supported. Supported: {_ALLOWED_FUNCTIONS}.")


def _syntax_message(error: ODataException, text: str) -> str:
    if isinstance(error, TokenizingException | ParsingException):
        token = error.token
        if token is None:
            return "The expression ends unexpectedly."
        near = text[token.index : token.index + 20]
        return f"Syntax error at position {token.index + 1} near {near!r}."
    if isinstance(error, UnknownFunctionException) and error.function_name == "not":
        return "Write 'not (...)' with a space: 'not(' reads as a function call."
    if isinstance(error, UnknownFunctionException | ArgumentCountException):
        return str(error)
    return f"Invalid expression: {error}"


def parse_filter(text: str) -> Q:
    """A `$filter` expression as a Q over the whitelisted fields; InvalidQuery otherwise."""
    return _parse_filter(text.strip())


# Parsing is ~0.2 ms a request; the same filters come back (a Q is never changed in place).
@functools.lru_cache(maxsize=256)
def _parse_filter(text: str) -> Q:
    if len(text) > MAX_FILTER_LENGTH:
        raise _filter_error(
            f"The expression is {len(text)} characters long; the limit is {MAX_FILTER_LENGTH}."
        )
    try:
        # Fresh lexer and parser per call: both keep state between parses.
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except ODataException as error:
        raise _filter_error(_syntax_message(error, text)) from None
    except (RecursionError, ValueError, TypeError):
        raise _filter_error("The expression cannot be read.") from None
    try:
        _check_size(tree)
        return StrictDjangoQVisitor().to_q(tree)
    except _Refused as refused:
        raise _filter_error(str(refused)) from None
    except ODataException as error:
        raise _filter_error(f"Invalid expression: {error}") from None
    except (FieldError, TypeError, NotImplementedError, ValueError, RecursionError, OverflowError):
        # Defence in depth: the whitelist should already have refused whatever gets here.
        raise _filter_error("The expression cannot be applied to dashboards.") from None


def _filter_error(message: str) -> InvalidQuery:
    return InvalidQuery(f"$filter: {message}", details={"$filter": [message]})


def parse_orderby(text: str) -> list[str]:
    """`field [asc|desc], ...` as Django order_by() arguments, ending with `id` in the
    direction of the last term (so that `createdAt desc` reads one index backwards)."""
    text = text.strip()
    if not text:
        return list(DEFAULT_ORDER)
    if len(text) > MAX_ORDERBY_LENGTH:
        raise ValueError(f"At most {MAX_ORDERBY_LENGTH} characters.")
    terms = text.split(",")
    if len(terms) > MAX_ORDERBY_TERMS:
        raise ValueError(f"At most {MAX_ORDERBY_TERMS} sort fields.")
    order_by: list[str] = []
    seen: set[str] = set()
    for term in terms:
        parts = term.split()
        if not parts:
            raise ValueError("Empty sort term; separate fields with single commas.")
        if len(parts) > 2:
            raise ValueError(f"'{term.strip()}' is not 'field [asc|desc]'.")
        name = parts[0]
        if name not in FIELDS:
            raise ValueError(f"Unknown field '{name}'. Fields you can sort on: {_FIELD_LIST}.")
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ValueError(f"Sort direction '{parts[1]}' is not asc or desc.")
        if name in seen:
            raise ValueError(f"'{name}' appears twice.")
        seen.add(name)
        order_by.append(("-" if direction == "desc" else "") + FIELDS[name])
    # The tie-breaker makes pages stable when sort values repeat.
    return [*order_by, "-id" if order_by[-1].startswith("-") else "id"]


def _parse_int(text: str, *, minimum: int, maximum: int) -> int:
    text = text.strip()
    # Digits only: refuses signs, decimals, exponents and Python's `1_000` before int().
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ValueError(f"Must be a whole number from {minimum} to {maximum}.")
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValueError(f"Must be a whole number from {minimum} to {maximum}.")
    return value


def _read_options(
    params: QueryDict, supported: tuple[str, ...]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(errors, values) of the `$` options: unsupported or repeated ones are errors."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for key in params:
        if not key.startswith("$"):
            continue
        if key not in supported:
            errors[key] = [
                f"Query option {key} is not supported. Supported: {', '.join(supported)}."
            ]
            continue
        given = params.getlist(key)
        if len(given) > 1:
            errors[key] = ["Given more than once."]
            continue
        values[key] = given[0] if given else ""
    return errors, values


def _top_and_skip(values: dict[str, str], errors: dict[str, list[str]]) -> tuple[int, int]:
    top, skip = DEFAULT_TOP, 0
    try:
        if values.get("$top", "").strip():
            top = _parse_int(values["$top"], minimum=1, maximum=MAX_TOP)
    except ValueError as error:
        errors["$top"] = [str(error)]
    try:
        if values.get("$skip", "").strip():
            skip = _parse_int(values["$skip"], minimum=0, maximum=MAX_SKIP)
    except ValueError as error:
        errors["$skip"] = [str(error)]
    return top, skip


PAGING_OPTIONS = ("$top", "$skip")


def parse_paging(params: QueryDict) -> tuple[int, int]:
    """`$top` and `$skip` of a list that takes no filter or order (a dashboard's
    versions); other `$` options are INVALID_QUERY, like unknown ones on the main list."""
    errors, values = _read_options(params, PAGING_OPTIONS)
    top, skip = _top_and_skip(values, errors)
    if errors:
        raise InvalidQuery(details=errors)
    return top, skip


def parse_list_query(params: QueryDict) -> ListQuery:
    """The list query options of a request. Every problem found is reported at once in
    `details` ({"$top": [...], "$expand": [...]}). An option sent with an empty value is
    treated as absent; parameters not starting with `$` (e.g. `format`) are ignored."""
    errors, values = _read_options(params, SUPPORTED_OPTIONS)
    filter_q: Q | None = None
    if values.get("$filter", "").strip():
        try:
            filter_q = parse_filter(values["$filter"])
        except InvalidQuery as error:
            errors.update(error.details)
    order_by = list(DEFAULT_ORDER)
    try:
        order_by = parse_orderby(values.get("$orderby", ""))
    except ValueError as error:
        errors["$orderby"] = [str(error)]
    top, skip = _top_and_skip(values, errors)
    # A repeated `$skip` is in `errors` without a value (reported as given twice).
    if "$skip" in errors and values.get("$skip", "").strip().isdigit():
        errors["$skip"][0] += " Deeper pages: follow nextLink (it carries a $skiptoken)."
    count = values.get("$count", "").strip()
    if count and count not in ("true", "false"):
        errors["$count"] = ["Must be true or false (the response always includes count)."]
    filter_text = values.get("$filter", "").strip()
    after = None
    token = values.get("$skiptoken", "").strip()
    if token and skip:
        errors["$skiptoken"] = ["Use $skiptoken or $skip, not both."]
    elif token and "$orderby" not in errors:
        try:
            after = cursors.decode(
                token, salt=SKIPTOKEN_SALT, order=order_by, query=filter_text, model=Dashboard
            )
        except cursors.BadToken as error:
            errors["$skiptoken"] = [str(error)]

    if errors:
        # The first problem as the message, so that it says what is wrong on its own.
        raise InvalidQuery(details=errors)
    return ListQuery(
        filter=filter_q,
        order_by=order_by,
        top=top,
        skip=skip,
        after=after,
        filter_text=filter_text,
    )


def apply_list_query(queryset: QuerySet, query: ListQuery) -> QuerySet:
    """Filter and order (no slicing: the caller counts, then pages with top/skip)."""
    try:
        if query.filter is not None:
            queryset = queryset.filter(query.filter)
        return queryset.order_by(*query.order_by)
    except (FieldError, TypeError, ValueError) as error:
        # Only reachable with a queryset of another model than Dashboard.
        raise InvalidQuery(
            "The query cannot be applied.", details={"$filter": [str(error)]}
        ) from None
