"""The widget type registry: the eight SPEC types, their sizes and config schemas."""

import pytest

from dashboards.exceptions import InvalidWidgetType, ValidationFailed
from dashboards.widgets import registry

SPEC_TYPES = [
    "active_subscriptions",
    "bar_chart",
    "kpi",
    "line_chart",
    "pie_chart",
    "revenue_chart",
    "table",
    "text",
]

# One valid config per type: what the smallest sensible widget of that type sends.
VALID_CONFIGS = {
    "revenue_chart": {"months": 12, "currency": "EUR"},
    "active_subscriptions": {},
    "kpi": {"metric": "signups", "aggregation": "sum", "days": 30, "unit": "users"},
    "line_chart": {"metric": "revenue", "groupBy": "week"},
    "bar_chart": {"metric": "revenue", "groupBy": "dimension", "dimension": "region"},
    "pie_chart": {"metric": "revenue", "dimension": "plan", "limit": 5},
    "table": {"metric": "revenue", "aggregation": "avg", "days": 7},
    "text": {"markdown": "# Hello"},
}


def test_the_registry_holds_exactly_the_eight_spec_types():
    assert registry.names() == SPEC_TYPES
    assert [t.name for t in registry.all_types()] == SPEC_TYPES


@pytest.mark.parametrize("name", SPEC_TYPES)
def test_every_type_has_a_description_sizes_and_an_object_schema(name):
    widget_type = registry.get(name)
    assert widget_type.description
    assert widget_type.sizes
    assert set(widget_type.sizes) <= set(registry.SIZES)
    assert widget_type.config_schema["type"] == "object"
    # The catalogue endpoint serves the schema as JSON: it must be plain data.
    assert widget_type.config_schema["additionalProperties"] is False


@pytest.mark.parametrize("name", SPEC_TYPES)
def test_a_valid_config_in_every_allowed_size_passes(name):
    for size in registry.get(name).sizes:
        registry.validate(name, size, VALID_CONFIGS[name])


def test_only_text_has_no_data():
    assert [t.name for t in registry.all_types() if not t.has_data] == ["text"]


@pytest.mark.parametrize("name", [None, "", "nope", "Revenue_Chart", 3, ["kpi"]])
def test_unknown_type_is_invalid_widget_type_listing_the_supported_ones(name):
    with pytest.raises(InvalidWidgetType) as caught:
        registry.get(name)
    assert caught.value.code == "INVALID_WIDGET_TYPE"
    assert caught.value.details == {"supportedTypes": SPEC_TYPES}


def test_validate_checks_the_type_before_anything_else():
    with pytest.raises(InvalidWidgetType):
        registry.validate("nope", "gigantic", "not a dict")


def test_unknown_size_is_refused_with_the_field_named():
    with pytest.raises(ValidationFailed) as caught:
        registry.validate("text", "huge", {}, prefix="widgets[3].")
    assert caught.value.code == "VALIDATION_ERROR"
    assert list(caught.value.details) == ["widgets[3].size"]


def test_a_size_the_type_does_not_take_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        registry.validate("active_subscriptions", "full", {})
    assert caught.value.details == {"size": ["A active_subscriptions widget can be small, medium."]}


def test_config_must_be_an_object():
    with pytest.raises(ValidationFailed) as caught:
        registry.validate("text", "small", ["markdown"])
    assert caught.value.details == {"config": ["Must be a JSON object."]}


@pytest.mark.parametrize(
    ("name", "config", "field"),
    [
        ("kpi", {}, "config"),  # metric is required
        ("kpi", {"metric": "bad name!"}, "config.metric"),
        ("kpi", {"metric": "x", "aggregation": "median"}, "config.aggregation"),
        ("kpi", {"metric": "x", "days": 0}, "config.days"),
        ("revenue_chart", {"months": 121}, "config.months"),
        ("revenue_chart", {"currency": "euro"}, "config.currency"),
        ("revenue_chart", {"colour": "red"}, "config"),  # no extra keys
        ("line_chart", {"metric": "x", "groupBy": "hour"}, "config.groupBy"),
        ("line_chart", {"metric": "x", "groupBy": "dimension"}, "config"),  # which dimension?
        ("pie_chart", {"metric": "x"}, "config"),  # dimension is required
        ("pie_chart", {"metric": "x", "dimension": "plan", "limit": 51}, "config.limit"),
        ("text", {"markdown": 5}, "config.markdown"),
        ("text", {"markdown": "x" * 20001}, "config.markdown"),
        ("active_subscriptions", {"metric": "x"}, "config"),
    ],
)
def test_config_outside_the_schema_names_the_field(name, config, field):
    size = registry.get(name).sizes[0]
    with pytest.raises(ValidationFailed) as caught:
        registry.validate(name, size, config, prefix="widgets[0].")
    assert f"widgets[0].{field}" in caught.value.details
    assert all(caught.value.details.values())


def test_all_problems_of_one_widget_are_reported_together():
    with pytest.raises(ValidationFailed) as caught:
        registry.validate("kpi", "full", {"metric": "x", "days": -1})
    assert set(caught.value.details) == {"size", "config.days"}


def test_an_unregistered_type_has_no_provider():
    assert registry.provider_for("sparkline") is None


def test_each_type_is_one_module_with_everything_the_page_and_the_api_need():
    from dashboards.widgets import types

    assert sorted(types.MODULES) == SPEC_TYPES
    for widget_type in types.load():
        assert widget_type is registry.get(widget_type.name)
        assert widget_type.provider is not None
        assert widget_type.data_schema is not None
        assert widget_type.render.kind in registry.RENDER_KINDS


def test_adding_a_type_is_one_register_call():
    sparkline = registry.WidgetType(
        name="sparkline_test_only",
        description="A tiny line.",
        sizes=("small",),
        config_schema={
            "type": "object",
            "properties": {"metric": {"type": "string"}},
            "required": ["metric"],
            "additionalProperties": False,
        },
    )
    registry.register(sparkline)
    try:
        registry.validate("sparkline_test_only", "small", {"metric": "x"})
        with pytest.raises(ValidationFailed):
            registry.validate("sparkline_test_only", "small", {})
    finally:
        registry._REGISTRY.pop("sparkline_test_only")
    assert registry.names() == SPEC_TYPES


def test_a_broken_schema_is_refused_when_registered():
    from jsonschema.exceptions import SchemaError

    with pytest.raises(SchemaError):
        registry.WidgetType(
            name="broken", description="", sizes=("small",), config_schema={"type": "objekt"}
        )
