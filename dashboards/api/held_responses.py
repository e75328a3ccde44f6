"""Rendered JSON responses held in each process, by a name of everything they depend on
(docs/held-responses.md).

A read whose answer is a function of a few versions the view reads anyway can be answered
again, byte for byte, while those versions stay: the view reads them first, names the
response with them, and skips building and rendering it when this process holds that name.

- The v1 dashboard lists: the caller, the URL (host, path, filters, paging) and the
  caller's list version, which every write that changes a listed row, or who sees it,
  grows in the write's own transaction.
- The dashboard detail: its version and `updated_at` (any save moves it, whatever field
  it changes), the variables' values as applied, and the digest of each widget's data (its
  metric's series version, the day and the variables included).

A URL that was refused (4xx) is never held, and whether a URL is valid depends on nothing
but the URL and what the name holds, so a held response needs no validating again. Only
JSON is held; the browsable API renders every time. `HELD_RESPONSES_CHECK` (on in the
tests) builds the response anyway and fails the request when the held one differs: every
test that reads after a write then checks that the write moved the name.
"""

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards_site.held import Held

HEADERS = ("Content-Type", "X-Total-Count", "Link", "ETag", "Cache-Control")
# The key and the objects around the bytes, so that many small responses stay bounded too.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class HeldResponse:
    content: bytes
    headers: tuple[tuple[str, str], ...]


class HeldResponses:
    def __init__(self, budget: int) -> None:
        self._held: Held[HeldResponse] = Held(
            budget, lambda response: len(response.content) + ENTRY_OVERHEAD
        )

    def served(
        self, request: Request, name: Sequence[Any] | None, build: Callable[[], Response]
    ) -> HttpResponseBase:
        """The held response for this `name` (None: not held), or `build()`'s, held once
        rendered unless it sets `response.held = False` (a widget whose data failed)."""
        if name is None or request.accepted_renderer.format != "json":
            return build()
        text = "\n".join([request.accepted_media_type, *map(str, name)])
        key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        held = self._held.get(key)
        if held is not None and not settings.HELD_RESPONSES_CHECK:
            return HttpResponse(held.content, headers=dict(held.headers))
        response = build()
        response.add_post_render_callback(functools.partial(self._hold, key, held))
        return response

    def _hold(self, key: str, held: HeldResponse | None, response: Response) -> None:
        if response.status_code != 200 or not getattr(response, "held", True):
            return
        fresh = HeldResponse(
            content=response.content,
            headers=tuple((name, response[name]) for name in HEADERS if name in response),
        )
        if held is not None and held != fresh:
            raise AssertionError(
                "A held response differs from the one built now: a write did not move what "
                f"names it.\nheld: {held}\nnow:  {fresh}"
            )
        self._held.remember({key: fresh})


# One budget each: a burst of one kind does not push the other out.
LIST_PAGES = HeldResponses(settings.HELD_PAGES_BYTES)
DASHBOARDS = HeldResponses(settings.HELD_DASHBOARDS_BYTES)
