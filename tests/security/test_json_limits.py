"""Deep, huge or malformed JSON is a 400 in the family's format before any recursion: the
parser's limits (100 levels, orjson's refusals: NaN, Infinity, overflowing numbers, lone
surrogates) and the fields' own (a definition, a widget config, project metadata: 32
levels; NUL characters and out-of-range numbers named by field)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from dashboards.api.parsers import parse_json_bytes
from dashboards.exceptions import ValidationFailed
from dashboards.jsonlimits import (
    MAX_BODY_DEPTH,
    MAX_DOCUMENT_DEPTH,
    nesting_depth,
    text_nesting_deeper_than,
)
from dashboards.models import Dashboard, Project
from dashboards.widgets import registry
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def nested(levels: int, leaf: object = 1) -> dict:
    """A JSON object `levels` deep: {"a": {"a": ... leaf}}."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def raw_nested_lists(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def assert_family_1_error(response, status=400, code="VALIDATION_ERROR"):
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"]
    assert body["error"]["code"] == code
    return body["error"]


def assert_v1_error(response, status=400, code="VALIDATION_ERROR"):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["data"] is None
    assert body["status"] == "error"
    assert body["code"] == code
    return body


def post_raw(client, url, raw: bytes):
    return client.post(url, data=raw, content_type="application/json")


# --- The parser ------------------------------------------------------------------------


def test_nesting_depth_counts_levels_without_recursion():
    assert nesting_depth(1) == 0
    assert nesting_depth({}) == 1
    assert nesting_depth([[], {"a": [1]}]) == 3
    assert nesting_depth(nested(50_000)) == 50_000  # far past Python's recursion limit
    assert nesting_depth(nested(50_000), stop_above=10) == 11


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\ab', max_size=4), children, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON_VALUES, limit=st.integers(min_value=0, max_value=12))
def test_the_text_check_agrees_with_the_parsed_depth(value, limit):
    # Strings full of brackets, quotes and backslashes must not count as nesting; lists
    # and objects alternating must count one level each.
    raw = json.dumps(value).encode()
    assert text_nesting_deeper_than(raw, limit) == (nesting_depth(value) > limit)


def test_alternating_arrays_and_objects_count_one_level_each():
    raw = b'{"a":[' * 60 + b"1" + b"]}" * 60  # 120 levels, two kinds in turn
    assert text_nesting_deeper_than(raw, 119)
    assert not text_nesting_deeper_than(raw, 120)
    with pytest.raises(ParseError, match="too deep"):
        parse_json_bytes(raw)


def test_the_parser_takes_100_levels_and_refuses_101():
    assert nesting_depth(parse_json_bytes(raw_nested_lists(MAX_BODY_DEPTH))) == 100
    with pytest.raises(ParseError, match="too deep"):
        parse_json_bytes(raw_nested_lists(MAX_BODY_DEPTH + 1))


@pytest.mark.parametrize("levels", [101, 316, 1_000, 1_025, 100_000])
def test_a_deep_body_is_400_on_the_anonymous_token_endpoint(api_client, levels):
    response = post_raw(api_client, "/api/auth/token/", raw_nested_lists(levels))
    error = assert_family_1_error(response)
    assert "too deep" in error["message"]
    assert "100 levels" in error["message"]


