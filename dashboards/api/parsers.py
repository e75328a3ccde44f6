"""The JSON request parser of both API families (and the token endpoints).

orjson parses: it is fast, refuses what is not JSON (NaN, Infinity, numbers that overflow
a double, lone surrogates, raw control characters) and stops at 1,024 levels in C, so no
body can exhaust Python's stack. Then, before any view sees the data, a body may nest at
most 100 levels (dashboards/jsonlimits.py). Each refusal is a 400 `VALIDATION_ERROR` in the
family's format through the exception handler.

What JSON can say but a field cannot take (a NUL character, a number out of its range, a
document deeper than 32 levels) is left to the fields, so that the error names the field:
serializers for typed fields, `jsonlimits.document_problem` for the free-form documents,
the services for text.

The depth walk runs only when the raw bytes hold more than 100 `[`/`{`: fewer cannot nest
deeper. orjson reads an integer beyond 64 bits as a float, silently losing digits (or
refuses it as infinity); a body with a run of 19 digits is therefore read by the standard
library, whose integers are exact: a free-form document keeps it verbatim, a typed field
refuses it by name.
"""

import json
import math
import re
from typing import Any

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from dashboards.jsonlimits import MAX_BODY_DEPTH, text_nesting_deeper_than, too_deep_message

_LONG_DIGIT_RUN = re.compile(rb"\d{19}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ParseError(f"JSON parse error - the number {text[:30]} is out of range.")
    return value


def _refuse_constant(name: str) -> Any:
    raise ParseError(f"JSON parse error - {name} is not JSON.")


def _exact_loads(raw: bytes) -> Any:
    """The standard library's reading: integers of any length, exactly."""
    try:
        return json.loads(raw, parse_float=_finite_float, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(too_deep_message(MAX_BODY_DEPTH)) from None
    except ValueError as error:
        raise ParseError(f"JSON parse error - {error}") from None


def parse_json_bytes(raw: bytes) -> Any:
    """The JSON value of a request body, or ParseError saying what is wrong with it."""
    long_digits = _LONG_DIGIT_RUN.search(raw) is not None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        message = str(error)
        if long_digits and "infinity" in message:
            # An integer literal longer than a double holds: the field that gets it says so.
            value = _exact_loads(raw)
        else:
            if "depth limit" in message:
                message = too_deep_message(MAX_BODY_DEPTH)
            raise ParseError(f"JSON parse error - {message}") from None
    else:
        if long_digits:
            value = _exact_loads(raw)
    if (raw.count(b"[") + raw.count(b"{")) > MAX_BODY_DEPTH and text_nesting_deeper_than(
        raw, MAX_BODY_DEPTH
    ):
        raise ParseError(too_deep_message(MAX_BODY_DEPTH))
    return value


class JSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if encoding.lower().replace("-", "") != "utf8":
            try:
                raw = raw.decode(encoding).encode("utf-8")
            except (LookupError, UnicodeError) as error:
                raise ParseError(f"The body is not valid {encoding}.") from error
        return parse_json_bytes(raw)
