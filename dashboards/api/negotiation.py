"""Content negotiation with a short way for API clients.

A request with no `Accept`, `Accept: application/json` or `Accept: */*` (what scripts, SDKs
and `curl` send) gets the JSON renderer without parsing media types; anything else (a
browser's `text/html,...`, `?format=api`, `application/json; indent=4`) goes through DRF's
own negotiation, so the browsable API stays for browsers.
"""

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

_PLAIN_JSON = frozenset({"", "application/json", "*/*"})


class FastContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str] | Any:
        first = renderers[0] if renderers else None
        if (
            first is not None
            and first.format == "json"
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and request.META.get("HTTP_ACCEPT", "").strip() in _PLAIN_JSON
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
