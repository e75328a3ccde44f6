"""Request context: the request id (X-Request-ID) and the request metrics, in one layer.

First in MIDDLEWARE, so it sees every response, including the ones other middleware
answers (413, 503). Cheap on purpose: a regex match or 16 random bytes, a clock read and
two metric updates per request (about 12 µs, docs/operations.md).
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ops import metrics
from ops.context import accept_or_generate, request_id

# Any other method is counted as "other": a client must not be able to add label values.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._children: dict[tuple[str, str, int], tuple] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        rid = accept_or_generate(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = rid
        # Not reset on the way out: Django logs 4xx/5xx after the middleware returns, and
        # those lines need the id too. Cleared when the request finishes (ops/context.py).
        request_id.set(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        match = request.resolver_match
        route = (match.view_name or "unnamed") if match is not None else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        key = (route, method, response.status_code)
        children = self._children.get(key)
        if children is None:
            # labels() validates and takes a lock: look each series up once.
            labels = (route, method, str(response.status_code))
            children = self._children[key] = (
                metrics.REQUESTS.labels(*labels),
                metrics.LATENCY.labels(*labels),
            )
        children[0].inc()
        children[1].observe(time.perf_counter() - started)
        return response
