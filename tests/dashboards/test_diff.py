"""The RFC 6902 diff is exact (applying it gives the target, checked with the jsonpatch
library) and small: widgets are matched by id, so one change is one operation."""

import copy
import random

import jsonpatch
import pytest

from dashboards.diff import document_diff, json_equal, pointer


def widget(key: str, **fields) -> dict:
    return {
        "id": key,
        "type": "text",
        "title": key.upper(),
        "size": "small",
        "config": {},
        **fields,
    }


def document(*widgets: dict, **fields) -> dict:
    return {
        "uid": "3f2c8a4e-9b1d-4c6e-8f0a-1b2c3d4e5f60",
        "name": "Ops",
        "description": "",
        "type": "custom",
        "scope": "user",
        "refreshInterval": 0,
        "definition": {},
        "widgets": list(widgets),
        **fields,
    }


def apply(a: dict, patch: list) -> dict:
    return jsonpatch.apply_patch(copy.deepcopy(a), patch)


def test_one_title_change_is_one_replace():
    a = document(widget("a"), widget("b"), widget("c"))
    b = copy.deepcopy(a)
    b["widgets"][1]["title"] = "Renamed"
    patch, summary = document_diff(a, b)
    assert patch == [{"op": "replace", "path": "/widgets/1/title", "value": "Renamed"}]
    assert summary == {
        "fields": [],
        "widgetsAdded": [],
        "widgetsRemoved": [],
        "widgetsChanged": ["b"],
        "widgetsMoved": [],
    }


def test_identical_documents_have_an_empty_patch():
    a = document(widget("a"), definition={"x": [1, {"y": 2}]})
    assert document_diff(a, copy.deepcopy(a)) == (
        [],
        {
            "fields": [],
            "widgetsAdded": [],
            "widgetsRemoved": [],
            "widgetsChanged": [],
            "widgetsMoved": [],
        },
    )


def test_adding_a_widget_in_the_middle_is_one_add_at_its_place():
    a = document(widget("a"), widget("c"))
    b = document(widget("a"), widget("b"), widget("c"))
    patch, summary = document_diff(a, b)
    assert patch == [{"op": "add", "path": "/widgets/1", "value": widget("b")}]
    assert summary["widgetsAdded"] == ["b"]
    assert apply(a, patch) == b


def test_removing_widgets_removes_from_the_end_first():
    a = document(widget("a"), widget("b"), widget("c"), widget("d"))
    b = document(widget("b"), widget("d"))
    patch, summary = document_diff(a, b)
    assert patch == [
        {"op": "remove", "path": "/widgets/2"},
        {"op": "remove", "path": "/widgets/0"},
    ]
    assert summary["widgetsRemoved"] == ["a", "c"]
    assert apply(a, patch) == b


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("bcda", [{"op": "move", "from": "/widgets/0", "path": "/widgets/3"}]),
        ("dabc", [{"op": "move", "from": "/widgets/3", "path": "/widgets/0"}]),
        ("acbd", [{"op": "move", "from": "/widgets/2", "path": "/widgets/1"}]),
    ],
)
def test_moving_one_widget_is_one_move(order, expected):
    a = document(*(widget(k) for k in "abcd"))
    b = document(*(widget(k) for k in order))
    patch, summary = document_diff(a, b)
    assert patch == expected
    assert len(summary["widgetsMoved"]) == 1
    assert apply(a, patch) == b


def test_reversing_moves_all_but_one():
    a = document(*(widget(k) for k in "abcde"))
    b = document(*(widget(k) for k in "edcba"))
    patch, _ = document_diff(a, b)
    assert [op["op"] for op in patch] == ["move"] * 4
    assert apply(a, patch) == b


def test_add_remove_reorder_and_change_at_once():
    a = document(widget("a"), widget("b"), widget("c"), widget("d"))
    b = document(widget("d"), widget("new"), widget("b", title="B2"), widget("a"))
    patch, summary = document_diff(a, b)
    assert apply(a, patch) == b
    assert summary["widgetsAdded"] == ["new"]
    assert summary["widgetsRemoved"] == ["c"]
    assert summary["widgetsChanged"] == ["b"]
    assert sorted(summary["widgetsMoved"]) != []


