"""Server-rendered pages for people: the list of their dashboards and the live dashboard.

The live page embeds each widget's data and ETag, then its script polls the widget data
endpoint with If-None-Match (session cookie), so an unchanged widget costs a 304. The
dashboard's variables come from the page's URL (`?var-timeRange=last_7_days`, the same
parameters as the API), so a chosen range can be bookmarked and shared; the picker changes
the URL and the script refreshes every widget with the new values.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from dashboards import selectors, variables
from dashboards.exceptions import DashboardNotFound, ValidationFailed
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
