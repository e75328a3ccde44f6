"""Django's Redis cache, made to degrade instead of failing (docs/operations.md).

- One redis client per connection pool: Django's `RedisCacheClient.get_client` builds a new
  `redis.Redis` for every cache call, which with redis-py 8 costs more than the round trip.
- Short socket timeouts (100 ms to connect and to read, no retries): a frozen Redis costs a
  request at most one timeout, never the 5-10 s of redis-py's defaults.
- A circuit breaker: after a failure the cache is skipped for `BREAKER_SECONDS` (default 5),
  then tried again by the next call. While it is open, reads miss, writes are dropped and
  counters start afresh, so every cache user (widget data, throttles, data versions) falls
  back to the database or fails open without knowing about Redis. One log line when it
  opens, none per call (a Redis outage must not flood the log).

`health_check()` bypasses the breaker: `/readyz` reports what Redis really answers.
"""

import logging
import threading
import time
import uuid
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from dashboards_site import nearcache
from ops import metrics

logger = logging.getLogger("dashboards.cache")

DEFAULT_SOCKET_TIMEOUT = 0.1  # seconds; a local Redis answers in well under 1 ms
DEFAULT_BREAKER_SECONDS = 5.0


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _Breaker:
    """Shared by every thread's backend instance for one location (Django makes one backend
    per thread): when Redis is down, one failure is enough for the whole process."""

    _lock = threading.Lock()
    _open_until: dict[str, float] = {}

    @classmethod
    def is_open(cls, location: str) -> bool:
        until = cls._open_until.get(location)
        return until is not None and time.monotonic() < until

    @classmethod
    def trip(cls, location: str, seconds: float) -> bool:
        """Open the breaker; True when it was closed (the caller logs the transition)."""
        with cls._lock:
            until = cls._open_until.get(location)
            was_closed = until is None
            cls._open_until[location] = time.monotonic() + seconds
            return was_closed

    @classmethod
    def reset(cls, location: str) -> bool:
        with cls._lock:
            return cls._open_until.pop(location, None) is not None


class ReusingRedisCache(RedisCache):
    """The project's Redis backend: reused clients, short timeouts, a circuit breaker.

    OPTIONS may set `socket_timeout`, `socket_connect_timeout` (seconds) and
    `breaker_seconds`; the rest goes to redis-py's connection pool as with Django's backend.
    """

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.breaker_seconds = float(options.pop("breaker_seconds", DEFAULT_BREAKER_SECONDS))
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        # No retries: a retry doubles the time a request spends on a Redis that is down.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._location = ",".join(self._servers)
        self.server = self._servers[0]  # where writes go (the first server), as Django does
        self.socket_timeout = options["socket_timeout"]
        self._near: dict[str, nearcache.NearCache] = {}

    # --- the breaker --------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while the breaker is open (the cache is being skipped)."""
        return not _Breaker.is_open(self._location)

    def _call(self, operation: str, fallback: Any, method: Any, *args: Any) -> Any:
        if _Breaker.is_open(self._location):
            return fallback
        try:
            result = method(*args)
        except RedisError as error:
            self._failed(operation, error)
            return fallback
        if _Breaker.reset(self._location):
            logger.warning("cache available again")
        return result

    def _failed(self, operation: str, error: Exception) -> None:
        metrics.CACHE_ERRORS.labels(operation=operation).inc()
        if _Breaker.trip(self._location, self.breaker_seconds):
            # One line per outage, no traceback: the class says what happened.
            logger.warning(
                "cache unavailable (%s on %s); serving without it for %.0f s "
                "(reads computed from the database, throttles fail open)",
                type(error).__name__,
                operation,
                self.breaker_seconds,
            )

    # --- copies in this process ---------------------------------------------------------

    def near(self, prefix: str) -> nearcache.NearCache:
        """This process's copies of the keys under `prefix`, kept exact by Redis
        (dashboards_site/nearcache.py); they follow this cache's breaker."""
        near = self._near.get(prefix)
        if near is None:
            if self.make_key(f"{prefix}x") != f"{self.make_key(prefix)}x":
                raise ImproperlyConfigured("a near cache needs keys that extend their prefix")
            near = self._near[prefix] = nearcache.shared(
                self.server,
                self.make_key(prefix),
                timeout=self.socket_timeout,
                available=lambda: self.available,
                failed=self._failed,
            )
        return near

    # --- Django's cache API, each call guarded ------------------------------------------

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call("add", False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", default, super().get, key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # Without the cache a counter starts afresh: limits built on it fail open.
        return self._call("incr", delta, super().incr, key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list:
        # Django's contract: the keys that could not be set.
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self) -> bool:
        # Redis tells every process of the flush; this one drops its copies now.
        nearcache.forget_everything(self.server)
        return self._call("clear", False, super().clear)

    # --- readiness ----------------------------------------------------------------------

    def health_check(self) -> None:
        """A set/get/delete round trip that raises on failure, whatever the breaker says."""
        client = self._cache.get_client(write=True)
        key = self.make_key(f"readyz:{uuid.uuid4().hex}")
        client.set(key, b"ok", ex=10)
        try:
            if client.get(key) != b"ok":
                raise RuntimeError("the value written could not be read back")
        finally:
            client.delete(key)
        if _Breaker.reset(self._location):
            logger.warning("cache available again")
