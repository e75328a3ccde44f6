"""gunicorn parses requests with its C parser in production (gunicorn.conf.py,
`http_parser`). Malformed, oversized and smuggling-shaped requests get the answer they get
from gunicorn's Python parser: the same corpus, the same statuses, under both."""

import socket
import sys

import pytest

from tests.security.test_serving import Gunicorn, production_env, run

HOST = b"Host: 127.0.0.1\r\n"
TOKEN = b"POST /api/auth/token/ HTTP/1.1\r\n" + HOST
# (request bytes, the status line's code)
CORPUS = {
    "well formed": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"\r\n", 200),
    "HTTP/1.0 without Host": (b"GET /healthz HTTP/1.0\r\n\r\n", 200),
    "absolute URI": (b"GET http://127.0.0.1/healthz HTTP/1.1\r\n" + HOST + b"\r\n", 200),
    "200 headers": (
        b"GET /healthz HTTP/1.1\r\n"
        + HOST
        + b"".join(b"X-%d: 1\r\n" % i for i in range(200))
        + b"\r\n",
        200,
    ),
    "request line over the limit": (
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
        414,
    ),
    "header over the limit": (
        b"GET /healthz HTTP/1.1\r\n" + HOST + b"X-A: " + b"b" * 17000 + b"\r\n\r\n",
        431,
    ),
    "invalid method": (b"G@T /healthz HTTP/1.1\r\n" + HOST + b"\r\n", 400),
    "unknown version": (b"GET /healthz HTTP/9.9\r\n" + HOST + b"\r\n", 400),
    "Content-Length and chunked": (
        TOKEN + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "chunked not last": (TOKEN + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
    "two Content-Lengths": (TOKEN + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
    "space in a header name": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"X A: 1\r\n\r\n", 400),
    "folded header": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"X-A: 1\r\n  2\r\n\r\n", 400),
    "NUL in a header": (b"GET /healthz HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n", 400),
    "bare LF": (b"GET /healthz HTTP/1.1\n" + HOST.replace(b"\r\n", b"\n") + b"\n", 400),
}


def status_of(port: int, raw: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.fixture(scope="module", params=["fast", "python"])
def server(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp(f"parser-{request.param}")
    env = production_env(
        tmp_path,
        SECRET_KEY="parser-" + "k" * 50,
        GUNICORN_HTTP_PARSER=request.param,
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    migrated = run([sys.executable, "manage.py", "migrate", "-v0"], env)
    assert migrated.returncode == 0, migrated.stderr
    gunicorn = Gunicorn(env, production=True)
    gunicorn.wait_ready()
    yield gunicorn
    gunicorn.stop()


@pytest.mark.parametrize("case", CORPUS)
def test_each_request_gets_the_same_status_under_either_parser(server, case):
    raw, status = CORPUS[case]
    assert status_of(server.port, raw) == status
