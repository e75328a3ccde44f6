"""One time budget for all the widget data of a request, below gunicorn's worker timeout.

A dashboard of 100 widgets must answer before the worker is killed, whatever its widgets
cost, so the budget is the request's, not a statement's: each provider query runs with the
time that remains (PostgreSQL: `SET LOCAL statement_timeout` in the query's transaction;
SQLite: a progress handler that interrupts the statement). When nothing remains, the
widgets not yet computed answer WIDGET_TIMEOUT without a query.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection

DEFAULT_SECONDS = 10.0
# The SQLite progress handler runs every this many virtual machine instructions.
_SQLITE_STEPS = 10_000


class WidgetDataTimeout(Exception):
    """The request's budget for widget data ran out."""


def budget_seconds() -> float:
    return float(getattr(settings, "WIDGET_DATA_DEADLINE_SECONDS", DEFAULT_SECONDS))


class Deadline:
    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = budget_seconds() if seconds is None else seconds
        self.expires_at = time.monotonic() + self.seconds
        # Set once a statement ran under this deadline (PostgreSQL: a SET LOCAL to undo).
        self.used = False

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> None:
        if self.expired():
            raise WidgetDataTimeout

    @contextmanager
    def statement(self, cursor: Any) -> Iterator[None]:
        """Bound the statements run on `cursor` inside the block by what remains."""
        self.check()
        self.used = True
        if connection.vendor == "postgresql":
            # At least 1 ms: 0 would mean "no limit". Local to the caller's transaction.
            # Provider statements read a few thousand rollup rows: parallel workers and JIT
            # cost more to start (30-100 ms measured) than the whole statement.
            millis = max(int(self.remaining() * 1000), 1)
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true), "
                "set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('jit', 'off', true)",
                [f"{millis}ms"],
            )
            yield
            return
        raw = connection.connection
        expires_at = self.expires_at
        raw.set_progress_handler(lambda: time.monotonic() > expires_at, _SQLITE_STEPS)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
