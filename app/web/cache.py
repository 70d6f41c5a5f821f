"""What depends only on a locality's revision, computed once and kept until the revision changes.

Audits, the map data, rendered pages, charts, downloads and the home page's
headline figures are cached under keys that start with ``(slug, version)``,
where the version is read from the database (:func:`locality_version`).  A
change commits a new revision and :meth:`RevisionCache.forget` drops the
locality's entries at once; another worker process sees the new revision
within :attr:`VersionStamps.ttl` seconds.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

from fastapi import Request, Response
from sqlalchemy import Engine, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import NotFound
from models.tables import Locality


class RevisionCache:
    """A thread-safe LRU cache keyed by ``(locality, version, what...)``, computing each key once.

    Single flight: the first request for a missing key computes it; others
    asking for the same key meanwhile wait for that result (or its error)
    instead of computing it again.  Different keys compute in parallel.
    A value computed while :meth:`forget` dropped its locality is handed
    to its waiters but not kept.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, Future] = {}
        self._generation: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.stamps = VersionStamps()

    def get_or_compute(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computing it (once, whoever else asks meanwhile) if missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = Future()
                generation = self._generation.get(key[0], 0)
        if not owner:
            return pending.result()
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._pending[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            del self._pending[key]
            self.misses += 1
            if self._generation.get(key[0], 0) == generation:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        pending.set_result(value)
        return value

    def peek(self, key: tuple) -> Any:
        """The cached value for a key, or None, without computing it."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        return None

    def version(self, slug: str, read: Callable[[], tuple]) -> tuple:
        """A locality's version: stamped within the last second, else ``read()`` and stamped.

        A version read while :meth:`forget` dropped the locality is not
        stamped, so this process never reuses a version older than its own write.
        """
        now = time.monotonic()
        stamped = self.stamps.get(slug, now)
        if stamped is not None:
            return stamped
        with self._lock:
            generation = self._generation.get(slug, 0)
        value = read()
        with self._lock:
            if self._generation.get(slug, 0) == generation:
                self.stamps.put(slug, now, value)
        return value

    def forget(self, slug: str) -> None:
        """Drop everything cached about a locality (and the list of localities)."""
        with self._lock:
            self._generation[slug] = self._generation.get(slug, 0) + 1
            for key in [k for k in self._items if k[0] in (slug, "*list*")]:
                del self._items[key]
        self.stamps.forget(slug)
        self.stamps.forget("*list*")


#: The name the rest of the service knows it by.
AuditCache = RevisionCache


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


def locality_version(session, slug: str) -> tuple:
    """What a cached answer about a locality is keyed by: its revision and when it was created.

    The creation time tells a locality deleted and created again (whose
    revision starts again at 1) from the one cached before.

    Raises
    ------
    NotFound
        When no locality has this id.
    """
    row = session.execute(select(Locality.revision, Locality.created_at).where(Locality.id == slug)).first()
    if row is None:
        raise NotFound(f"no locality {slug!r} is stored")
    return (row.revision, row.created_at.isoformat())


def etag(slug: str, version: tuple, *variant: Hashable) -> str:
    """A strong ETag naming a locality's version and the variant of the answer (view, format, user)."""
    text = repr((slug, version, variant)).encode()
    return '"' + hashlib.blake2b(text, digest_size=12).hexdigest() + '"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether a request's ``If-None-Match`` names ``tag`` (or ``*``), so a 304 will do."""
    if not if_none_match:
        return False
    offered = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return tag in offered or "*" in offered


def all_versions(session) -> dict[str, tuple]:
    """The version (as :func:`locality_version`) of every stored locality, in one query."""
    rows = session.execute(select(Locality.id, Locality.revision, Locality.created_at))
    return {row.id: (row.revision, row.created_at.isoformat()) for row in rows}


def _read_version(engine: Engine, slug: str) -> tuple:
    with Session(engine) as session:
        return locality_version(session, slug)


async def current_version(request: Request, slug: str) -> tuple:
    """A locality's version for an ``async`` route: from the stamp, else read in the thread pool."""
    cache: RevisionCache = request.app.state.audit_cache
    stamped = cache.stamps.get(slug, time.monotonic())
    if stamped is not None:
        return stamped
    engine = request.app.state.engine
    return await run_in_threadpool(cache.version, slug, lambda: _read_version(engine, slug))


#: Cached answers must be revalidated (access depends on who asks) but a 304 costs nothing.
REVALIDATE = "private, no-cache"


def cached_answer(request: Request, tag: str, body: bytes, media_type: str, headers: dict | None = None) -> Response:
    """``body`` with its ETag, or 304 with no body when the client already holds it."""
    sent = {"ETag": tag, "Cache-Control": REVALIDATE, **(headers or {})}
    if not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": REVALIDATE})
    return Response(body, media_type=media_type, headers=sent)


class Compressed:
    """A large JSON body kept with its gzip form, so it is compressed once per revision, not per request."""

    def __init__(self, body: bytes):
        self.body = body
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0)

    def answer(self, request: Request, tag: str, media_type: str) -> Response:
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
            return cached_answer(request, tag, self.gzipped, media_type, headers)
        return cached_answer(request, tag, self.body, media_type, {"Vary": "Accept-Encoding"})
