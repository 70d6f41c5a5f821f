"""Cached audits: one per locality revision and what-if, dropped when the locality changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class AuditCache:
    """A small thread-safe LRU cache keyed by (locality, revision, variant).

    Every change to a locality bumps its revision, so a cached audit of an
    older revision is never served; :meth:`forget` also drops a locality's
    entries at once when it is changed or deleted.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = compute()  # outside the lock: audits of different localities run in parallel
        with self._lock:
            self.misses += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def forget(self, slug: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == slug]:
                del self._items[key]
