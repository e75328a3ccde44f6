"""Swagger UI and ReDoc pages under a strict Content-Security-Policy, served offline with
drf-spectacular-sidecar's assets (docs/openapi.md, docs/security.md).

- Swagger UI: drf-spectacular's split view, whose start-up script is a separate request
  (`?script`) instead of an inline one, so `script-src 'self'` holds; the page's few lines
  of inline style are a static file (`dashboards/docs.css`).
- ReDoc: started by a static script (`dashboards/redoc-init.js`) reading its settings from
  a JSON data block. ReDoc styles itself with injected `<style>` elements and searches in a
  `blob:` worker, so its page alone allows inline styles (never scripts) and blob workers.
  Its bundle hard-codes a "Powered by Redocly" image from cdn.redoc.ly whatever the
  options; the bundle is served here with that one URL pointed at an empty inline image,
  so the page neither reaches another host nor trips its own policy.
"""

import hashlib
from functools import lru_cache
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOCLY_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = b"data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"

# Added to the site-wide policy (settings.CONTENT_SECURITY_POLICY) on the ReDoc page only.
REDOC_CSP_UPDATE = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is `?script` on the same URL."""


class OfflineRedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response.data["redoc_bundle"] = reverse("redoc-bundle")
        response.data["redoc_settings"] = spectacular_redoc_settings()
        response._csp_update = REDOC_CSP_UPDATE
        return response


def spectacular_redoc_settings() -> dict[str, Any]:
    from drf_spectacular.settings import spectacular_settings

    return dict(spectacular_settings.REDOC_UI_SETTINGS or {})


@lru_cache(maxsize=1)
def _redoc_bundle() -> tuple[bytes, str]:
    path = finders.find(REDOC_BUNDLE)
    if not path:
        raise Http404("ReDoc's bundle is not installed.")
    with open(path, "rb") as bundle:
        body = bundle.read().replace(REDOCLY_LOGO, EMPTY_IMAGE)
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@require_safe
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """ReDoc's standalone bundle with its third-party logo URL made local (see above)."""
    body, etag = _redoc_bundle()
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response
