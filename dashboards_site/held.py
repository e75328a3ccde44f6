"""Values held in this process by a key that names everything they depend on.

A key that holds the version of what a value was built from (a metric's series version, a
user's list version), as the database confirmed it for this request, can never name a
stale value, so a held copy needs no invalidation. What is held is bounded by its size in
bytes: the least recently used go first, and a value larger than a sixteenth of the budget
is not kept. Values are shared between requests: read-only.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")

_every: "weakref.WeakSet[Held]" = weakref.WeakSet()


class Held(Generic[V]):
    def __init__(self, budget: int, size: Callable[[V], int | None]) -> None:
        """`size`: a value's size in bytes, None when it cannot be held."""
        self.budget = budget
        self._size_of = size
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        _every.add(self)

    def recall(self, keys: Iterable[str]) -> dict[str, V]:
        found = {}
        with self._lock:
            for key in keys:
                held = self._entries.get(key)
                if held is not None:
                    self._entries.move_to_end(key)
                    found[key] = held[0]
        return found

    def get(self, key: str) -> V | None:
        return self.recall([key]).get(key)

    def remember(self, entries: dict[str, V]) -> None:
        for key, value in entries.items():
            size = self._size_of(value)
            if size is None or size > self.budget // 16:
                continue
            with self._lock:
                previous = self._entries.pop(key, None)
                self._size += size - (previous[1] if previous else 0)
                self._entries[key] = (value, size)
                while self._size > self.budget:
                    _, (_, evicted) = self._entries.popitem(last=False)
                    self._size -= evicted

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


def forget_everything() -> None:
    """Drop every held value of this process. For tests: a rolled-back transaction hands
    the same ids and versions out again, which committed data never does."""
    for held in list(_every):
        held.forget()
