"""line_chart: a time series of `metric`, aggregated per day, week or month."""

from typing import Any

from dashboards.widgets.common import DataRequest, chart_series
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import DIMENSION_ITEM, PERIOD_ITEM, chart_config, series_data


def provider(request: DataRequest) -> dict[str, Any]:
    return chart_series(request, WIDGET_TYPE.with_defaults(request.config))


WIDGET_TYPE = WidgetType(
    name="line_chart",
    description="A time series of `metric`, aggregated per day, week or month.",
    sizes=("medium", "large", "full"),
    config_schema=chart_config("day"),
    data_schema=series_data(PERIOD_ITEM, DIMENSION_ITEM),
    provider=provider,
    render=Render(kind="chart", chart="line"),
)
