"""When the database is unavailable: 503 SERVICE_UNAVAILABLE with Retry-After, one log line.

- `is_unavailable(exc)`: the errors that mean "the database cannot answer now" (a refused
  or dropped connection, a timeout, a server shutting down, SQLite locked): Django's
  OperationalError and InterfaceError. The API families answer them through the one
  exception handler (dashboards/api/errors.py); `DatabaseGuardMiddleware.process_exception`
  answers them for the views outside DRF (pages, admin).
- `log_unavailable()`: one warning line per refused request, with the error's class and
  its first line; no traceback (a down database would otherwise write two chained
  tracebacks per request).
- A per-request database deadline (`DB_REQUEST_DEADLINE`, seconds): a frozen PostgreSQL
  (process stopped, host unreachable) never answers, and neither the server-side
  statement_timeout nor TCP notices. A watchdog thread shuts down the sockets of a request
  that is past its deadline; the blocked query then fails at once with an
  OperationalError, so the client gets a 503 before gunicorn's worker timeout kills the
  worker. `connect_timeout` covers new connections the same way.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse

from ops import metrics

logger = logging.getLogger("dashboards.database")

UNAVAILABLE_MESSAGE = "The database is unavailable; retry shortly."
# The connection broke while COMMIT was on its way: the server may have committed. The
# client must not take the 503 as "nothing was written" (a retry with the same
# Idempotency-Key is safe either way).
UNKNOWN_OUTCOME_MESSAGE = (
    "The database became unavailable while saving: the change may have been saved. "
    "Retry with the same Idempotency-Key, or read it back."
)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def during_commit(exc: BaseException) -> bool:
    """True when the error, or one it was raised while handling, came from a COMMIT (its
    outcome is unknown).

    The chain matters: when COMMIT breaks, Django's `atomic` rolls back, closes the broken
    connection and, leaving the block, turns autocommit back on, which connects again. A
    database still unreachable then raises a connect error in place of the COMMIT's, with
    the COMMIT's as its context; the server may have committed all the same (a frozen one
    reads the COMMIT when it wakes up).
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is not None and id(current) not in seen:
            seen.add(id(current))
            if _raised_by_commit(current):
                return True
            pending += [current.__context__, current.__cause__]
    return False


def _raised_by_commit(exc: BaseException) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name in {"commit", "_commit"} and "django/db/" in code.co_filename:
            return True
        traceback = traceback.tb_next
    return False


def describe_unavailable(exc: BaseException) -> tuple[str, dict | None]:
    """(message, details) of the 503 for a database error."""
    if during_commit(exc):
        return UNKNOWN_OUTCOME_MESSAGE, {"outcome": "unknown"}
    return UNAVAILABLE_MESSAGE, None


def retry_after() -> str:
    return str(getattr(settings, "DB_RETRY_AFTER", 2))


def log_unavailable(request: HttpRequest | None, exc: BaseException) -> None:
    metrics.DB_ERRORS.labels(error=type(exc).__name__).inc()
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    logger.warning(
        "database unavailable: %s: %s",
        type(exc).__name__,
        first_line,
        extra={
            "method": getattr(request, "method", None),
            "path": getattr(request, "path", None),
            "status": 503,
        },
    )


def mark_logged(response: HttpResponse) -> HttpResponse:
    # Django logs every 5xx once more ("Service Unavailable: /path"); this one is logged.
    response._has_been_logged = True
    response["Retry-After"] = retry_after()
    return response


class _Watchdog:
    """One daemon thread per process; a request registers its connections and deadline."""

    def __init__(self) -> None:
        # thread id -> (deadline, connection wrappers, request id, path)
        self.active: dict[int, tuple[float, list, str | None, str]] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.lock = threading.Lock()  # guards `active` entries being dropped or released

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="db-deadline-watchdog", daemon=True
                )
                self._thread.start()

    def after_fork_in_child(self) -> None:
        """A worker forked from a master that loaded the app (gunicorn's `preload_app`)
        inherits this object but not its thread, nor the master's requests; locks are made
        anew, as another thread may have held one at the fork."""
        self.active.clear()
        self._lock = threading.Lock()
        self.lock = threading.Lock()
        if self._thread is not None:
            self._thread = None
            self.start()

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            try:
                self._check(time.monotonic())
            except Exception:  # the watchdog must outlive any one bad round
                logger.exception("database deadline watchdog failed")

    def _check(self, now: float) -> None:
        for ident, (deadline, wrappers, rid, path) in list(self.active.items()):
            if now <= deadline:
                continue
            # Under the lock the request releases its entry with: its thread cannot move on
            # to the next request (and connection use) between the check and the drop.
            with self.lock:
                if self.active.get(ident, (None,))[0] != deadline:
                    continue
                self.active.pop(ident, None)
                dropped = sum(_drop(wrapper) for wrapper in wrappers)
                if dropped:
                    # Logged from this thread: the request's id is passed along.
                    logger.warning(
                        "request past its database deadline (%s s): %d connection(s) dropped",
                        settings.DB_REQUEST_DEADLINE,
                        dropped,
                        extra={"request_id": rid or "-", "path": path},
                    )


def _drop(wrapper: object) -> int:
    """Shut down a PostgreSQL connection's socket (both ways); the blocked call fails."""
    if getattr(wrapper, "vendor", None) != "postgresql":
        return 0
    raw = getattr(wrapper, "connection", None)
    if raw is None:
        return 0
    try:
        fd = os.dup(raw.fileno())
    except Exception:  # already closed: nothing to wake up
        return 0
    try:
        with socket.socket(fileno=fd) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return 0
    return 1


watchdog = _Watchdog()
os.register_at_fork(after_in_child=watchdog.after_fork_in_child)


class DatabaseGuardMiddleware:
    """Deadline for every request's database work; 503 for non-API views on DB errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.deadline = float(getattr(settings, "DB_REQUEST_DEADLINE", 0) or 0)
        if self.deadline > 0:
            watchdog.start()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.deadline <= 0:
            return self.get_response(request)
        ident = threading.get_ident()
        # This thread's wrappers (the watchdog thread cannot look them up itself).
        wrappers = [connections[alias] for alias in connections]
        watchdog.active[ident] = (
            time.monotonic() + self.deadline,
            wrappers,
            getattr(request, "request_id", None),
            request.path,
        )
        try:
            return self.get_response(request)
        finally:
            with watchdog.lock:
                watchdog.active.pop(ident, None)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_unavailable(exception):
            return None
        # Imported here: the API's error module imports this one.
        from dashboards.api.errors import error_response, family_for

        log_unavailable(request, exception)
        if family_for(request.path):
            message, details = describe_unavailable(exception)
            response = error_response(request, 503, "SERVICE_UNAVAILABLE", message, details)
        else:
            response = HttpResponse(
                "<!doctype html><title>Service unavailable</title>"
                "<h1>Service unavailable</h1><p>The database is unavailable; "
                "try again in a few seconds.</p>",
                status=503,
            )
        return mark_logged(response)


def lift_statement_timeout(*, local: bool = False) -> None:
    """Batch commands (bench_data, metrics_retention) run statements over millions of
    rows: `DB_STATEMENT_TIMEOUT_MS` bounds what a request may cost, not their work.
    `local`: for the current transaction only (a migration's pass over every row, while
    the connection goes on serving afterwards, e.g. a test run)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {'LOCAL ' if local else ''}statement_timeout = 0")