@pytest.mark.parametrize("levels", [101, 1_000, 100_000])
def test_a_deep_body_is_400_in_each_family(project, alice, levels):
    client = bearer_client(alice)
    body = raw_nested_lists(levels)
    error = assert_family_1_error(post_raw(client, "/api/dashboards", body))
    assert "too deep" in error["message"]
    v1 = assert_v1_error(post_raw(client, f"/api/v1/dashboards/{project.pk}/save", body))
    assert "too deep" in v1["message"]
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"name": NaN}', "JSON parse error"),
        (b'{"name": Infinity}', "JSON parse error"),
        (b'{"name": -Infinity}', "JSON parse error"),
        (b'{"name": 1e999}', "infinity"),
        (b'{"name": -1e999}', "infinity"),
        (b'{"name": "\\ud800"}', "surrogate"),
        (b'{"name": "x", "definition": {"\\udc00": 1}}', "surrogate"),
        (b'{"name": "x\x01"}', "control character"),
        (b'{"name": "x"', "JSON parse error"),
        (b'{"name": 1e999, "n": 12345678901234567890123}', "out of range"),
        (b'{"n": 1' + b"0" * 400 + b', "name": NaN}', "NaN is not JSON"),
        (b"[" * 5000 + b"1" + b"0" * 400 + b"]" * 5000, "too deep"),
    ],
)
def test_what_json_cannot_hold_is_a_400_not_a_500(alice, project, raw, words):
    client = bearer_client(alice)
    error = assert_family_1_error(post_raw(client, "/api/dashboards", raw))
    assert words.lower() in error["message"].lower()
    v1_raw = b'{"dashboard": ' + raw + b"}"
    v1 = assert_v1_error(post_raw(client, f"/api/v1/dashboards/{project.pk}/save", v1_raw))
    assert words.lower() in v1["message"].lower()
    assert not Dashboard.objects.exists()


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (
            b'{"name": "x", "refreshInterval": 123456789012345678901234567890}',
            "refreshInterval",
            "",
        ),
        (b'{"name": "x", "refreshInterval": 1' + b"0" * 400 + b"}", "refreshInterval", ""),
        (b'{"name": "x\\u0000y"}', "name", "null characters"),
        (b'{"name": "x", "definition": {"k\\u0000": 1}}', "definition", "null characters"),
        (b'{"name": "x", "description": "\\u0000"}', "description", "null characters"),
    ],
)
def test_what_a_field_cannot_take_is_a_400_naming_it(alice, raw, field, words):
    error = assert_family_1_error(post_raw(bearer_client(alice), "/api/dashboards", raw))
    assert error["message"].startswith(f"{field}: ")
    assert words in error["message"].lower()
    assert list(error["details"]) == [field]
    assert not Dashboard.objects.exists()


