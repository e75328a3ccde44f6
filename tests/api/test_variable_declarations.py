"""`definition.variables` is checked when written, in both families' formats; what was
stored before the check existed keeps working."""

import pytest

from dashboards import services
from dashboards.models import Dashboard
from tests.api.analytics.conftest import error as analytics_error
from tests.api.v1.conftest import V1, ok, save_body
from tests.api.v1.conftest import error as v1_error

pytestmark = pytest.mark.django_db

TIME = {"name": "timeRange", "type": "timeRange", "default": "last_30_days"}
REGION = {
    "name": "region",
    "type": "dimension",
    "dimension": "region",
    "default": None,
    "options": ["north", "south"],
}

BAD = [
    # (variables, field named, words in the message)
    (
        [TIME, {"name": "region", "type": "dimension"}],
        "definition.variables[1].dimension",
        "required",
    ),
    ([TIME, {**REGION, "dimension": "no spaces"}], "definition.variables[1].dimension", "match"),
    ([{**TIME, "name": "range"}], "definition.variables[0].name", "timeRange"),
    ([TIME, TIME], "definition.variables[1].name", "twice"),
    ([{**TIME, "default": "last_8_days"}], "definition.variables[0].default", "preset"),
    ([{**TIME, "default": "2026-02-01/2026-01-01"}], "definition.variables[0].default", "before"),
    ([{**TIME, "default": "2010-01-01/2026-01-01"}], "definition.variables[0].default", "10 years"),
    ([{**REGION, "default": "east"}], "definition.variables[0].default", "options"),
    ([{**REGION, "colour": "red"}], "definition.variables[0].colour", "Unknown field"),
    ([{"name": "x", "type": "query"}], "definition.variables[0].type", "is not one of"),
    ([REGION, {**REGION, "name": "area"}], "definition.variables[1].dimension", "already"),
    ({"timeRange": "today"}, "definition.variables", "array"),
    ([{**REGION, "name": "timeRange"}], "definition.variables[0].name", "should not"),
]


@pytest.mark.parametrize(("variables", "field", "words"), BAD)
def test_family_1_refuses_bad_variables_naming_the_field(
    client_for, alice, variables, field, words
):
    response = client_for(alice).post(
        "/api/dashboards",
        {"name": "Sales", "definition": {"variables": variables}},
        format="json",
    )
    details = analytics_error(response, 400, "VALIDATION_ERROR")["details"]
    assert list(details) == [field]
    assert words in details[field][0]
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize(("variables", "field", "words"), BAD)
def test_v1_refuses_bad_variables_naming_the_field(
    client_for, alice, project, variables, field, words
):
    response = client_for(alice).post(
        f"{V1}/dashboards/{project.pk}/save",
        save_body("Sales", {"variables": variables}),
        format="json",
    )
    message = v1_error(response, 400, "VALIDATION_ERROR")
    assert message.startswith(f"{field}: ")
    assert not Dashboard.objects.exists()


def test_good_variables_are_kept_verbatim_by_both_families(client_for, alice, project):
    client = client_for(alice)
    variables = [TIME, REGION, {"name": "plan", "type": "dimension", "dimension": "plan"}]
    created = client.post(
        "/api/dashboards",
        {"name": "Sales", "definition": {"variables": variables}},
        format="json",
    )
    assert created.status_code == 201, created.content
    dashboard = Dashboard.objects.get()
    assert dashboard.definition == {"variables": variables}
    loaded = ok(client.get(f"{V1}/dashboards/{dashboard.project_id}/{dashboard.pk}"))
    assert loaded["definition"]["variables"] == variables


def test_absolute_default_is_accepted(alice):
    window = {**TIME, "default": "2026-01-01T00:00:00Z/2026-02-01T00:00:00+01:00"}
    dashboard = services.dashboard_create(
        user=alice, name="Jan", definition={"variables": [window]}
    )
    assert dashboard.definition["variables"] == [window]


def test_a_dashboard_saved_before_the_check_keeps_working(client_for, alice, project):
    dashboard = services.dashboard_create(user=alice, project=project, name="Old")
    stale = {"variables": [{"name": "timeRange", "type": "timeRange", "default": "fortnight"}]}
    Dashboard.objects.filter(pk=dashboard.pk).update(definition=stale)
    client = client_for(alice)

    read = client.get(f"/api/dashboards/{dashboard.pk}")
    assert read.status_code == 200
    assert read.json()["variables"] == {}  # a declaration that does not fit is left out
    renamed = client.patch(f"/api/dashboards/{dashboard.pk}", {"name": "Older"}, format="json")
    assert renamed.status_code == 200, renamed.content
    # A v1 save sends the whole definition back: unchanged variables are not re-judged.
    saved = client.post(
        f"{V1}/dashboards/{project.pk}/save",
        save_body("Oldest", stale, id=str(dashboard.pk)),
        format="json",
    )
    assert saved.status_code == 200, saved.content
    # Editing them is a write of variables: then they must be valid.
    edited = client.patch(
        f"/api/dashboards/{dashboard.pk}",
        {"definition": {"variables": [{**stale["variables"][0], "label": "When"}]}},
        format="json",
    )
    details = analytics_error(edited, 400, "VALIDATION_ERROR")["details"]
    assert list(details) == ["definition.variables[0].default"]
