"""The v1 dashboard lists filter through a django-filter FilterSet: name contains, type,
created/updated ranges; bad values are a 400 INVALID_QUERY in the v1 envelope; the
browsable API shows the form."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from dashboards.models import Dashboard
from tests.api.v1.conftest import V1, error, ok
from tests.factories import DashboardFactory

pytestmark = pytest.mark.django_db


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def made(alice, bob, project):
    """Four of alice's dashboards with known names, types and times; one of bob's."""
    specs = {
        "A": ("Regional Sales", "sales", utc(2026, 1, 10), utc(2026, 2, 1)),
        "B": ("Executive Summary", "executive", utc(2026, 1, 20), utc(2026, 1, 20)),
        "C": ("sales ops", "sales", utc(2026, 2, 5), utc(2026, 3, 1)),
        "D": ("Marketing", "marketing", utc(2026, 3, 1), utc(2026, 3, 2)),
    }
    made = {}
    for letter, (name, kind, created, updated) in specs.items():
        dashboard = DashboardFactory(owner=alice, project=project, name=name, type=kind)
        Dashboard.objects.filter(pk=dashboard.pk).update(created_at=created, updated_at=updated)
        made[letter] = dashboard
    DashboardFactory(owner=bob, project=project, name="Bob's sales", type="sales")
    return made


def letters(response, made) -> str:
    by_id = {str(d.pk): letter for letter, d in made.items()}
    data = ok(response)
    assert response["X-Total-Count"] == str(len(data))
    return "".join(by_id[row["id"]] for row in data)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "ABCD"),
        ("name=sales", "AC"),
        ("name=SALES", "AC"),
        ("name=Sales%20o", "C"),
        ("name=%25", ""),  # % is a literal character, not a wildcard
        ("type=sales", "AC"),
        ("type=executive", "B"),
        ("type=unknown", ""),
        ("created_at_after=2026-01-20T00:00:00Z", "BCD"),
        ("created_at_before=2026-01-20T00:00:00Z", "AB"),  # inclusive
        ("created_at_after=2026-01-11&created_at_before=2026-02-05T00:00:00Z", "BC"),
        ("created_at_after=2026-01-20T01:00:00%2B01:00", "BCD"),  # the same instant
        ("updated_at_after=2026-03-01T00:00:00Z", "CD"),
        ("updated_at_before=2026-02-01T00:00:00", "AB"),  # no offset: UTC
        ("name=sales&type=sales&updated_at_after=2026-02-15T00:00:00Z", "C"),
    ],
)
def test_each_filter(client_for, alice, made, query, expected):
    response = client_for(alice).get(f"{V1}/dashboards/list?scope=user,project&{query}")
    assert letters(response, made) == expected


def test_filters_apply_to_the_project_list_too(client_for, alice, project, made):
    url = f"{V1}/dashboards/{project.pk}/list?type=sales"
    assert letters(client_for(alice).get(url), made) == "AC"


def test_filtered_pages_follow_the_cursor(client_for, alice, made):
    client = client_for(alice)
    first = client.get(f"{V1}/dashboards/list?name=s&limit=2")
    assert letters_page(first, made) == "AB"
    assert first["X-Total-Count"] == "3"
    link = first["Link"].split(";")[0].strip("<>")
    assert "name=s" in link
    assert letters_page(client.get(link), made) == "C"


def letters_page(response, made) -> str:
    by_id = {str(d.pk): letter for letter, d in made.items()}
    return "".join(by_id[row["id"]] for row in ok(response))


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("created_at_after=yesterday", "created_at_after"),
        ("created_at_before=2026-02-30T00:00:00Z", "created_at_before"),
        ("updated_at_after=9999-12-31T23:59:59-01:00", "updated_at_after"),
        ("updated_at_before=" + "1" * 100, "updated_at_before"),
        ("created_at_after=2026-03-01&created_at_before=2026-01-01", "created_at"),
        ("type=Not%20a%20slug", "type"),
        ("type=" + "a" * 51, "type"),
        ("name=" + "n" * 201, "name"),
        ("name=a%00b", "name"),
    ],
)
def test_bad_filter_values_are_400_invalid_query(client_for, alice, made, query, parameter):
    response = client_for(alice).get(f"{V1}/dashboards/list?{query}")
    message = error(response, 400, "INVALID_QUERY")
    assert message.startswith(parameter)


def test_unknown_parameters_are_ignored_as_before(client_for, alice, made):
    response = client_for(alice).get(f"{V1}/dashboards/list?scope=user&colour=red")
    assert letters(response, made) == "ABCD"


def test_browsable_api_shows_the_filter_form(alice, made):
    browser = APIClient()
    browser.force_login(alice)
    response = browser.get(f"{V1}/dashboards/list?type=sales", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Filters" in html
    for name in ("name", "type", "created_at_after", "created_at_before", "updated_at_after"):
        assert f'name="{name}"' in html
    assert 'value="sales"' in html  # the form shows the filter applied
    assert "Regional Sales" in html
    assert "Executive Summary" not in html