def test_integers_of_any_length_are_kept_exactly(alice):
    # orjson alone would read the last two as floats and round them.
    definition = {"small": -(2**63), "large": 2**64 - 1, "huge": -(10**40), "x": 1.5}
    client = bearer_client(alice)
    response = client.post(
        "/api/dashboards", {"name": "N", "definition": definition}, format="json"
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/dashboards/{response.json()['id']}").json()["definition"] == definition


def test_escaped_text_that_only_looks_like_nul_or_a_long_number_is_kept(alice):
    # "\\u0000" is a backslash and five characters, and digits inside strings are text.
    definition = {"path": "C:\\u0000", "id": "12345678901234567890123", "big": 2**63 - 1}
    response = bearer_client(alice).post(
        "/api/dashboards", {"name": "Kept", "definition": definition}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Dashboard.objects.get().definition == definition


def test_a_body_in_another_declared_charset_is_read(alice):
    body = json.dumps({"name": "Café"}, ensure_ascii=False).encode("latin-1")
    response = bearer_client(alice).post(
        "/api/dashboards", data=body, content_type="application/json; charset=latin-1"
    )
    assert response.status_code == 201, response.content
    assert Dashboard.objects.get().name == "Café"


# --- Documents: 32 levels of their own ---------------------------------------------------


def test_a_definition_may_nest_32_levels_and_reads_back_verbatim(alice):
    client = bearer_client(alice)
    definition = nested(MAX_DOCUMENT_DEPTH, leaf="deep")
    response = client.post(
        "/api/dashboards", {"name": "D", "definition": definition}, format="json"
    )
    assert response.status_code == 201, response.content
    read = client.get(f"/api/dashboards/{response.json()['id']}")
    assert read.json()["definition"] == definition


def test_a_definition_33_levels_deep_is_refused_naming_the_field(alice, project):
    client = bearer_client(alice)
    definition = nested(MAX_DOCUMENT_DEPTH + 1)
    error = assert_family_1_error(
        client.post("/api/dashboards", {"name": "D", "definition": definition}, format="json")
    )
    assert list(error["details"]) == ["definition"]
    assert "too deep" in error["message"]
    assert error["message"].startswith("definition")
    v1 = assert_v1_error(
        client.post(
            f"/api/v1/dashboards/{project.pk}/save",
            {"dashboard": {"name": "D", "definition": {"layout": definition}}},
            format="json",
        )
    )
    assert v1["message"].startswith("definition")
    assert not Dashboard.objects.exists()


def test_the_issue_reproduction_316_levels_in_a_definition_is_a_400(alice):
    # 2.4 KB of definition used to be a RecursionError in the NUL check (a 500).
    response = bearer_client(alice).post(
        "/api/dashboards", {"name": "D", "definition": nested(97)}, format="json"
    )
    assert_family_1_error(response)
    raw = b'{"name": "D", "definition": ' + b'{"a":' * 316 + b"1" + b"}" * 316 + b"}"
    assert_family_1_error(post_raw(bearer_client(alice), "/api/dashboards", raw))


def widget(config):
    return {"id": "w1", "type": "text", "size": "small", "config": config}


def test_a_widget_config_may_nest_32_levels_of_its_own_not_33(alice, project):
    # The registry checks the depth first (the text type refuses unknown keys after).
    with pytest.raises(ValidationFailed) as too_deep:
        registry.validate("text", "small", nested(MAX_DOCUMENT_DEPTH + 1))
    assert list(too_deep.value.details) == ["config"]
    assert "too deep" in too_deep.value.details["config"][0]
    with pytest.raises(ValidationFailed) as schema_error:
        registry.validate("text", "small", nested(MAX_DOCUMENT_DEPTH))
    assert "too deep" not in str(schema_error.value.details)

    client = bearer_client(alice)
    deep = nested(MAX_DOCUMENT_DEPTH + 1)
    error = assert_family_1_error(
        client.post("/api/dashboards", {"name": "D", "widgets": [widget(deep)]}, format="json")
    )
    assert list(error["details"]) == ["widgets[0].config"]
    assert "too deep" in error["message"]
    v1 = assert_v1_error(
        client.post(
            f"/api/v1/dashboards/{project.pk}/save",
            {"dashboard": {"name": "D", "definition": {"widgets": [widget(deep)]}}},
            format="json",
        )
    )
    assert "widgets[0].config" in v1["message"]
    assert not Dashboard.objects.exists()


def test_project_metadata_may_nest_32_levels_not_33(alice):
    client = bearer_client(alice)
    ok = client.post(
        "/api/v1/projects/save",
        {"project": {"name": "P1", "metadata": nested(MAX_DOCUMENT_DEPTH)}},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        "/api/v1/projects/save",
        {"project": {"name": "P2", "metadata": nested(MAX_DOCUMENT_DEPTH + 1)}},
        format="json",
    )
    assert "metadata" in assert_v1_error(refused)["message"]
    assert list(Project.objects.values_list("name", flat=True)) == ["P1"]


def test_the_deepest_savable_dashboard_fits_in_a_v1_save_body(alice, project):
    """32 levels in the definition and in a widget config, inside the v1 envelope."""
    body = {
        "dashboard": {
            "name": "Deepest",
            "definition": {
                "layout": nested(MAX_DOCUMENT_DEPTH - 1),
                "widgets": [widget({"markdown": "x"})],
            },
        }
    }
    assert nesting_depth(body) < MAX_BODY_DEPTH
    response = bearer_client(alice).post(
        f"/api/v1/dashboards/{project.pk}/save", body, format="json"
    )
    assert response.status_code == 201, response.content


def test_project_metadata_is_at_most_64_kib(alice):
    client = bearer_client(alice)
    body = {"project": {"name": "Big", "metadata": {"blob": "x" * (64 * 1024)}}}
    refused = client.post("/api/v1/projects/save", body, format="json")
    assert "metadata" in assert_v1_error(refused)["message"]
    body["project"]["metadata"] = {"blob": "x" * (60 * 1024)}
    assert client.post("/api/v1/projects/save", body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/projects/{P}/import", {"schemaVersion": 1, "dashboards": [{"name": "a\x00b"}]}),
        (
            "/api/v1/projects/{P}/import",
            {"document": {"schemaVersion": 1, "dashboards": [{"name": "a\x00b"}]}},
        ),
    ],
)
def test_a_nul_in_an_imported_name_is_a_400_naming_it(alice, project, url, body):
    # The import plan looked the name up before validating it: a 500 on PostgreSQL.
    response = bearer_client(alice).post(url.format(P=project.pk), body, format="json")
    assert response.status_code == 400, response.content
    assert "dashboards[0].name" in response.content.decode()
    assert not Dashboard.objects.exists()
