"""A corpus of bad input sent to every write endpoint of both API families (and the token
endpoints): deep nesting, numbers past any range, NaN and Infinity, lone surrogates, NUL
in keys and values, 1 MiB strings, wrong types. Each must be a 4xx in the family's error
format, and the database must be exactly as it was (every row of every table).

The endpoints come from the URLconf: every /api/ route and write method, with the bodies
of the authorization matrix's rows (tests/api/permission_rows.py) as templates, sent as a
superuser (past every permission check). A write method without such a row fails.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from dashboards.models import RESERVED_DEFINITION_KEYS
from tests.api.permission_rows import ACTORS, Row
from tests.api.test_permission_matrix import ROWS, World, url_routes

SUPERUSER = ACTORS.index("superuser")
WRITES = ("post", "put", "patch")
MIB = 1024 * 1024

# Raw JSON that Python cannot produce: spliced in for a placeholder string.
RAW = {
    "<NaN>": "NaN",
    "<Infinity>": "Infinity",
    "<-Infinity>": "-Infinity",
    "<1e999>": "1e999",
    "<huge int>": "1" + "0" * 400,
    "<lone surrogate>": '"\\ud800"',
    "<deep 101>": "[" * 101 + "]" * 101,
    "<deep 1000>": "[" * 1000 + "]" * 1000,
}


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"k": value}
    return value


# Values that must be refused wherever they go: by the parser (RAW), or by the field.
EVERYWHERE = [*RAW, "a\x00b", nested(33)]
# A string of 1 MiB makes the body too large (413); one just under it must be refused by
# the field (too long, or not the type it wants).
BIG = ["x" * MIB, "x" * (MIB - 4096)]


def wrong_type(value: Any) -> Any:
    if isinstance(value, dict):
        return ["not", "an", "object"]
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, str):
        return {"not": "a string"}
    return "not a number or boolean"


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every position in a JSON value (the root excluded)."""
    children: Any = ()
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    for key, child in children:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def get(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def free_form(path: tuple, v1: bool) -> bool:
    """Inside a document kept verbatim (a definition's own keys, project metadata): any
    JSON value is valid there, so only what no field takes is sent."""
    for index, key in enumerate(path[:-1]):
        if key == "metadata":
            return True
        if key == "definition":
            inner = path[index + 1]
            return not v1 or inner not in RESERVED_DEFINITION_KEYS
    return False


def documents(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Positions of the objects whose keys are free (definition, metadata, config,
    dimensions): where a key with a NUL character can be stored."""
    for path in paths(value, prefix):
        if path[-1] in {"definition", "metadata", "config", "dimensions"} and isinstance(
            get(value, path), dict
        ):
            yield path


def corpus(template: Any, v1: bool) -> Iterator[tuple[str, Any]]:
    """(what, body) for one endpoint's template."""
    for bad in [*RAW, "a\x00b", 42, "text", None, []]:
        yield f"body = {bad!r}", bad
    for path in paths(template):
        where = ".".join(str(p) for p in path)
        original = get(template, path)
        for bad in [*EVERYWHERE, *BIG]:
            if bad == "<huge int>" and free_form(path, v1):
                continue  # a document keeps any JSON number, exactly
            yield f"{where} = {str(bad)[:20]!r}", replaced(template, path, bad)
        if not free_form(path, v1):
            yield f"{where} = wrong type", replaced(template, path, wrong_type(original))
    for path in documents(template):
        where = ".".join(str(p) for p in path)
        document = {**get(template, path), "k\x00": 1}
        yield f"NUL in a key of {where}", replaced(template, path, document)


def encode(body: Any) -> bytes:
    text = json.dumps(body)
    for placeholder, raw in RAW.items():
        text = text.replace(json.dumps(placeholder), raw)
    return text.encode()


def write_rows() -> list[tuple[str, int, Row]]:
    found = []
    for route in url_routes():
        for method in route.methods or ():
            if method not in WRITES or not route.pattern.startswith("api/"):
                continue
            rows = [
                (index, row)
                for index, row in enumerate(ROWS[route.key])
                if row.method == method
                and row.body is not None
                and 200 <= row.expect[SUPERUSER] < 300
            ]
            found.extend((route.key, index, row) for index, row in rows)
            if not rows:
                found.append((route.key, -1, Row(method, route.pattern, ())))
    return found


CASES = [
    pytest.param(key, index, row, id=f"{key} {row.method} {row.label or row.path}")
    for key, index, row in write_rows()
]

# Tables whose rows a refused request may legitimately add: a failed login is counted.
WRITTEN_BY_DESIGN = {"users.LoginFailure"}


def snapshot() -> dict[str, list[tuple]]:
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in {"dashboards", "users", "token_blacklist"}
        and model._meta.label not in WRITTEN_BY_DESIGN
    }


def family_error(path: str, response: Any) -> str | None:
    """What is wrong with an error answer's shape, or None."""
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.content[:200]!r}"
    if path.startswith("/api/v1/"):
        ok = (
            isinstance(body, dict)
            and body.get("data", "missing") is None
            and body.get("status") in {"error", "conflict"}
            and isinstance(body.get("code"), str)
            and isinstance(body.get("message"), str)
        )
    else:
        error = body.get("error") if isinstance(body, dict) else None
        ok = (
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("message"), str)
            and set(body) == {"error"}
        )
    return None if ok else f"not the family's error format: {body!r:.200}"


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.mark.parametrize(("route", "index", "template_row"), CASES)
def test_bad_input_is_refused_and_writes_nothing(world, route, index, template_row):
    assert index >= 0, f"{route} {template_row.method.upper()}: no row with a body to mutate"
    actor = "superuser"
    path = world.fill(template_row.path, actor)
    template = world.fill(template_row.body, actor)
    client = world.client(actor, path)
    before = snapshot()
    problems = []
    for what, body in corpus(template, v1=path.startswith("/api/v1/")):
        with transaction.atomic():
            response = getattr(client, template_row.method)(
                path, data=encode(body), content_type="application/json"
            )
            after = snapshot()
            transaction.set_rollback(True)
        if not 400 <= response.status_code < 500:
            problems.append(f"{what}: {response.status_code} {response.content[:200]!r}")
            continue
        shape = family_error(path, response)
        if shape:
            problems.append(f"{what}: {shape}")
        if after != before:
            changed = [label for label in before if before[label] != after[label]]
            problems.append(f"{what}: {response.status_code} but wrote to {changed}")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_templates_themselves_are_accepted(world):
    """Each template is valid as it is: the corpus tests the bad value, not the rest."""
    problems = []
    for key, _, row in write_rows():
        path = world.fill(row.path, "superuser")
        client = world.client("superuser", path)
        with transaction.atomic():
            response = getattr(client, row.method)(
                path,
                data=encode(world.fill(row.body, "superuser")),
                content_type="application/json",
            )
            transaction.set_rollback(True)
        if not 200 <= response.status_code < 300:
            problems.append(f"{key} {row.label}: {response.status_code} {response.content[:200]!r}")
    assert problems == []
