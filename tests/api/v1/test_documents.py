"""The dashboard document: lossless v1 round trips, and one model under both families."""

import pytest

from dashboards import documents, selectors, services
from dashboards.exceptions import ValidationFailed
from dashboards.models import Dashboard
from tests.api.v1.conftest import V1, error, ok, save_body

pytestmark = pytest.mark.django_db

FULL_DOCUMENT = {
    "description": "Revenue and subscriptions",
    "type": "executive",
    "refreshInterval": 300,
    "widgets": [
        {
            "id": "widget_1",
            "type": "revenue_chart",
            "title": "Monthly Revenue",
            "size": "large",
            "config": {"months": 6},
        },
        {
            "id": "subs",
            "type": "text",
            "title": "Notes",
            "size": "full",
            "config": {"markdown": "# Q1"},
        },
    ],
    # Everything else a front end keeps, verbatim: nesting, nulls, unicode, numbers.
    "layout": {"columns": 12, "rows": [[{"w": 6, "h": 4}, None]]},
    "filters": [{"field": "region", "op": "in", "values": ["EU", "US"]}],
    "theme": None,
    "title_i18n": {"fr": "Tableau de bord", "ja": "ダッシュボード"},
    "ratio": 0.625,
    "flags": [True, False],
}


def _save(client, project, definition, **dashboard):
    response = client.post(
        f"{V1}/dashboards/{project.pk}/save",
        save_body(dashboard.pop("name", "Doc"), definition, **dashboard),
        format="json",
    )
    return response


def _load(client, project, dashboard_id, scope="user"):
    return ok(client.get(f"{V1}/dashboards/{project.pk}/{dashboard_id}?scope={scope}"))


def test_v1_round_trip_is_lossless(client_for, alice, project):
    client = client_for(alice)
    dashboard_id = ok(_save(client, project, FULL_DOCUMENT), status=201)["id"]
    assert _load(client, project, dashboard_id)["definition"] == FULL_DOCUMENT


def test_v1_round_trip_survives_an_update(client_for, alice, project):
    client = client_for(alice)
    dashboard_id = ok(_save(client, project, FULL_DOCUMENT), status=201)["id"]
    read = _load(client, project, dashboard_id)
    changed = {**read["definition"], "theme": "dark", "extra": {"new": [1, 2, 3]}}
    changed["widgets"] = [*changed["widgets"][1:], changed["widgets"][0]]
    ok(_save(client, project, changed, id=dashboard_id, version=read["version"]))
    assert _load(client, project, dashboard_id)["definition"] == changed


def test_omitted_document_keys_read_back_as_defaults(client_for, alice, project):
    client = client_for(alice)
    dashboard_id = ok(_save(client, project, {"layout": "grid"}), status=201)["id"]
    assert _load(client, project, dashboard_id)["definition"] == {
        "layout": "grid",
        "description": "",
        "type": "custom",
        "refreshInterval": 0,
        "widgets": [],
    }


def test_saving_without_widgets_removes_them(client_for, alice, project):
    # The save replaces the whole document: absent widgets means no widgets.
    client = client_for(alice)
    dashboard_id = ok(_save(client, project, FULL_DOCUMENT), status=201)["id"]
    ok(_save(client, project, {"layout": {}}, id=dashboard_id))
    assert Dashboard.objects.get(pk=dashboard_id).widgets.count() == 0


def test_v1_save_writes_columns_and_widget_rows(client_for, alice, project):
    """What family 1 (`GET /api/dashboards/{id}`) and the widget data read."""
    dashboard_id = ok(_save(client_for(alice), project, FULL_DOCUMENT), status=201)["id"]
    dashboard = Dashboard.objects.get(pk=dashboard_id)
    assert (dashboard.description, dashboard.type, dashboard.refresh_interval) == (
        "Revenue and subscriptions",
        "executive",
        300,
    )
    assert set(dashboard.definition) == {
        "layout",
        "filters",
        "theme",
        "title_i18n",
        "ratio",
        "flags",
    }
    assert dashboard.definition["layout"] == FULL_DOCUMENT["layout"]
    rows = list(
        dashboard.widgets.order_by("position").values(
            "key", "type", "title", "size", "config", "position"
        )
    )
    assert rows == [
        {
            "key": "widget_1",
            "type": "revenue_chart",
            "title": "Monthly Revenue",
            "size": "large",
            "config": {"months": 6},
            "position": 0,
        },
        {
            "key": "subs",
            "type": "text",
            "title": "Notes",
            "size": "full",
            "config": {"markdown": "# Q1"},
            "position": 1,
        },
    ]


def test_v1_update_keeps_widget_identity(client_for, alice, project):
    client = client_for(alice)
    dashboard_id = ok(_save(client, project, FULL_DOCUMENT), status=201)["id"]
    before = dict(Dashboard.objects.get(pk=dashboard_id).widgets.values_list("key", "pk"))
    renamed = {**FULL_DOCUMENT, "widgets": [{**FULL_DOCUMENT["widgets"][0], "title": "Renamed"}]}
    ok(_save(client, project, renamed, id=dashboard_id))
    after = dict(Dashboard.objects.get(pk=dashboard_id).widgets.values_list("key", "pk"))
    assert after == {"widget_1": before["widget_1"]}


