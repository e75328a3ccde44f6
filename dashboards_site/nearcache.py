"""Copies, in this process, of the shared cache's entries under one key prefix, kept exact
by Redis telling the process of every change to them (server-assisted client-side caching).

Every authenticated request reads its user's revocation facts, and that Redis round trip
was an eighth of a detail read's CPU (docs/performance.md). Each process keeps one more
Redis connection, in RESP3 with `CLIENT TRACKING ON BCAST PREFIX <prefix>`: Redis pushes
an invalidation on it for every write, expiry or eviction of a key under the prefix, and
for a flush. redis-py 8 builds the same on its connection pool but enables it only for
Redis 7.4 or later; tracking itself is Redis 6.

A copy is as current as a read from Redis, up to invalidations still in flight:
- every use first applies what the connection has received (one non-blocking poll); Redis
  queues an invalidation before it answers the write that caused it;
- a value read from the cache is kept only if no invalidation of its key arrived meanwhile;
- without the connection (not yet made, lost, or another process's after a fork) there
  are no copies, and every read goes to the cache as before;
- a write made in this process drops its copy at once (`forget`);
- a copy lives at most `lifetime` seconds whatever happens.
"""

import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.cache import caches
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger("dashboards.cache")

T = TypeVar("T")

RETRY_SECONDS = 5.0  # after a failed or lost connection, reads go to the cache this long
MAX_COPIES = 10_000  # past this many, start afresh (one cache read per key)


class _Read:
    """A cache read in progress: `stale` once an invalidation of its key arrives."""

    __slots__ = ("key", "stale")

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.stale = False


class NearCache:
    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        lifetime: float = 60.0,
        timeout: float = 0.1,
        available: Callable[[], bool] = lambda: True,
        failed: Callable[[str, Exception], None] = lambda operation, error: None,
    ) -> None:
        """`available` and `failed` are the cache's circuit breaker: no connection is tried
        while it is open, and a failed one opens it (and says so, once)."""
        self.url = url
        self.prefix = prefix
        self.lifetime = lifetime
        self.timeout = timeout
        self._available = available
        self._failed = failed
        self._lock = threading.Lock()
        self._copies: dict[bytes, tuple[float, Any]] = {}
        self._reads: list[_Read] = []
        self._client: Any = None
        self._pid = 0
        self._retry_at = 0.0

    def get(self, suffix: str, read: Callable[[], T]) -> T:
        """This process's copy of the key `prefix + suffix` when it holds a current one;
        otherwise `read()`, kept if nothing changed the key meanwhile."""
        name = (self.prefix + suffix).encode()
        with self._lock:
            if not self._receive():
                pending = None
            else:
                copy = self._copies.get(name)
                if copy is not None and copy[0] > time.monotonic():
                    return copy[1]
                pending = _Read(name)
                self._reads.append(pending)
        if pending is None:
            return read()
        try:
            value = read()
        except BaseException:
            with self._lock:
                self._reads.remove(pending)
            raise
        with self._lock:
            if self._receive() and not pending.stale:
                if len(self._copies) >= MAX_COPIES:
                    self._copies.clear()
                self._copies[name] = (time.monotonic() + self.lifetime, value)
            self._reads.remove(pending)
        return value

    def forget(self, suffix: str | None = None) -> None:
        """Drop the copy of `prefix + suffix` (every copy when None) now: this process
        changed it."""
        keys = None if suffix is None else [(self.prefix + suffix).encode()]
        with self._lock:
            self._invalidate([b"invalidate", keys])

    @property
    def connected(self) -> bool:
        return self._client is not None and self._pid == os.getpid()

    # --- the tracking connection (called with the lock held) --------------------------------

    def _receive(self) -> bool:
        """Apply every invalidation received so far; False without a working connection."""
        client = self._connection()
        if client is None:
            return False
        connection = client.connection
        try:
            while connection.can_read(timeout=0):
                connection.read_response(push_request=True, timeout=0, disconnect_on_error=False)
        except RedisTimeoutError:
            pass  # part of a message: the rest is still in flight
        except (RedisError, OSError) as error:
            self._lose(error)
            return False
        return True

    def _connection(self) -> Any:
        if self._client is not None:
            if self._pid == os.getpid():
                return self._client
            # Forked: the socket is the parent's, and so were the copies.
            self._client = None
            self._invalidate([b"invalidate", None])
        if time.monotonic() < self._retry_at or not self._available():
            return None
        client = None
        try:
            client = redis.Redis.from_url(  # connects
                self.url,
                protocol=3,
                single_connection_client=True,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                retry=Retry(NoBackoff(), 0),
            )
            client.connection._parser.set_invalidation_push_handler(self._invalidate)
            client.execute_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", self.prefix)
        except (RedisError, OSError) as error:
            if client is not None:
                with contextlib.suppress(RedisError, OSError):
                    client.close()
            if isinstance(error, ResponseError):
                # Redis answered and refuses tracking (older than 6, or a proxy that forbids
                # CLIENT): this process reads the cache as before, for good.
                self._retry_at = math.inf
                logger.warning("no near cache for %s: tracking refused: %s", self.prefix, error)
            else:
                self._retry_at = time.monotonic() + RETRY_SECONDS
                self._failed("near cache", error)
            return None
        self._client, self._pid = client, os.getpid()
        return client

    def _lose(self, error: Exception) -> None:
        self._failed("near cache", error)
        with contextlib.suppress(RedisError, OSError):
            self._client.close()
        self._client = None
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._invalidate([b"invalidate", None])

    def _invalidate(self, message: list) -> None:
        # A push from Redis, ["invalidate", [key, ...]], or ["invalidate", None] on a flush.
        keys = message[1]
        if keys is None:
            self._copies.clear()
        else:
            for key in keys:
                self._copies.pop(key, None)
        for pending in self._reads:
            if keys is None or pending.key in keys:
                pending.stale = True


_shared: dict[tuple[str, str], NearCache] = {}


def shared(location: str, prefix: str, **options: Any) -> NearCache:
    """The process's one near cache of the keys under `prefix` (a full Redis key prefix)
    at `location` (Django makes a cache backend per thread; this is per process)."""
    near = _shared.get((location, prefix))
    if near is None:
        near = _shared[(location, prefix)] = NearCache(location, prefix, **options)
    return near


def for_prefix(prefix: str) -> NearCache | None:
    """The near cache of the default cache's keys under `prefix` (a cache key, before the
    backend's own prefixing); None unless that cache can have one (the project's Redis)."""
    near = getattr(caches["default"], "near", None)
    return None if near is None else near(prefix)


def forget_everything(location: str) -> None:
    """The cache at `location` was flushed by this process: drop every copy of it now."""
    for (where, _), near in list(_shared.items()):
        if where == location:
            near.forget()
