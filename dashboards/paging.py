"""Pages of a visible list that cost the same on page 1 and page 10,000 (docs/performance.md).

A list is read from its *sources*: one queryset per way a row can be visible (a user's
dashboards: owned, shared with a project they belong to, assigned to them). Visibility
written as one `OR` makes PostgreSQL give up the per-source indexes and filter the whole
table (a user with 1,000 dashboards in a table of 1,000,000: 232 ms); each source ordered
and limited on its own index, then merged with `UNION`, reads about one page per source
(0.6 ms). `UNION` (not `UNION ALL`) removes a row visible through two sources. SQLite
cannot limit the members of a compound query, and its lists are small: there the sources
are joined with `OR`.

Deep pages are keyset pages: `after` holds the sort values of the last row seen, and the
page starts right after them (`(a, id) > (x, y)` written out for any mix of directions),
so the database starts reading at that point of the index instead of skipping rows.

Compiling a page's queryset (the sources, the filter, the UNION) costs more CPU than
running it: ~1.5 ms against ~0.2 ms for a page of 50. A list whose sources come with a
`key` (`Sources`) has its statement remembered per worker thread under that key and the
page's position, and runs it again with no queryset built at all.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router
from django.db.models import Model, Q, QuerySet

# Statements remembered per worker thread (~30 KB each with their compiler).
MAX_REMEMBERED_PAGES = 512


@dataclass(frozen=True)
class Sources:
    """A list's sources, built only when its page statement is not remembered yet.

    `key` must name everything the querysets depend on (the caller, what it can see, the
    filters applied): two lists with the same key must be the same SQL.
    """

    model: type[Model]
    key: Hashable
    build: Callable[[], Sequence[QuerySet]]


@dataclass(frozen=True)
class _Statement:
    """A compiled page: its SQL, and how to turn its rows into what `.values()` yields."""

    compiler: Any
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, page: QuerySet) -> "_Statement | None":
        """None when the page can have no rows (e.g. a source of no project)."""
        query = page.query
        compiler = query.get_compiler(page.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        if not sql:
            return None
        # As ValuesIterable names the columns.
        names = (
            tuple(query.selected)
            if query.selected
            else (*query.extra_select, *query.values_select, *query.annotation_select)
        )
        return cls(compiler, sql, tuple(params), names)

    def rows(self) -> list[dict[str, Any]]:
        with self.compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            fetched = cursor.fetchall()
        if self.compiler.has_extra_select:
            fetched = [row[: self.compiler.col_count] for row in fetched]
        names = self.names
        converted = self.compiler.results_iter(results=[fetched])
        return [dict(zip(names, row, strict=False)) for row in converted]


_remembered = threading.local()


def _statements() -> OrderedDict:
    if not hasattr(_remembered, "statements"):
        _remembered.statements = OrderedDict()
    return _remembered.statements


def order_columns(order: Sequence[str]) -> list[tuple[str, bool]]:
    """`["-created_at", "-id"]` as `[("created_at", True), ("id", True)]` (name, descending)."""
    return [(term.lstrip("-"), term.startswith("-")) for term in order]


def reverse_order(order: Sequence[str]) -> list[str]:
    """The same order read backwards (for the page before a row)."""
    return [term[1:] if term.startswith("-") else f"-{term}" for term in order]


def keyset_condition(order: Sequence[str], after: Sequence[Any]) -> Q:
    """Rows strictly after `after` (the sort values of a row) in `order`.

    For order (a, b, id): `a > x OR (a = x AND b > y) OR (a = x AND b = y AND id > z)`,
    with `<` for descending terms, and a leading `a >= x` that lets the index scan start at x.
    Every sort column must be NOT NULL (the tie-breaker last), as list fields are.
    """
    columns = order_columns(order)
    branches = []
    for index, (name, descending) in enumerate(columns):
        equal = {column: value for (column, _), value in zip(columns[:index], after, strict=False)}
        branches.append(Q(**equal, **{f"{name}__{'lt' if descending else 'gt'}": after[index]}))
    first, descending = columns[0]
    start = Q(**{f"{first}__{'lte' if descending else 'gte'}": after[0]})
    return start & reduce(or_, branches)


def sort_values(row: dict[str, Any], order: Sequence[str]) -> list[Any]:
    """The sort values of a row (as fetched with `.values()`), for the next page's `after`."""
    return [row[name] for name, _ in order_columns(order)]