def test_dashboard_created_by_the_services_reads_through_v1(client_for, alice, project):
    """A family-1 style dashboard (columns + widget rows) shows its widgets in the document."""
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        name="Executive Summary",
        description="Made elsewhere",
        type="sales",
        refresh_interval=60,
        definition={"layout": {"columns": 3}, "palette": ["#000", "#fff"]},
        widgets=[
            {"id": "widget_1", "type": "revenue_chart", "title": "Revenue", "size": "large"},
            {"type": "active_subscriptions", "title": "Subs", "size": "small"},
        ],
    )
    read = _load(client_for(alice), project, dashboard.pk)
    assert read["definition"] == {
        "layout": {"columns": 3},
        "palette": ["#000", "#fff"],
        "description": "Made elsewhere",
        "type": "sales",
        "refreshInterval": 60,
        "widgets": [
            {
                "id": "widget_1",
                "type": "revenue_chart",
                "title": "Revenue",
                "size": "large",
                "config": {},
            },
            {
                "id": "widget_2",
                "type": "active_subscriptions",
                "title": "Subs",
                "size": "small",
                "config": {},
            },
        ],
    }
    assert (read["name"], read["version"]) == ("Executive Summary", 1)


def test_a_v1_read_saved_back_unchanged_changes_nothing(client_for, alice, project):
    dashboard = services.dashboard_create(
        user=alice,
        project=project,
        name="Made by family 1",
        type="sales",
        refresh_interval=30,
        definition={"layout": "grid"},
        widgets=[{"id": "a", "type": "kpi", "size": "small", "config": {"metric": "mrr"}}],
    )
    client = client_for(alice)
    read = _load(client, project, dashboard.pk)
    ok(_save(client, project, read["definition"], name=read["name"], id=read["id"]))
    again = _load(client, project, dashboard.pk)
    assert again["definition"] == read["definition"]
    # Nothing changed: no new version (docs/history.md).
    assert again["version"] == read["version"]
    assert again["updated_at"] == read["updated_at"]
    stored = selectors.dashboard_get(user=alice, dashboard_id=dashboard.pk)
    assert (stored.type, stored.refresh_interval, stored.definition) == (
        "sales",
        30,
        {"layout": "grid"},
    )
    assert [(w.key, w.type, w.config) for w in stored.widgets.all()] == [
        ("a", "kpi", {"metric": "mrr"})
    ]


# --- v1_spec / v1_definition directly ------------------------------------------------


def test_v1_spec_splits_columns_from_extra_keys():
    spec = documents.v1_spec(name="Board", scope="user", definition=FULL_DOCUMENT)
    assert spec.description == "Revenue and subscriptions"
    assert spec.type == "executive"
    assert spec.refresh_interval == 300
    assert [w.key for w in spec.widgets] == [w["id"] for w in FULL_DOCUMENT["widgets"]]
    assert set(spec.definition) == {
        "layout",
        "filters",
        "theme",
        "title_i18n",
        "ratio",
        "flags",
    }


def test_v1_spec_fills_defaults():
    spec = documents.v1_spec(name="Board", scope="user", definition=None)
    assert (spec.description, spec.type, spec.refresh_interval, spec.widgets, spec.definition) == (
        "",
        "custom",
        0,
        (),
        {},
    )


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"description": 5}, "definition.description"),
        ({"description": None}, "definition.description"),
        ({"type": ["sales"]}, "definition.type"),
        ({"refreshInterval": "60"}, "definition.refreshInterval"),
        ({"refreshInterval": True}, "definition.refreshInterval"),
        ({"refreshInterval": 1.5}, "definition.refreshInterval"),
        ({"widgets": {"id": "w"}}, "definition.widgets"),
        ({"name": "Two homes"}, "definition.name"),
        ([1, 2], "definition"),
        ("text", "definition"),
    ],
)
def test_v1_spec_names_the_wrong_key(document, key):
    with pytest.raises(ValidationFailed) as raised:
        documents.v1_spec(name="Board", scope="user", definition=document)
    assert list(raised.value.details) == [key]
    assert raised.value.message.startswith(f"{key}: ")


@pytest.mark.parametrize(
    ("definition", "fragment"),
    [
        ({"description": 5}, "definition.description"),
        ({"refreshInterval": "60"}, "definition.refreshInterval"),
        ({"widgets": "none"}, "definition.widgets"),
        ({"name": "x"}, "definition.name"),
        ([], "definition"),
    ],
)
def test_wrong_document_types_are_400_naming_the_key(
    client_for, alice, project, definition, fragment
):
    message = error(_save(client_for(alice), project, definition), 400, "VALIDATION_ERROR")
    assert message.startswith(fragment)
    assert not Dashboard.objects.exists()
