"""gunicorn's access log: a JSON object per request, with its id (ops/gunicorn_logging.py)."""

import json
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from ops.gunicorn_logging import JsonLogger


def logged_line(tmp_path, *, headers, environ):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = JsonLogger(cfg)
    response = SimpleNamespace(status="201 Created", status_code=201, headers=headers, sent=512)
    request = SimpleNamespace(headers=[])
    logger.access(response, request, environ, timedelta(microseconds=3456))
    for handler in logger.access_log.handlers:
        handler.flush()
    (line,) = (tmp_path / "access.log").read_text().splitlines()
    return json.loads(line)


def test_a_line_holds_the_request_and_the_response(tmp_path):
    line = logged_line(
        tmp_path,
        headers=[("Content-Type", "application/json"), ("X-Request-ID", "req-1")],
        environ={
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/dashboards",
            "QUERY_STRING": "a=1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": "203.0.113.9",
            "HTTP_USER_AGENT": "curl/8",
        },
    )
    assert line["message"] == "POST /api/dashboards 201"
    assert line["logger"] == "gunicorn.access"
    assert line["request_id"] == "req-1"
    assert (line["method"], line["path"], line["query"]) == ("POST", "/api/dashboards", "a=1")
    assert (line["status"], line["bytes"], line["duration_ms"]) == (201, 512, 3.46)
    assert line["remote_addr"] == "127.0.0.1"
    assert line["forwarded_for"] == "203.0.113.9"
    assert line["user_agent"] == "curl/8"
    assert line["time"].endswith("+00:00")


def test_absent_headers_are_dashes(tmp_path):
    line = logged_line(
        tmp_path,
        headers=[("Content-Type", "text/html")],
        environ={"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "QUERY_STRING": ""},
    )
    assert line["request_id"] == "-"
    assert line["forwarded_for"] == "-"
    assert line["user_agent"] == "-"
    assert line["remote_addr"] == "-"
