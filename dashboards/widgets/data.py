"""Widget data for reads: the registry's provider of each widget type, by name.

`dashboard_widget_data` is what both API families and the live page call; providers are
registered in `dashboards/widgets/providers.py`.
"""

from typing import Any

from dashboards.models import Dashboard, Widget
from dashboards.widgets import registry


def widget_data(dashboard: Dashboard, widget: Widget) -> Any:
    provider = registry.provider_for(widget.type)
    if provider is None or not registry.get(widget.type).has_data:
        return None
    return provider(project_id=dashboard.project_id, config=widget.config)


def dashboard_widget_data(dashboard: Dashboard, widgets: list[Widget]) -> dict[str, Any]:
    """Map each widget's key to its data (None for types without data)."""
    return {widget.key: widget_data(dashboard, widget) for widget in widgets}
