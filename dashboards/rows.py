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
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class ModelRows:
    """The concrete columns of a model, qualified by `alias`, and how to read them back."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, Any, list[Callable]]]] = {}
        self._text: dict[str, tuple[str, str, str]] = {}

    def _quoted(self) -> tuple[str, str, str]:
        # (table, columns, typed NULLs) as this database spells them, once per vendor.
        vendor = connection.vendor
        if vendor not in self._text:
            quote = connection.ops.quote_name
            alias = quote(self.alias)
            self._text[vendor] = (
                f"{quote(self.model._meta.db_table)} {alias}",
                ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields),
                ", ".join(f"CAST(NULL AS {f.cast_db_type(connection)})" for f in self.fields),
            )
        return self._text[vendor]

    @property
    def table(self) -> str:
        return self._quoted()[0]

    @property
    def columns(self) -> str:
        return self._quoted()[1]

    @property
    def nulls(self) -> str:
        """A NULL of each column's type: this model's place in another branch of a UNION."""
        return self._quoted()[2]

    def converters(self, db: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Callable]]]:
        """(position, column, converters) of the columns that need converting, per database."""
        vendor = db.vendor
        if vendor not in self._converters:
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                functions = db.ops.get_db_converters(column) + column.get_db_converters(db)
                if functions:
                    found.append((position, column, functions))
            self._converters[vendor] = found
        return self._converters[vendor]

    def instance(self, values: Sequence[Any], db: BaseDatabaseWrapper) -> Model:
        """The instance a row of the statement's connection `db` stands for (the caller
        passes it: looking the connection up per row was 2% of a detail read)."""
        values = list(values)
        for position, column, functions in self.converters(db):
            for function in functions:
                values[position] = function(values[position], column, db)
        model = self.model
        if (pre_init.receivers or post_init.receivers) and (
            pre_init.has_listeners(model) or post_init.has_listeners(model)
        ):
            return model.from_db(db.alias, self.names, values)
        # What `from_db` leaves, without `Model.__init__`'s per-field setattr and signals
        # (none connected): a fifth of a detail read was building its eight instances.
        instance = model.__new__(model)
        instance._state = ModelState()
        instance._state.adding = False
        instance._state.db = db.alias
        instance.__dict__.update(zip(self.names, values, strict=True))
        return instance

    def db_value(self, field_name: str, value: Any, db: BaseDatabaseWrapper) -> Any:
        """A parameter for a column of this model (UUIDs are text on SQLite)."""
        return self.model._meta.get_field(field_name).get_db_prep_value(value, db)
