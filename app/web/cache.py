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
        self.stamps = VersionStamps()

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

    def peek(self, key: tuple) -> Any:
        """The cached value for a key, or None, without computing it."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        return None

    def forget(self, slug: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == slug]:
                del self._items[key]
        self.stamps.forget(slug)
        self.stamps.forget("*list*")


class VersionStamps:
    """Recently read versions of things (a locality's revision, the list's version).

    A cached answer is keyed by the version it was computed from.  Checking
    the version costs a database query; to keep a cached audit cheap under
    load, a version read within the last ``ttl`` seconds is reused.  Writes
    in this process forget the stamp at once (:meth:`forget`); a write made
    by another worker process is seen within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 1.0):
        self.ttl = ttl
        self._stamps: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: float):
        with self._lock:
            entry = self._stamps.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        return None

    def put(self, key: Hashable, now: float, value) -> None:
        with self._lock:
            self._stamps[key] = (now, value)

    def forget(self, key: Hashable | None = None) -> None:
        with self._lock:
            if key is None:
                self._stamps.clear()
            else:
                self._stamps.pop(key, None)
