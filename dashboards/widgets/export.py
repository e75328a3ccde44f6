"""A widget's data as CSV: one module, so that every place that exports (the widget data
endpoint, share links) writes the same bytes.

One header row, `period,value,dimension`, then one row per point of the data: a time
series fills `period`, a series per dimension value fills `dimension`, a single number
(kpi, active_subscriptions) is one row whose `period` is the time of its latest point. The
same three columns for every type, so that exports can be put side by side or appended.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return as a
formula (CSV injection); such a text cell gets a leading `'`, which they show as text.
Numbers are written as numbers (a negative value stays `-5`), empty values as empty cells.
"""

import csv
import io
from typing import Any, Final

from django.utils.text import slugify

COLUMNS: Final = ("period", "value", "dimension")
CONTENT_TYPE: Final = "text/csv; charset=utf-8"
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str | int | float:
    """One cell: numbers as they are, text escaped when a spreadsheet would evaluate it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_rows(data: Any) -> list[tuple[Any, Any, Any]]:
    """(period, value, dimension) per point of a widget's `data` (None: no rows)."""
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("series"), list):
        return [
            (item.get("period"), item.get("value"), item.get("dimension"))
            for item in data["series"]
        ]
    if "value" in data:
        return [(data.get("asOf"), data["value"], None)]
    return []


def widget_csv(data: Any) -> bytes:
    """The CSV document of a widget's `data` (UTF-8, CRLF line ends as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in csv_rows(data):
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode()


def csv_filename(dashboard_name: str, widget_key: str) -> str:
    """`<dashboard>-<widget>.csv`, ASCII letters, digits and dashes only (a header value)."""
    dashboard = slugify(dashboard_name) or "dashboard"
    widget = slugify(widget_key) or "widget"
    return f"{dashboard}-{widget}.csv"


def content_disposition(dashboard_name: str, widget_key: str) -> str:
    return f'attachment; filename="{csv_filename(dashboard_name, widget_key)}"'
