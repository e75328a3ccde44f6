"""Server-rendered pages for people: the list of their dashboards, the live dashboard, and
the same live page through a share link.

The live page embeds each widget's data and ETag, then its script polls the widget data
endpoint with If-None-Match (session cookie), so an unchanged widget costs a 304. The
dashboard's variables come from the page's URL (`?var-timeRange=last_7_days`, the same
parameters as the API), so a chosen range can be bookmarked and shared; the picker changes
the URL and the script refreshes every widget with the new values. The share
page (`/s/{token}`, no login) polls `/api/shared/{token}` instead, one request for all
widgets (docs/sharing.md).
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from dashboards import selectors, variables
from dashboards.api.throttling import share_throttle_wait
from dashboards.exceptions import DashboardNotFound, ShareNotFound, ValidationFailed
from dashboards.shared import shared_dashboard
from dashboards.web.markdown import render_markdown
from dashboards.widgets import registry
from dashboards.widgets.data import dashboard_widget_payloads


@login_required
def dashboard_list_page(request: HttpRequest) -> HttpResponse:
    dashboards = selectors.dashboard_list_for_home(user=request.user)
    return render(request, "dashboards/list.html", {"dashboards": dashboards})


@login_required
def dashboard_page(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    try:
        dashboard = selectors.dashboard_get(user=request.user, dashboard_id=dashboard_id)
    except DashboardNotFound:
        raise Http404("Dashboard does not exist.") from None  # invisible looks missing
    widgets = list(dashboard.widgets.all())
    resolved, problem = _resolve(dashboard.definition, request)
    payloads = dashboard_widget_payloads(
        dashboard, widgets, variables=resolved.variables, now=resolved.now
    )
    cards: list[dict[str, Any]] = []
    # The values the URL chose, for the download links drawn with the page.
    chosen = [("format", "csv")]
    if problem is None:
        chosen += [(k, v) for k, v in request.GET.items() if k.startswith(variables.QUERY_PREFIX)]
    for widget, payload in zip(widgets, payloads, strict=True):
        config = widget.config or {}
        widget_type = registry.get(widget.type)
        url = reverse(
            "widget-data:widget-data",
            kwargs={"dashboard_id": dashboard.pk, "widget_id": widget.key},
        )
        cards.append(
            {
                "id": widget.key,
                "type": widget.type,
                # How to draw it comes from the type's module; the script maps kinds only.
                **widget_type.render.as_dict(),
                "title": widget.title or widget.key,
                "size": widget.size,
                "hasData": widget_type.has_data,
                "url": url,
                "csv": f"{url}?{urlencode(chosen)}",
                "etag": payload.etag,
                "data": payload.data,
                "error": payload.error,
                "unit": config.get("unit") or config.get("currency"),
                "html": render_markdown(config.get("markdown", ""))
                if widget_type.render.kind == "markdown"
                else "",
            }
        )
    pickers = variables.picker(dashboard.definition, resolved.applied)
    page = {
        "id": str(dashboard.pk),
        "refreshInterval": dashboard.refresh_interval,
        "widgets": [{k: v for k, v in card.items() if k != "html"} for card in cards],
        "variables": pickers,
        "queryPrefix": variables.QUERY_PREFIX,
        "all": variables.ALL,
    }
    context = {
        "dashboard": dashboard,
        "cards": cards,
        "page": page,
        "pickers": pickers,
        "variables_problem": problem,
    }
    return render(request, "dashboards/detail.html", context)


def _resolve(
    definition: Any, request: HttpRequest
) -> tuple[variables.ResolvedVariables, str | None]:
    """The URL's values; a page (unlike the API) shows the defaults when they are bad, and
    says so: a stale bookmark should still open the dashboard."""
    try:
        overrides = variables.overrides_from_query(request.GET)
        return variables.resolve_variables(definition, overrides), None
    except ValidationFailed as error:
        return variables.resolve_variables(definition, {}), f"{error.message} Showing the defaults."


def _refused(response: HttpResponse) -> HttpResponse:
    # Only a page that shows a dashboard may be framed.
    response["X-Frame-Options"] = "DENY"
    response["X-Robots-Tag"] = "noindex"
    return response


def _plain(text: str, status: int) -> HttpResponse:
    return _refused(HttpResponse(text, status=status, content_type="text/plain; charset=utf-8"))


@require_safe
@xframe_options_exempt  # framing is governed by the CSP frame-ancestors set below
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The live page of a share link, read-only, without login."""
    wait = share_throttle_wait(request)
    if wait is not None:
        response = _plain("Too many requests for this link; try again shortly.\n", 429)
        response["Retry-After"] = str(max(1, int(wait)))
        return response
    try:
        share = selectors.share_resolve(token=token)
    except ShareNotFound:
        # One page for every link that does not open (unknown, revoked, expired).
        return _refused(render(request, "dashboards/shared_missing.html", status=404))
    try:
        overrides = selectors.share_variable_overrides(share=share, params=request.GET.lists())
        shared = shared_dashboard(share, overrides)
    except ValidationFailed as error:
        return _plain(f"{error.message}\n", 400)
    cards = [
        {
            **widget,
            "title": widget["title"] or widget["id"],
            "html": render_markdown(widget.get("markdown", ""))
            if widget["kind"] == "markdown"
            else "",
        }
        for widget in shared.body["widgets"]
    ]
    query = request.META.get("QUERY_STRING", "")
    page = {
        "refreshInterval": shared.body["refreshInterval"],
        "version": shared.body["version"],
        "sharedUrl": reverse("analytics:shared", args=[token]) + (f"?{query}" if query else ""),
        "etag": shared.etag,
        "widgets": [
            {k: v for k, v in card.items() if k not in {"html", "markdown"}} for card in cards
        ],
    }
    context = {"dashboard": share.dashboard, "cards": cards, "page": page}
    response = render(request, "dashboards/shared.html", context)
    response._csp_replace = {  # type: ignore[attr-defined]
        "frame-ancestors": share.frame_ancestors or settings.SHARE_FRAME_ANCESTORS
    }
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-cache"
    return response
