"""Rate limits (429 RATE_LIMITED in each family's format).

Writes are always limited per user (`THROTTLE_USER`, default 600/min). Reads are limited
only when `THROTTLE_READS=1`: the limit costs two cache round trips per request, the
read hot paths are otherwise a query or two, and polling clients are already cheap
(304s). Anonymous requests are always limited (`THROTTLE_ANON`), per client address as
`dashboards_site.client_address` reads it (never a spoofable X-Forwarded-For).
docs/rate-limits.md.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

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