def test_fields_and_nested_definition_changes():
    a = document(definition={"layout": {"columns": 2, "rows": [1, 2, 3]}, "theme": "dark"})
    b = document(
        name="Ops 2",
        definition={"layout": {"columns": 3, "rows": [1, 2]}, "filters": {"region": "eu"}},
    )
    patch, summary = document_diff(a, b)
    assert patch == [
        {"op": "remove", "path": "/definition/theme"},
        {"op": "add", "path": "/definition/filters", "value": {"region": "eu"}},
        {"op": "replace", "path": "/definition/layout/columns", "value": 3},
        {"op": "remove", "path": "/definition/layout/rows/2"},
        {"op": "replace", "path": "/name", "value": "Ops 2"},
    ]
    assert summary["fields"] == ["definition", "name"]
    assert apply(a, patch) == b


def test_keys_with_slash_and_tilde_are_escaped():
    a = document(definition={"a/b": 1, "c~d": 1})
    b = document(definition={"a/b": 2, "c~d": 2})
    patch, _ = document_diff(a, b)
    assert [op["path"] for op in patch] == ["/definition/a~1b", "/definition/c~0d"]
    assert apply(a, patch) == b
    assert pointer("x/y", "~") == "/x~1y/~0"


def test_json_equality_is_json_not_python():
    assert json_equal({"a": 1}, {"a": 1.0})
    assert not json_equal({"a": 1}, {"a": True})
    assert not json_equal([0], [False])
    assert json_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    patch, _ = document_diff(document(definition={"f": 1}), document(definition={"f": True}))
    assert patch == [{"op": "replace", "path": "/definition/f", "value": True}]


def test_deep_documents_do_not_hit_the_recursion_limit():
    deep_a: dict = {}
    deep_b: dict = {}
    node_a, node_b = deep_a, deep_b
    for _ in range(3000):
        node_a["n"] = {}
        node_b["n"] = {}
        node_a, node_b = node_a["n"], node_b["n"]
    node_b["leaf"] = 1
    patch, _ = document_diff(document(definition=deep_a), document(definition=deep_b))
    assert len(patch) == 1
    assert patch[0]["path"].endswith("/n/leaf")
    node_b.pop("leaf")
    assert json_equal(deep_a, deep_b)


def test_widgets_without_unique_ids_are_compared_by_index():
    a = document({"id": "x", "title": "1"}, {"id": "x", "title": "2"})
    b = document({"id": "x", "title": "2"})
    patch, _ = document_diff(a, b)
    assert apply(a, patch) == b


def _random_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([0, 1, 1.5, True, False, None, "a", "b", [], {}])
    if roll < 0.7:
        return {
            rng.choice("abcd/~"): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))
        }
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def _random_document(rng: random.Random) -> dict:
    keys = rng.sample([f"w{i}" for i in range(12)], rng.randint(0, 10))
    widgets = [widget(k, title=rng.choice("xy"), config=_random_value(rng)) for k in keys]
    return document(*widgets, name=rng.choice("pq"), definition=_random_value(rng))


@pytest.mark.parametrize("seed", range(5))
def test_random_documents_patch_exactly(seed):
    rng = random.Random(seed)
    for _ in range(400):
        a = _random_document(rng)
        if rng.random() < 0.5:
            b = copy.deepcopy(a)
            rng.shuffle(b["widgets"])
            if b["widgets"] and rng.random() < 0.5:
                b["widgets"][0]["title"] = "changed"
        else:
            b = _random_document(rng)
        patch, summary = document_diff(a, b)
        assert json_equal(apply(a, patch), b), (a, b, patch)
        moves = [op for op in patch if op["op"] == "move"]
        assert len(moves) == len(summary["widgetsMoved"])
