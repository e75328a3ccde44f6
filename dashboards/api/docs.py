"""Swagger UI and ReDoc pages, served with drf-spectacular-sidecar's assets.

ReDoc's bundle shows a "Powered by Redocly" logo from cdn.redoc.ly whatever the options;
its page gets a Content-Security-Policy that keeps the browser on this host, so the docs
never reach another host (the logo's onerror hides it). docs/openapi.md.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularRedocView

# 'unsafe-inline': drf-spectacular's page starts ReDoc from an inline script; ReDoc styles
# itself with inline styles and runs its search in a blob: worker.
REDOC_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ]
)


class OfflineRedocView(SpectacularRedocView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CSP
        return response
