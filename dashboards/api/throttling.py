"""Rate limits (429 RATE_LIMITED in each family's format).

Writes are always limited per user (`THROTTLE_USER`, default 600/min). Reads are limited
only when `THROTTLE_READS=1`: the limit costs two cache round trips per request, the
read hot paths are otherwise a query or two, and polling clients are already cheap
(304s). Anonymous requests are always limited (`THROTTLE_ANON`), per client address as
`dashboards_site.client_address` reads it (never a spoofable X-Forwarded-For).
docs/rate-limits.md.

Share links (`/api/shared/{token}`, `/s/{token}`) have limits of their own instead, per
token and per client address (SHARE_THROTTLE_TOKEN, SHARE_THROTTLE_ADDRESS; docs/sharing.md).
"""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from dashboards.share_rules import token_hash
from dashboards_site.client_address import client_key

if TYPE_CHECKING:  # rest_framework.views imports the throttle settings: no cycle at run time
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientAddressMixin:
    def get_ident(self, request: "Request") -> str:
        return client_key(request)


class AnonAddressRateThrottle(ClientAddressMixin, AnonRateThrottle):
    pass


class UserWriteRateThrottle(ClientAddressMixin, UserRateThrottle):
    def allow_request(self, request: "Request", view: "APIView") -> bool:
        if request.method in SAFE_METHODS and not settings.API_THROTTLE_READS:
            return True
        return super().allow_request(request, view)


class ShareTokenRateThrottle(SimpleRateThrottle):
    """Reads through one link, whoever makes them; unknown tokens count alike. Keyed by the
    token's hash: the cache never holds a usable token."""

    scope = "share_token"

    def get_rate(self) -> str:
        return settings.SHARE_THROTTLE_TOKEN

    def get_cache_key(self, request: "Request", view: "APIView | None") -> str:
        token = (view.kwargs if view is not None else request.resolver_match.kwargs)["token"]
        return self.cache_format % {"scope": self.scope, "ident": token_hash(token)[:32]}


class ShareAddressRateThrottle(SimpleRateThrottle):
    """Reads through any link from one client address (its /64 for IPv6)."""

    scope = "share_address"

    def get_rate(self) -> str:
        return settings.SHARE_THROTTLE_ADDRESS

    def get_cache_key(self, request: "Request", view: "APIView | None") -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_key(request)}


SHARE_THROTTLES = (ShareAddressRateThrottle, ShareTokenRateThrottle)


def share_throttle_wait(request: "Request", view: "APIView | None" = None) -> float | None:
    """Seconds to wait when a share read is over a limit, None when it may go on: for the
    page, which is not a DRF view (the JSON view lists SHARE_THROTTLES as its throttles)."""
    waits = []
    for throttle_class in SHARE_THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait() or 1)
    return max(waits) if waits else None
