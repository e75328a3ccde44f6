"""Rendered pages of the v1 dashboard lists, held in each process (docs/list-counts.md).

A page is a function of the caller, the URL (host, path, filters, paging) and what the
caller's lists hold. The last is named exactly by the caller's list version, which every
write that changes a listed row, or who sees it, grows in the write's own transaction. So
a page rendered under one version is answered again, byte for byte, while the version
stays: the view reads the version first (the query it makes anyway, before any row) and
skips the page's query, the total and the rendering.

A URL that was refused (400) is never held, and whether a URL is valid depends on nothing
but the URL, so a held page's URL needs no validating again. Only JSON is held; the
browsable API renders every time. `HELD_PAGES_CHECK` (on in the tests) renders the page
anyway and fails the request when the held one differs: every test that lists dashboards
after a write then checks that the write moved the version.
"""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards.listcounts import ListState
from dashboards_site.held import Held

HEADERS = ("Content-Type", "X-Total-Count", "Link")
# The key and the objects around the bytes, so that many small pages stay bounded too.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class HeldPage:
    content: bytes
    headers: tuple[tuple[str, str], ...]


_pages: Held[HeldPage] = Held(
    settings.HELD_PAGES_BYTES, lambda page: len(page.content) + ENTRY_OVERHEAD
)


def page_key(request: Request, state: ListState | None) -> str | None:
    """The page's name, None when it is not held (superusers' lists carry no version)."""
    if state is None or request.accepted_renderer.format != "json":
        return None
    name = "\n".join(
        (
            str(request.user.pk),
            str(state.own),
            str(state.shared),
            request.accepted_media_type,
            request.build_absolute_uri(),
        )
    )
    return hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


def served(
    request: Request, state: ListState | None, build: Callable[[], Response]
) -> HttpResponseBase:
    """The held page for this request, or `build()`'s, held once rendered."""
    key = page_key(request, state)
    if key is None:
        return build()
    held = _pages.get(key)
    if held is not None and not settings.HELD_PAGES_CHECK:
        return HttpResponse(held.content, headers=dict(held.headers))
    response = build()
    response.add_post_render_callback(functools.partial(_hold, key, held))
    return response


def _hold(key: str, held: HeldPage | None, response: Response) -> None:
    if response.status_code != 200:
        return
    page = HeldPage(
        content=response.content,
        headers=tuple((name, response[name]) for name in HEADERS if name in response),
    )
    if held is not None and held != page:
        raise AssertionError(
            f"A held page differs from the page read now: a write did not move the list "
            f"version.\nheld: {held}\nnow:  {page}"
        )
    _pages.remember({key: page})
