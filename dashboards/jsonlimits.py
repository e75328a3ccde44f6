"""Checks of the shape of JSON the service accepts (SPEC, "Bad input"; docs/security.md).

The limits are in dashboards/limits.py: a request body nests at most `MAX_BODY_DEPTH`
levels of arrays and objects; a document a dashboard keeps (its `definition`, a widget's
`config`, a project's `metadata`) at most `MAX_DOCUMENT_DEPTH` of its own, so that
anything that can be saved still fits, with room to spare, inside any body that carries
it (a v1 save, an import, an export).

Everything here walks values with an explicit stack, never with recursion: a value deep
enough to exhaust Python's stack must be refused, not crash the check that refuses it.
"""

import re
from typing import Any

from dashboards.limits import MAX_BODY_DEPTH, MAX_DOCUMENT_DEPTH

__all__ = [
    "MAX_BODY_DEPTH",
    "MAX_DOCUMENT_DEPTH",
    "document_problem",
    "nesting_depth",
    "text_nesting_deeper_than",
]

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")


def text_nesting_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether well-formed JSON text nests more than `limit` levels of arrays and objects.

    The same answer as `nesting_depth` on the parsed value, from the text and at C speed:
    without its strings, the text's brackets are balanced, and each pass that removes the
    innermost empty pairs takes one level off. A 10,000-point ingestion body (depth 4)
    costs four passes, where walking its parsed value took ~30 ms.
    """
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        # One scan for both kinds: a pair left empty by this pass waits for the next.
        brackets = _EMPTY_PAIR.sub(b"", brackets)
    return bool(brackets)


def nesting_depth(value: Any, *, stop_above: int | None = None) -> int:
    """Levels of arrays and objects in `value`: a scalar is 0, `{}` and `[]` are 1.

    With `stop_above`, the walk ends as soon as it is known to be deeper than that (the
    answer is then some depth above it), so refusing a hostile value costs little.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > deepest:
            deepest = depth
            if stop_above is not None and depth > stop_above:
                return depth
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def document_problem(value: Any) -> str | None:
    """What is wrong with a free-form document (definition, config, metadata), or None:
    at most `MAX_DOCUMENT_DEPTH` levels of its own."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > MAX_DOCUMENT_DEPTH:
            return too_deep_message(MAX_DOCUMENT_DEPTH)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return None


def too_deep_message(limit: int) -> str:
    return f"Nesting is too deep: at most {limit} levels of arrays and objects are allowed."
