"""`GET /metrics`: Prometheus text format, for allowed addresses or a bearer token.

Allowed: a client address in METRICS_ALLOWED_IPS (default loopback; the address is the one
the trusted proxies report, see `client_address`), or `Authorization: Bearer
<METRICS_TOKEN>` when a token is set. Anyone else gets a 404, as if there were nothing here.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

# The one reading of the client's address (NUM_PROXIES or TRUSTED_PROXIES), as every limit.
from dashboards_site.client_address import client_address


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def _token_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every gunicorn worker's values, summed (see ops/metrics.py).
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not (_token_ok(request) or _address_allowed(client_address(request))):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
