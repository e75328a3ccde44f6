"""`@idempotent()`: a POST that creates may be retried safely with an `Idempotency-Key`.

Put it on a DRF view method (under its `extend_schema`); the method needs no other change
(docs/idempotency.md):

- no header: the method runs as before (no query, no transaction added);
- a malformed key: 400 VALIDATION_ERROR;
- a key not seen for this user and operation in 24 hours: the method runs in a
  transaction; a 2xx answer is stored with the key in that same transaction, so the write
  and its stored answer commit together or not at all (a crash or an error leaves the key
  unused, and the retry runs the write);
- the same key with the same request (method, path with query, body): the stored answer
  is replayed (status, body, `Location`, `ETag`) with `Idempotent-Replayed: true`; nothing
  runs again;
- the same key with another request: 422 IDEMPOTENCY_KEY_REUSED;
- the first request with the key still running: 409 IDEMPOTENCY_KEY_IN_USE (PostgreSQL;
  on SQLite writers are serialized, so the second waits and then gets the replay).

`redact` maps the answer to what may be stored: an answer that shows a secret once (a
share link's token) is stored without it, and a replay never shows it again.
"""

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from dashboards.exceptions import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed
from idempotency.models import KEY_LIFETIME, MAX_KEY_LENGTH, IdempotencyKey
from ops import metrics

HEADER = "Idempotency-Key"
# Letters, digits and `_.:~+/=-` (UUIDs, ULIDs, base64url); the IETF draft sends the key as a
# quoted string, so one pair of double quotes around it is accepted too.
KEY_PATTERN = rf"^[A-Za-z0-9_.:~+/=-]{{1,{MAX_KEY_LENGTH}}}$"
_KEY_RE = re.compile(KEY_PATTERN)
# The answer's headers a replay repeats.
REPLAYED_HEADERS = ("Location", "ETag")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "pattern": KEY_PATTERN, "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    description=(
        "Makes a retry safe: the same key with the same request within 24 hours replays the "
        "first answer (with `Idempotent-Replayed: true`) instead of writing again; with "
        "another request it is a 422 `IDEMPOTENCY_KEY_REUSED`; while the first is still "
        "running, a 409 `IDEMPOTENCY_KEY_IN_USE`. Keys are per user and operation; use a "
        "new random value (a UUID) for each distinct write."
    ),
)


def parse_key(raw: str) -> str:
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY_RE.match(key):
        raise ValidationFailed(
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} letters, digits or '_.:~+/=-' (a UUID).",
            details={HEADER: [f"1-{MAX_KEY_LENGTH} letters, digits or '_.:~+/=-'."]},
        )
    return key


def fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    try:
        digest.update(request._request.body)
    except RawPostDataException:
        # A form the browsable API sent, already read as a stream: its parsed fields.
        digest.update(json.dumps(request.data, sort_keys=True, cls=JSONEncoder).encode())
    return digest.hexdigest()


def _lock(user_id: int, route: str, key: str) -> None:
    """Refuse (409) a key whose first request is still running (PostgreSQL).

    A transaction-scoped advisory lock on (user, route, key): held from here to the commit
    that stores the answer, so a second request either finds the lock (the first is
    running) or, once it is released, the stored answer.
    """
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already serializes writers
    ident = hashlib.sha256(f"{user_id}\0{route}\0{key}".encode()).digest()[:8]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(ident, "big", signed=True)]
        )
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise IdempotencyKeyInUse()


def _replay(stored: IdempotencyKey) -> Response:
    metrics.IDEMPOTENT_REPLAYS.inc()
    headers = {**stored.response_headers, "Idempotent-Replayed": "true"}
    return Response(stored.response_body, status=stored.response_status, headers=headers)


def _store(
    *,
    user_id: int,
    route: str,
    key: str,
    fingerprint: str,
    response: Response,
    redact: Callable[[Any], Any] | None,
    now: datetime,
) -> None:
    data = redact(response.data) if redact else response.data
    # Stored as the client saw it (ids and dates as JSON strings).
    body = json.loads(json.dumps(data, cls=JSONEncoder))
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                user_id=user_id,
                route=route,
                key=key,
                fingerprint=fingerprint,
                response_status=response.status_code,
                response_body=body,
                response_headers=headers,
                created_at=now,
            )
    except IntegrityError as error:
        # Another request stored this key first (only on a lock-hash collision): refuse
        # this one whole; the surrounding transaction rolls its write back.
        raise IdempotencyKeyInUse() from error


def idempotent(
    *, redact: Callable[[Any], Any] | None = None
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    def decorate(method: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(method)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            raw = request.headers.get(HEADER)
            user = request.user
            if raw is None or not user.is_authenticated:
                return method(view, request, *args, **kwargs)
            key = parse_key(raw)
            match = request.resolver_match
            route = f"{request.method} {match.view_name if match else request.path}"[:100]
            print_ = fingerprint(request)
            with transaction.atomic():
                _lock(user.pk, route, key)
                now = timezone.now()
                stored = IdempotencyKey.objects.filter(user=user.pk, route=route, key=key).first()
                if stored is not None:
                    if stored.created_at > now - KEY_LIFETIME:
                        if stored.fingerprint != print_:
                            raise IdempotencyKeyReused(
                                f"This {HEADER} was used with another request in the last "
                                "24 hours; send a new key for a new write."
                            )
                        return _replay(stored)
                    stored.delete()  # expired: the key is free again
                response = method(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    _store(
                        user_id=user.pk,
                        route=route,
                        key=key,
                        fingerprint=print_,
                        response=response,
                        redact=redact,
                        now=now,
                    )
                return response

        return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(wrapper)

    return decorate
