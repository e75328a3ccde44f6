"""pie_chart: shares of `metric` per value of `dimension` (the top `limit`)."""

from typing import Any

from dashboards.widgets.common import DataRequest, chart_series
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import DIMENSION_ITEM, chart_config, series_data


def provider(request: DataRequest) -> dict[str, Any]:
    """The top `limit` values of `dimension`, largest first."""
    return chart_series(request, WIDGET_TYPE.with_defaults(request.config))


WIDGET_TYPE = WidgetType(
    name="pie_chart",
    description="Shares of `metric` per value of `dimension` (the top `limit`).",
    sizes=("small", "medium", "large"),
    config_schema=chart_config("dimension", dimension_only=True),
    data_schema=series_data(DIMENSION_ITEM),
    provider=provider,
    render=Render(kind="chart", chart="doughnut"),
)
