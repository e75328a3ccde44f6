"""Token revocation: what ends a JWT before it expires (docs/authentication.md).

Two facts per user, kept in the database and cached together under one key:
- `not_before`: tokens whose login (`auth_time`) is earlier are refused. A password change,
  a deactivation or a demotion sets it (users/models.py, `User.save`), so the admin,
  `changepassword` and any service revoke alike. Refresh tokens carry `auth_time` through
  rotation, so rotating cannot outrun it.
- `revoked`: the ids (`jti`) of access tokens ended by logout, until they would expire.

Checking a token costs no round trip while the process holds a current copy of the entry
(`dashboards_site.nearcache`: Redis tells the process of every change), one cache round
trip otherwise, and no query while the cache answers. On a miss, or when the cache fails,
the facts come from the database (two indexed queries): never skipped. Writers store the
new facts in the cache at once and again after commit; readers fill a missing entry with
`add`, which never overwrites, so a reader holding facts read just before a change cannot
put them back over the writer's.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from dashboards_site import nearcache
from users.models import RevokedToken

logger = logging.getLogger(__name__)

# An entry outlives no change (writers replace it); the TTL only bounds how long an entry
# that a failed cache write could not replace may linger. A process-local cache (no
# REDIS_URL) is not told of changes made in other processes: its entries live briefly.
ENTRY_SECONDS = 300
LOCAL_ENTRY_SECONDS = 30
GONE = float("inf")  # the user no longer exists: every token is refused

Facts = tuple[float | None, frozenset[str]]


PREFIX = "auth:revocation:"


def _key(user_id: Any) -> str:
    return f"{PREFIX}{user_id}"


def _entry_seconds() -> int:
    backend = settings.CACHES["default"]["BACKEND"]
    return LOCAL_ENTRY_SECONDS if backend.endswith("LocMemCache") else ENTRY_SECONDS


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def facts_from_database(user_id: Any) -> Facts:
    row = (
        get_user_model()._base_manager.filter(pk=user_id).values("tokens_valid_after").first()
        if valid_user_id(user_id)
        else None
    )
    if row is None:
        return GONE, frozenset()
    revoked = RevokedToken.objects.filter(
        user_id=user_id, expires_at__gt=timezone.now()
    ).values_list("jti", flat=True)
    return _timestamp(row["tokens_valid_after"]), frozenset(revoked)


def valid_user_id(user_id: Any) -> bool:
    """A claim that can name a row (a bigint); anything else names no user."""
    try:
        return 0 < int(user_id) <= 2**63 - 1
    except (TypeError, ValueError):
        return False


def facts_for(user_id: Any) -> Facts:
    near = nearcache.for_prefix(PREFIX)
    if near is None:
        return _cached_facts(user_id)
    return near.get(str(user_id), lambda: _cached_facts(user_id))


def _cached_facts(user_id: Any) -> Facts:
    key = _key(user_id)
    try:
        cached = cache.get(key)
    except Exception:  # a cache that fails must not decide: the database does
        logger.warning("revocation cache read failed; reading the database", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    facts = facts_from_database(user_id)
    try:
        cache.add(key, facts, _entry_seconds())
    except Exception:
        logger.warning("revocation cache fill failed", exc_info=True)
    return facts


def publish(user_id: Any) -> None:
    """Put the database's current facts in the cache (after a change)."""
    near = nearcache.for_prefix(PREFIX)
    if near is not None:
        # Other processes hear of it from Redis; this one must not wait for the echo.
        near.forget(str(user_id))
    try:
        cache.set(_key(user_id), facts_from_database(user_id), _entry_seconds())
    except Exception:
        # Entries are short-lived; a reader that misses goes to the database.
        logger.warning("revocation cache write failed", exc_info=True)


def login_time(token: Token) -> float | None:
    """When the login behind the token happened: `auth_time`, else the token's `iat`."""
    value = token.get("auth_time", token.get("iat"))
    return float(value) if isinstance(value, int | float) else None


def is_revoked(token: Token, facts: Facts) -> bool:
    not_before, revoked = facts
    if not_before is not None:
        issued = login_time(token)
        if issued is None or issued < not_before:
            return True
    return token.get(api_settings.JTI_CLAIM) in revoked


def check(token: Token) -> None:
    """InvalidToken when the token was revoked (one cache round trip on a hit)."""
    user_id = token.get(api_settings.USER_ID_CLAIM)
    if is_revoked(token, facts_for(user_id)):
        raise InvalidToken("Token has been revoked.")


def check_against_user(token: Token, user: Any) -> None:
    """The same rule with the user's row already at hand (refresh): no cache involved."""
    not_before = _timestamp(user.tokens_valid_after)
    if not_before is not None and is_revoked(token, (not_before, frozenset())):
        raise TokenError("Token has been revoked.")


def revoke_access_token(token: Token) -> None:
    """End one access token now (logout): kept until it would have expired."""
    user_id = token[api_settings.USER_ID_CLAIM]
    expires_at = datetime.fromtimestamp(token["exp"], tz=UTC)
    RevokedToken.objects.filter(expires_at__lte=timezone.now()).delete()  # bounded table
    RevokedToken.objects.get_or_create(
        jti=token[api_settings.JTI_CLAIM], defaults={"user_id": user_id, "expires_at": expires_at}
    )
    publish(user_id)


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_id = instance.pk
    publish(user_id)
    transaction.on_commit(lambda: publish(user_id))
