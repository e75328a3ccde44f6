"""Model instances from hand-written SQL, for the hottest reads (docs/performance.md).

Compiling a queryset costs more than running it: for a dashboard and its widgets, the
ORM spent ~3.2 ms of CPU per request building SQL and prefetching, against ~0.3 ms for the
same two statements written out. `ModelRows` keeps the statement text per model and applies
exactly the converters the ORM would (JSON, UUIDs and datetimes on SQLite, ...), then builds
instances with `Model.from_db`, as the ORM does: what comes out is indistinguishable.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class ModelRows:
    """The concrete columns of a model, qualified by `alias`, and how to read them back."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, Any, list[Callable]]]] = {}
        self._text: dict[str, tuple[str, str]] = {}

    def _quoted(self) -> tuple[str, str]:
        # (table, columns) as this database quotes them, worked out once per vendor.
        vendor = connection.vendor
        if vendor not in self._text:
            quote = connection.ops.quote_name
            alias = quote(self.alias)
            self._text[vendor] = (
                f"{quote(self.model._meta.db_table)} {alias}",
                ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields),
            )
        return self._text[vendor]

    @property
    def table(self) -> str:
        return self._quoted()[0]

    @property
    def columns(self) -> str:
        return self._quoted()[1]

    def converters(self) -> list[tuple[int, Any, list[Callable]]]:
        """(position, column, converters) of the columns that need converting, per database."""
        vendor = connection.vendor
        if vendor not in self._converters:
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                functions = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if functions:
                    found.append((position, column, functions))
            self._converters[vendor] = found
        return self._converters[vendor]

    def instance(self, values: Sequence[Any]) -> Model:
        values = list(values)
        for position, column, functions in self.converters():
            for function in functions:
                values[position] = function(values[position], column, connection)
        return self.model.from_db(connection.alias, self.names, values)

    def db_value(self, field_name: str, value: Any) -> Any:
        """A parameter for a column of this model (UUIDs are text on SQLite)."""
        return self.model._meta.get_field(field_name).get_db_prep_value(value, connection)
