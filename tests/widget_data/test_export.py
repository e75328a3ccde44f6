"""`GET /api/dashboards/{id}/widgets/{widgetId}/data?format=csv`: exact bytes, formula
escaping, variables applied, text widgets refused, errors in JSON."""

import pytest

from dashboards import services
from dashboards.widgets.export import csv_cell, csv_filename, widget_csv
from tests.api.analytics.conftest import error
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_now(settings):
    settings.DASHBOARDS_FIXED_NOW = "2026-03-15T12:00:00+00:00"


@pytest.fixture
def board(project, ingest):
    ingest(
        point("visits", "2026-03-13T10:00:00Z", 5, region="north"),
        point("visits", "2026-03-14T10:00:00Z", 2.5, region='=HYPERLINK("x")'),
        point("visits", "2026-03-14T11:00:00Z", -4, region="-2+3"),
        point("visits", "2026-03-15T10:00:00Z", 1, region="@SUM(A1)"),
    )
    return services.dashboard_create(
        user=project.owner,
        project=project,
        scope="project",
        name="Web Traffic: Q1",
        definition={
            "variables": [
                {"name": "timeRange", "type": "timeRange", "default": "last_7_days"},
                {"name": "region", "type": "dimension", "dimension": "region"},
            ]
        },
        widgets=[
            {"id": "daily", "type": "line_chart", "config": {"metric": "visits"}},
            {
                "id": "regions",
                "type": "bar_chart",
                "config": {"metric": "visits", "groupBy": "dimension", "dimension": "region"},
            },
            {"id": "total", "type": "kpi", "config": {"metric": "visits", "aggregation": "sum"}},
            {"id": "notes", "type": "text", "config": {"markdown": "hi"}},
        ],
    )


def url(board, key: str) -> str:
    return f"/api/dashboards/{board.pk}/widgets/{key}/data"


def test_a_time_series_as_csv_exact_bytes(client_for, alice, board):
    response = client_for(alice).get(url(board, "daily"), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="web-traffic-q1-daily.csv"'
    assert response.content == (
        b"period,value,dimension\r\n"
        b"2026-03-13,5,\r\n"
        b"2026-03-14,-1.5,\r\n"  # a negative number stays a number
        b"2026-03-15,1,\r\n"
    )


def test_text_cells_that_a_spreadsheet_would_run_are_escaped(client_for, alice, board):
    response = client_for(alice).get(url(board, "regions"), {"format": "csv"})

    assert response.status_code == 200
    assert response.content == (
        b"period,value,dimension\r\n"
        b",5,north\r\n"
        b',2.5,"\'=HYPERLINK(""x"")"\r\n'
        b",1,'@SUM(A1)\r\n"
        b",-4,'-2+3\r\n"
    )


def test_variables_apply_to_the_export(client_for, alice, board):
    client = client_for(alice)
    today = client.get(url(board, "total"), {"format": "csv", "var-timeRange": "today"})
    assert today.content == b"period,value,dimension\r\n2026-03-15T10:00:00Z,1,\r\n"
    north = client.get(url(board, "total"), {"format": "csv", "var-region": "north"})
    assert north.content == b"period,value,dimension\r\n2026-03-13T10:00:00Z,5,\r\n"


def test_json_is_the_default_and_accept_text_csv_also_works(client_for, alice, board):
    client = client_for(alice)
    assert (
        client.get(url(board, "total")).json()
        == client.get(url(board, "total"), {"format": "json"}).json()
    )
    by_header = client.get(url(board, "total"), HTTP_ACCEPT="text/csv")
    assert by_header["Content-Type"] == "text/csv; charset=utf-8"
    assert by_header.content.startswith(b"period,value,dimension\r\n")


def test_a_text_widget_has_nothing_to_export(client_for, alice, board):
    response = client_for(alice).get(url(board, "notes"), {"format": "csv"})
    details = error(response, 400, "VALIDATION_ERROR")["details"]
    assert details == {"format": ["A text widget has no data to export."]}


def test_errors_answer_in_json_when_csv_was_asked(client_for, alice, charlie, board):
    missing = client_for(alice).get(url(board, "nope"), {"format": "csv"})
    assert missing["Content-Type"] == "application/json"
    error(missing, 404, "WIDGET_NOT_FOUND")
    hidden = client_for(charlie).get(url(board, "daily"), {"format": "csv"})
    error(hidden, 404, "DASHBOARD_NOT_FOUND")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_single_numbers_and_empty_data():
    assert widget_csv({"value": None, "asOf": None}) == b"period,value,dimension\r\n,,\r\n"
    assert widget_csv({"series": []}) == b"period,value,dimension\r\n"
    assert csv_filename("Ventes été", "w.1") == "ventes-ete-w1.csv"
    assert csv_filename("???", "x") == "dashboard-x.csv"
