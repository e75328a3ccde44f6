"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators.

Plain Django views, outside DRF: no authentication, no throttling, no content negotiation,
so a probe never gets a 401, a 429 or an HTML page. `/healthz` touches nothing but the
process; `/readyz` proves the stores a request needs answer (docs/health.md).

Only the database makes the service unready (503): without the shared cache every request
still works from the database, so a failing cache is reported as `degraded` with a 200 and
the instance stays in rotation (docs/operations.md).
"""

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# Checks whose failure degrades the service instead of making it unready.
OPTIONAL_CHECKS = frozenset({"cache"})


def database_check(connection: BaseDatabaseWrapper | None = None) -> None:
    """A trivial query: the database accepts connections and answers."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not return 1")


def cache_check(cache: BaseCache | None = None) -> None:
    """A set/get/delete round trip on a key of its own, so probes never collide."""
    cache = cache or caches["default"]
    health_check = getattr(cache, "health_check", None)
    if health_check is not None:
        # The project's backend answers through a circuit breaker that hides failures;
        # this asks Redis itself.
        health_check()
        return
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the value written could not be read back")
    finally:
        cache.delete(key)


def shared_cache_configured() -> bool:
    """Local memory lives in the process: only a shared (Redis) cache can be down.

    By class, not by name: the settings use a subclass of Django's Redis backend."""
    return isinstance(caches["default"], RedisCache)


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[bool, dict[str, Any]]:
    """(ready, results): a failing optional check is `degraded` and keeps `ready`."""
    results: dict[str, Any] = {}
    ready = True
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure at all means "not ready"
            optional = name in OPTIONAL_CHECKS
            ready = ready and optional
            # The class name only: a message may carry a DSN or a host name.
            results[name] = {
                "status": "degraded" if optional else "error",
                "error": type(error).__name__,
            }
        else:
            results[name] = {"status": "ok"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return ready, results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests. Touches no database: a slow database must
    not get healthy processes restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (`degraded` if the cache does not), 503 otherwise."""
    checks: dict[str, Callable[[], None]] = {"database": database_check}
    if shared_cache_configured():
        checks["cache"] = cache_check
    ready, results = run_checks(checks)
    if not ready:
        status = "unavailable"
    elif any(result["status"] != "ok" for result in results.values()):
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "checks": results}
    return JsonResponse(body, status=200 if ready else 503)
