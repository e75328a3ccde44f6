"""Failed-login limits on every login path, counted in the database (docs/security.md).

Two limits, both over a sliding window (`LOGIN_FAILURE_WINDOW`, 15 minutes):
- per (account, address): `LOGIN_FAILURES_PER_ACCOUNT_ADDRESS` (5) — guessing one
  account's password from one place;
- per address: `LOGIN_FAILURES_PER_ADDRESS` (30) — trying many accounts from one place.
Never per account alone, which would let anyone lock a victim out from anywhere.

How: `LoginLimitBackend`, first in AUTHENTICATION_BACKENDS, runs inside Django's
`authenticate()` — which the token endpoint, `/accounts/login/`, `/api-auth/login/` and
`/admin/login/` all call — before the password is checked. It records the attempt as a
failure first, then counts: concurrent guesses therefore cannot all slip under the limit.
Over a limit, the attempt is withdrawn (a locked-out client does not extend its own lock)
and `LoginLocked` (a DRF `Throttled`) ends the request: the API's exception handler makes
it a 429 `RATE_LIMITED`, `LoginLockedMiddleware` a readable 429 page, both with
`Retry-After`. A successful login withdraws the failures of that account from that
address only: the per-address count keeps everyone else's, so an attacker cannot
interleave logins to an account of their own to keep guessing.

django-axes was considered: it has one failure limit for all its parameter combinations
and resets on success per combination, so it cannot say "5 per account and address, 30 per
address"; this module is what the two limits need and no more.
"""

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.exceptions import Throttled

from dashboards_site.client_address import client_key
from users.models import LoginFailure


class LoginLocked(Throttled):
    default_code = "login_locked"

    def __init__(self, wait: int) -> None:
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(
            wait=wait,
            detail=(
                "Too many failed logins from your address; "
                f"try again in {minutes} minute{'s' if minutes != 1 else ''}."
            ),
        )


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def account_digest(username: str) -> str:
    """The account as stored: keyed digest of the casefolded name (people type passwords
    into the username field; the table need not keep them)."""
    return salted_hmac("users.login_limits", username.casefold(), algorithm="sha256").hexdigest()


def _seconds_until_below(failures: Any, limit: int, now: Any) -> int:
    """When the `limit`-th most recent failure leaves the window, a try is allowed again."""
    times = list(failures.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return 1
    return max(1, math.ceil((times[-1] + _window() - now).total_seconds()))


def begin_attempt(request: Any, username: str) -> None:
    """Count this attempt as a failure until it succeeds; LoginLocked when over a limit."""
    now = timezone.now()
    address = client_key(request)
    account = account_digest(username)
    LoginFailure.objects.filter(created_at__lte=now - _window()).delete()  # bounded table
    attempt = LoginFailure.objects.create(address=address, account=account, created_at=now)
    recent = LoginFailure.objects.filter(address=address, created_at__gt=now - _window())
    counts = recent.aggregate(address=Count("id"), account=Count("id", filter=Q(account=account)))
    per_account = settings.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
    per_address = settings.LOGIN_FAILURES_PER_ADDRESS
    if counts["account"] <= per_account and counts["address"] <= per_address:
        return
    attempt.delete()
    waits = []
    if counts["account"] > per_account:
        waits.append(_seconds_until_below(recent.filter(account=account), per_account, now))
    if counts["address"] > per_address:
        waits.append(_seconds_until_below(recent, per_address, now))
    raise LoginLocked(wait=max(waits))


def login_succeeded(request: Any, username: str) -> None:
    """The account proved its password from this address: its failures there are void."""
    LoginFailure.objects.filter(
        address=client_key(request), account=account_digest(username)
    ).delete()


class LoginLimitBackend:
    """Authenticates no one: checks the limits before the real backends run.

    A session bound to it (`force_login` and code that takes the first backend do that)
    finds its user through ModelBackend, so it behaves like any other session."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is not None and isinstance(username, str):
            begin_attempt(request, username)
        return None

    def get_user(self, user_id: Any) -> Any:
        return ModelBackend().get_user(user_id)
