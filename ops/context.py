"""The current request's id, for log records and error bodies (set by the middleware)."""

import os
import re
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished

# What a client or a proxy may send as X-Request-ID: the usual UUID/hex/base64url forms.
# Anything else (too long, spaces, control characters) is replaced, never echoed.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:+/=-]{8,128}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def accept_or_generate(candidate: str | None) -> str:
    if candidate and REQUEST_ID_RE.match(candidate):
        return candidate
    return os.urandom(16).hex()  # 128 random bits, as a uuid4 has, at a fifth of its cost


def current_request_id() -> str | None:
    return request_id.get()


def _clear(**kwargs: Any) -> None:
    request_id.set(None)


request_finished.connect(_clear, dispatch_uid="ops.context.clear_request_id")
