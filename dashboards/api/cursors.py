"""Opaque page tokens: family 1's `$skiptoken` and v1's `cursor` (docs/odata.md,
docs/v1-paging.md).

A token holds the sort values of the last row of a page, the order they belong to and a
digest of the query (filter, scope...) it was issued for, signed with the site's secret
(`django.core.signing`, HMAC-SHA256): a token that was altered, truncated, forged or made
for another order or query is refused as a bad query, never trusted. Tokens are not
encrypted: they only hold values of a row the holder has already been shown.
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model

from dashboards.paging import order_columns

# Longer than any token this module issues (five sort values of at most 200 characters).
MAX_LENGTH = 2000


class BadToken(ValueError):
    """A token that cannot be used; the message says why, for the 400."""


def query_digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


AFTER, BEFORE = "after", "before"


def encode(
    *,
    salt: str,
    order: Sequence[str],
    values: Sequence[Any],
    query: str,
    direction: str = AFTER,
) -> str:
    """A token for the rows after (or, for a previous page, before) the row with `values`."""
    payload = {"o": list(order), "q": query_digest(query), "v": [_plain(v) for v in values]}
    if direction != AFTER:
        payload["d"] = direction
    # No timestamp (signing.dumps adds one): the same page always links to the same URL.
    return signing.Signer(salt=salt).sign_object(payload, compress=True)


def decode_with_direction(
    token: str, *, salt: str, order: Sequence[str], query: str, model: type[Model]
) -> tuple[str, list[Any]]:
    """(direction, sort values) of a token, typed like the model's fields; BadToken otherwise."""
    if len(token) > MAX_LENGTH:
        raise BadToken("The token is not one this API issued.")
    try:
        # The signature is checked before anything is decompressed or parsed.
        payload = signing.Signer(salt=salt).unsign_object(token)
    except signing.BadSignature:
        raise BadToken("The token is not one this API issued (or it was altered).") from None
    if not isinstance(payload, dict) or payload.get("o") != list(order):
        raise BadToken("The token belongs to another order; follow the link it came in.")
    if payload.get("q") != query_digest(query):
        raise BadToken("The token belongs to another query; follow the link it came in.")
    values = payload.get("v")
    direction = payload.get("d", AFTER)
    if (
        not isinstance(values, list)
        or len(values) != len(order)
        or direction not in (AFTER, BEFORE)
    ):
        raise BadToken("The token is not one this API issued.")
    try:
        typed = [
            model._meta.get_field(name).to_python(value)
            for (name, _), value in zip(order_columns(order), values, strict=True)
        ]
    except (FieldDoesNotExist, ValidationError, TypeError, ValueError):
        raise BadToken("The token is not one this API issued.") from None
    return direction, typed


def decode(
    token: str, *, salt: str, order: Sequence[str], query: str, model: type[Model]
) -> list[Any]:
    """The sort values of a token that continues forwards (family 1's `$skiptoken`)."""
    direction, values = decode_with_direction(
        token, salt=salt, order=order, query=query, model=model
    )
    if direction != AFTER:
        raise BadToken("The token is not one this API issued.")
    return values
