"""bar_chart: bars of `metric` per time bucket or per value of a dimension."""

from typing import Any

from dashboards.widgets.common import DataRequest, chart_series
from dashboards.widgets.registry import Render, WidgetType
from dashboards.widgets.schemas import DIMENSION_ITEM, PERIOD_ITEM, chart_config, series_data


def provider(request: DataRequest) -> dict[str, Any]:
    return chart_series(request, WIDGET_TYPE.with_defaults(request.config))


WIDGET_TYPE = WidgetType(
    name="bar_chart",
    description="Bars of `metric` per time bucket or per value of a dimension.",
    sizes=("medium", "large", "full"),
    config_schema=chart_config("month"),
    data_schema=series_data(PERIOD_ITEM, DIMENSION_ITEM),
    provider=provider,
    render=Render(kind="chart", chart="bar"),
)
