"""text: static markdown from `config.markdown`, drawn by the page; it has no data."""

from dashboards.widgets.common import DataRequest
from dashboards.widgets.registry import Render, WidgetType


def provider(request: DataRequest) -> None:
    return None


WIDGET_TYPE = WidgetType(
    name="text",
    description="Static markdown from `config.markdown`; it has no data.",
    sizes=("small", "medium", "large", "full"),
    config_schema={
        "type": "object",
        "properties": {"markdown": {"type": "string", "maxLength": 20000}},
        "additionalProperties": False,
    },
    data_schema={"type": "null"},
    provider=provider,
    has_data=False,
    render=Render(kind="markdown"),
)
