import socket
import threading

import pytest

from dashboards_site.cache import _Breaker

PROJECT_REDIS_BACKEND = "dashboards_site.cache.ReusingRedisCache"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis(settings):
    """The project's Redis backend pointed at a port where nothing listens (killed Redis)."""
    settings.CACHES = {
        "default": {
            "BACKEND": PROJECT_REDIS_BACKEND,
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    yield
    _Breaker._open_until.clear()


@pytest.fixture
def frozen_redis(settings):
    """A server that accepts connections and never answers (a Redis stopped with SIGSTOP:
    the kernel still completes the TCP handshake from the listen backlog)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port = server.getsockname()[1]
    settings.CACHES = {
        "default": {"BACKEND": PROJECT_REDIS_BACKEND, "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    yield
    server.close()
    _Breaker._open_until.clear()


@pytest.fixture
def in_thread():
    def run(fn):
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("value", fn()))
        thread.start()
        thread.join(10)
        return result.get("value")

    return run
