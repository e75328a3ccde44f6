"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators.

Plain Django views, outside DRF: no authentication, no throttling, no content negotiation,
so a probe never gets a 401, a 429 or an HTML page. `/healthz` touches nothing but the
process; `/readyz` proves the stores a request needs answer (docs/health.md).
"""

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


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
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the value written could not be read back")
    finally:
        cache.delete(key)


def shared_cache_configured() -> bool:
    """Local memory lives in the process: only a shared (Redis) cache can be down."""
    return settings.CACHES["default"]["BACKEND"] == REDIS_BACKEND


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    ready = True
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # any failure at all means "not ready"
            ready = False
            # The class name only: a message may carry a DSN or a host name.
            results[name] = {"status": "error", "error": type(error).__name__}
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
    """200 when every store answers, 503 with the failing check named otherwise."""
    checks: dict[str, Callable[[], None]] = {"database": database_check}
    if shared_cache_configured():
        checks["cache"] = cache_check
    ready, results = run_checks(checks)
    body = {"status": "ok" if ready else "unavailable", "checks": results}
    return JsonResponse(body, status=200 if ready else 503)
