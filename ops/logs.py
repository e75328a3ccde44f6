"""Log records as one JSON object per line, each with the request id (LOG_FORMAT=json).

`RequestIdFilter` goes on the handler, so every record written while a request is being
served carries its id, whichever logger wrote it (Django's, the app's, a library's).
"""

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from ops.context import current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(_JsonFormatter):
    """time, level, logger, message, request_id, then any `extra={...}` fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("timestamp", False)
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)
