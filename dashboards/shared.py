"""What a share link shows (docs/sharing.md): the dashboard as an anonymous viewer gets it,
for `GET /api/shared/{token}` and the `/s/{token}` page alike.

Only what drawing needs: names, sizes, how each widget is drawn, its unit and text, its
data. No ids of the dashboard, project or owner, no metric names, no widget config.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from dashboards import variables as dashboard_variables
from dashboards.models import DashboardShare
from dashboards.widgets import registry
from dashboards.widgets.data import WidgetData, dashboard_widget_payloads


@dataclass(frozen=True)
class SharedDashboard:
    body: dict[str, Any]
    # Strong: the dashboard's version, every widget's data ETag, the variable values.
    etag: str


def _widget(widget: Any, payload: WidgetData) -> dict[str, Any]:
    config = widget.config or {}
    widget_type = registry.get(widget.type)
    item: dict[str, Any] = {
        "id": widget.key,
        "type": widget.type,
        "title": widget.title,
        "size": widget.size,
        **widget_type.render.as_dict(),
        "hasData": widget_type.has_data,
    }
    unit = config.get("unit") or config.get("currency")
    if isinstance(unit, str) and unit:
        item["unit"] = unit
    if widget_type.render.kind == "markdown":
        item["markdown"] = str(config.get("markdown", ""))
    return {**item, **payload.body_fields()}


def shared_dashboard(share: DashboardShare, variables: dict[str, str]) -> SharedDashboard:
    """The link's dashboard with every widget's data (widgets loaded by `share_resolve`),
    under the link's locked values and the viewer's allowed ones (`variables`, from
    `selectors.share_variable_overrides`). A bad value raises ValidationFailed."""
    dashboard = share.dashboard
    widgets = list(dashboard.widgets.all())
    # The link's values were checked when it was made and when it is read (names, shapes);
    # a name the dashboard does not declare (any more) filters nothing, as on a plain read
    # of a locked value the dashboard dropped.
    names = {item.name for item in dashboard_variables.declared(dashboard.definition)}
    resolved = dashboard_variables.resolve_variables(
        dashboard.definition, {k: v for k, v in variables.items() if k in names}
    )
    payloads = dashboard_widget_payloads(
        dashboard, widgets, variables=resolved.variables, now=resolved.now
    )
    body = {
        "name": dashboard.name,
        "description": dashboard.description,
        "refreshInterval": dashboard.refresh_interval,
        "version": dashboard.version,
        "updatedAt": dashboard.updated_at,
        "expiresAt": share.expires_at,
        "variables": variables,
        "widgets": [_widget(w, p) for w, p in zip(widgets, payloads, strict=True)],
    }
    # A failed widget has an ETag too; its recovery must not be answered with a 304.
    etags = [p.etag if p.error is None else None for p in payloads]
    identity = json.dumps(
        [str(dashboard.pk), dashboard.version, etags, sorted(variables.items())],
        separators=(",", ":"),
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return SharedDashboard(body, f'"shared-{digest}"')
