import pytest
from jsonschema import Draft202012Validator

from dashboards.widgets import registry
from tests.api.analytics.conftest import API, error

pytestmark = pytest.mark.django_db


def test_catalogue_lists_every_registered_type_with_its_schema(client_for, alice):
    body = client_for(alice).get(f"{API}/widget-types").json()
    assert body["count"] == len(body["value"]) == 8
    names = [t["name"] for t in body["value"]]
    assert names == registry.names()
    by_name = {t["name"]: t for t in body["value"]}
    assert by_name["revenue_chart"]["sizes"] == ["medium", "large", "full"]
    assert by_name["text"]["hasData"] is False
    assert by_name["pie_chart"]["render"] == {"kind": "chart", "chart": "doughnut"}
    assert by_name["kpi"]["render"] == {"kind": "number"}
    assert by_name["text"]["dataSchema"] == {"type": "null"}
    for widget_type in body["value"]:
        assert set(widget_type) == {
            "name",
            "description",
            "sizes",
            "hasData",
            "configSchema",
            "dataSchema",
            "render",
        }
        Draft202012Validator.check_schema(widget_type["configSchema"])
        Draft202012Validator.check_schema(widget_type["dataSchema"])


def test_catalogue_needs_authentication(api_client):
    error(api_client.get(f"{API}/widget-types"), 401, "NOT_AUTHENTICATED")
