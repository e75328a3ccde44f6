"""Exact RFC 6902 patches between two dashboard documents, widgets matched by their id.

`document_diff(a, b)` returns the operations that turn `a` into `b` (applied in order, as
RFC 6902 says) and a summary for people. Widgets are matched by `id`, never by index, so
changing one widget's title is one `replace` of `/widgets/<i>/title`; removed widgets are
`remove`d, added ones `add`ed at their place, and a reorder `move`s only the widgets that
left the longest run that kept its order. Everything else is compared value by value:
objects key by key, lists index by index, scalars by JSON equality (1 == 1.0, but
true != 1). The walk is iterative, so documents of any depth are safe.

Pure functions over JSON values; nothing here knows Django.
"""

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

Patch = list[dict[str, Any]]


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: numbers by value, booleans apart from numbers, objects
    without regard to key order."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                return False
            stack.extend((x[key], y[key]) for key in x)
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif not _scalar_equal(x, y):
            return False
    return True


def _scalar_equal(x: Any, y: Any) -> bool:
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, int | float) and isinstance(y, int | float):
        return x == y
    if isinstance(x, dict | list) or isinstance(y, dict | list):
        return False
    return type(x) is type(y) and x == y


def pointer(*parts: Any) -> str:
    """An RFC 6901 JSON Pointer from path parts ('~' and '/' escaped)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def value_diff(path: str, a: Any, b: Any) -> Patch:
    """Operations turning `a` (at `path`) into `b`: objects key by key, lists index by index
    (common prefix compared, the rest removed from the end or added at the end)."""
    ops: Patch = []
    stack = [(path, a, b)]
    while stack:
        here, x, y = stack.pop()
        children = []
        if isinstance(x, dict) and isinstance(y, dict):
            # Keys in sorted order: the same patch whatever order a database keeps them in.
            for key in sorted(x):
                if key not in y:
                    ops.append({"op": "remove", "path": here + pointer(key)})
            for key in sorted(y):
                if key not in x:
                    ops.append({"op": "add", "path": here + pointer(key), "value": y[key]})
                else:
                    children.append((here + pointer(key), x[key], y[key]))
        elif isinstance(x, list) and isinstance(y, list):
            common = min(len(x), len(y))
            children = [(here + pointer(i), x[i], y[i]) for i in range(common)]
            # From the end, so that each index is still right when its operation runs.
            for i in reversed(range(common, len(x))):
                ops.append({"op": "remove", "path": here + pointer(i)})
            for i in range(common, len(y)):
                ops.append({"op": "add", "path": here + pointer(i), "value": y[i]})
        elif not _scalar_equal(x, y):
            ops.append({"op": "replace", "path": here, "value": y})
        # Children of one container touch disjoint parts at indices that the container's
        # own operations leave in place, so their order does not matter; document order
        # reads best.
        stack.extend(reversed(children))
    return ops


def _longest_increasing_run(values: list[int]) -> set[int]:
    """Indices (into `values`) of one longest strictly increasing subsequence."""
    tails: list[int] = []  # tails[k]: the smallest last value of a run of length k + 1
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(values)
    for i, value in enumerate(values):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k else -1
    run: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        run.add(i)
        i = previous[i]
    return run


def _widget_ids(widgets: Any) -> list[str] | None:
    """The ids of a widget list, or None when they cannot match (not all unique strings)."""
    if not isinstance(widgets, list):
        return None
    ids = [w.get("id") if isinstance(w, dict) else None for w in widgets]
    if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return None
    return ids


def widgets_diff(path: str, a: list[dict], b: list[dict]) -> tuple[Patch, dict[str, list[str]]]:
    """Remove the widgets `b` drops, move the kept ones into `b`'s order, add the new ones,
    then change the kept ones in place; returns the operations and the ids of each kind."""
    a_ids, b_ids = _widget_ids(a), _widget_ids(b)
    kinds: dict[str, list[str]] = {"added": [], "removed": [], "moved": [], "changed": []}
    if a_ids is None or b_ids is None:
        return value_diff(path, a, b), kinds
    ops: Patch = []
    keep, old = set(b_ids), set(a_ids)
    for i in reversed(range(len(a_ids))):
        if a_ids[i] not in keep:
            ops.append({"op": "remove", "path": path + pointer(i)})
            kinds["removed"].insert(0, a_ids[i])
    work = [i for i in a_ids if i in keep]
    target = [i for i in b_ids if i in old]
    position = {key: index for index, key in enumerate(work)}
    stays = {target[k] for k in _longest_increasing_run([position[key] for key in target])}
    for t, key in enumerate(target):
        if key in stays:
            continue
        current = work.index(key)
        if t == 0:
            destination = 0
        else:
            before = work.index(target[t - 1])
            # Right after the widget that precedes it in `b` (indices after the removal).
            destination = before if before > current else before + 1
        work.insert(destination, work.pop(current))
        if destination != current:
            ops.append(
                {"op": "move", "from": path + pointer(current), "path": path + pointer(destination)}
            )
            kinds["moved"].append(key)
    for index, key in enumerate(b_ids):
        if key not in old:
            ops.append({"op": "add", "path": path + pointer(index), "value": b[index]})
            kinds["added"].append(key)
    before_by_id = dict(zip(a_ids, a, strict=True))
    for index, key in enumerate(b_ids):
        if key in old:
            changes = value_diff(path + pointer(index), before_by_id[key], b[index])
            if changes:
                ops.extend(changes)
                kinds["changed"].append(key)
    return ops, kinds


def document_diff(a: dict[str, Any], b: dict[str, Any]) -> tuple[Patch, dict[str, list[str]]]:
    """The patch turning document `a` into `b`, and its summary: `fields` (top-level keys
    other than widgets that changed, sorted), `widgetsAdded`, `widgetsRemoved`,
    `widgetsChanged` (content), `widgetsMoved` (order)."""
    ops: Patch = []
    fields: list[str] = []
    kinds: dict[str, list[str]] = {"added": [], "removed": [], "moved": [], "changed": []}
    for key in _ordered_keys(a, b):
        if key not in b:
            ops.append({"op": "remove", "path": pointer(key)})
            fields.append(key)
        elif key not in a:
            ops.append({"op": "add", "path": pointer(key), "value": b[key]})
            fields.append(key)
        elif key == "widgets" and isinstance(a[key], list) and isinstance(b[key], list):
            changes, kinds = widgets_diff(pointer(key), a[key], b[key])
            ops.extend(changes)
        else:
            changes = value_diff(pointer(key), a[key], b[key])
            if changes:
                ops.extend(changes)
                fields.append(key)
    summary = {
        "fields": fields,
        "widgetsAdded": kinds["added"],
        "widgetsRemoved": kinds["removed"],
        "widgetsChanged": kinds["changed"],
        "widgetsMoved": kinds["moved"],
    }
    return ops, summary


def _ordered_keys(a: dict[str, Any], b: dict[str, Any]) -> Iterable[str]:
    # Sorted, like value_diff: PostgreSQL's jsonb does not keep the order keys came in.
    return sorted(a.keys() | b.keys())