def _per_source() -> bool:
    return bool(connection.features.supports_slicing_ordering_in_compound)


def _filtered(sources: Sequence[QuerySet], condition: Q | None) -> list[QuerySet]:
    return [source.filter(condition) if condition is not None else source for source in sources]


def fetch_page(
    sources: Sequence[QuerySet] | Sources,
    *,
    condition: Q | None,
    order: Sequence[str],
    fields: Sequence[str],
    limit: int,
    offset: int = 0,
    after: Sequence[Any] | None = None,
    expressions: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` rows (dicts of `fields` and `expressions`) after `offset` rows, or
    after the row whose sort values are `after`; and whether more rows follow. One query.

    With `Sources`, `condition` must be part of their key (it is not compared)."""
    if isinstance(sources, Sources):
        statement = _remembered_statement(
            sources, condition, order, fields, limit, offset, after, expressions
        )
    else:
        statement = _page_statement(
            sources, condition, order, fields, limit, offset, after, expressions
        )
    rows = statement.rows() if statement else []
    return rows[:limit], len(rows) > limit


def _remembered_statement(
    sources: Sources,
    condition: Q | None,
    order: Sequence[str],
    fields: Sequence[str],
    limit: int,
    offset: int,
    after: Sequence[Any] | None,
    expressions: dict[str, Any] | None,
) -> "_Statement | None":
    key = (
        # The database the sources' querysets would read, as the ORM picks it.
        router.db_for_read(sources.model),
        sources.key,
        tuple(order),
        tuple(fields),
        tuple((name, repr(expression)) for name, expression in (expressions or {}).items()),
        limit,
        offset,
        None if after is None else tuple(after),
    )
    remembered = _statements()
    if key in remembered:
        remembered.move_to_end(key)
        statement = remembered[key]
    else:
        statement = _page_statement(
            sources.build(), condition, order, fields, limit, offset, after, expressions
        )
        remembered[key] = statement
        while len(remembered) > MAX_REMEMBERED_PAGES:
            remembered.popitem(last=False)
    return statement


def _page_statement(
    sources: Sequence[QuerySet],
    condition: Q | None,
    order: Sequence[str],
    fields: Sequence[str],
    limit: int,
    offset: int,
    after: Sequence[Any] | None,
    expressions: dict[str, Any] | None,
) -> _Statement | None:
    columns = list(dict.fromkeys([*fields, *(name for name, _ in order_columns(order))]))
    named = expressions or {}
    queries = _filtered(sources, condition)
    if after is not None:
        queries = [query.filter(keyset_condition(order, after)) for query in queries]
    end = offset + limit + 1  # one more than the page: tells whether another page follows
    if len(queries) == 1 or not _per_source():
        merged = reduce(or_, queries) if len(queries) > 1 else queries[0]
        page = merged.order_by(*order).values(*columns, **named)[offset:end]
    else:
        # Each source stops after `end` rows of its own index; the merge keeps the first.
        limited = [query.order_by(*order).values(*columns, **named)[:end] for query in queries]
        page = limited[0].union(*limited[1:]).order_by(*order)[offset:end]
    return _Statement.of(page)


def count_rows(parts: Sequence[QuerySet], *, condition: Q | None) -> int:
    """Every row of `parts` that matches `condition`, for parts that share no row
    (`permissions.visible_dashboard_parts`): the sum of their counts, in one query."""
    queries = [query.order_by().values("pk") for query in _filtered(parts, condition)]
    if len(queries) == 1:
        return queries[0].count()
    # The ORM's own SQL for each part, its values as parameters: nothing is interpolated.
    compiled = []
    for query in queries:
        try:
            compiled.append(query.query.get_compiler(query.db).as_sql())
        except EmptyResultSet:  # e.g. shared with no project the user is in
            continue
    if not compiled:
        return 0
    total = " + ".join(
        f"(SELECT COUNT(*) FROM ({sql}) part{index})"  # noqa: S608
        for index, (sql, _) in enumerate(compiled)
    )
    with connections[queries[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {total}", [p for _, params in compiled for p in params])
        return int(cursor.fetchone()[0])
