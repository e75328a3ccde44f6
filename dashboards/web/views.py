"""Server-rendered pages for people: the list of their dashboards and the live dashboard.

The live page embeds each widget's data and ETag, then its script polls the widget data
endpoint with If-None-Match (session cookie), so an unchanged widget costs a 304.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from dashboards import selectors
from dashboards.exceptions import DashboardNotFound
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
    payloads = dashboard_widget_payloads(dashboard, widgets)
    cards: list[dict[str, Any]] = []
    for widget, payload in zip(widgets, payloads, strict=True):
        config = widget.config or {}
        widget_type = registry.get(widget.type)
        cards.append(
            {
                "id": widget.key,
                "type": widget.type,
                # How to draw it comes from the type's module; the script maps kinds only.
                **widget_type.render.as_dict(),
                "title": widget.title or widget.key,
                "size": widget.size,
                "hasData": widget_type.has_data,
                "url": reverse(
                    "widget-data:widget-data",
                    kwargs={"dashboard_id": dashboard.pk, "widget_id": widget.key},
                ),
                "etag": payload.etag,
                "data": payload.data,
                "error": payload.error,
                "unit": config.get("unit") or config.get("currency"),
                "html": render_markdown(config.get("markdown", ""))
                if widget_type.render.kind == "markdown"
                else "",
            }
        )
    page = {
        "id": str(dashboard.pk),
        "refreshInterval": dashboard.refresh_interval,
        "widgets": [{k: v for k, v in card.items() if k != "html"} for card in cards],
    }
    context = {"dashboard": dashboard, "cards": cards, "page": page}
    return render(request, "dashboards/detail.html", context)
