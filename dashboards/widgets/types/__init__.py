"""One module per widget type; each defines `WIDGET_TYPE` and nothing else needs editing.

A module holds the type's name, description, sizes, config JSON Schema, data JSON Schema,
data provider, and how the live page draws it (`render`). Adding a type is adding a module
here and its name to `MODULES`.
"""

from importlib import import_module

MODULES = (
    "active_subscriptions",
    "bar_chart",
    "kpi",
    "line_chart",
    "pie_chart",
    "revenue_chart",
    "table",
    "text",
)


def load() -> list:
    return [import_module(f"{__name__}.{name}").WIDGET_TYPE for name in MODULES]
