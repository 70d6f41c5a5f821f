"""What depends only on a locality's revision, computed once and kept until the revision changes.

Audits, the map data, rendered pages, charts, downloads and the home page's
headline figures are cached under keys that start with ``(slug, version)``,
where the version is read from the database (:func:`locality_version`).  A
change commits a new revision and :meth:`RevisionCache.forget` drops the
locality's entries at once; another worker process sees the new revision
within :attr:`VersionStamps.ttl` seconds.

Stale while revalidating: while a page of a new revision is being computed,
readers other than the one who made the change may be shown the newest page
of an older revision of the same locality (:func:`cached_or_stale`), so a
stream of edits does not make every reader wait for a recomputation.  The
writer, a reader who asks for a fresh answer (``Cache-Control: no-cache``,
as a browser's reload sends) and everyone after an erasure (which raises
:attr:`Version.shown_from`) get the current revision.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

from fastapi import Request, Response
from sqlalchemy import Engine, bindparam, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import NotFound
from app.web.deps import SESSION_COOKIE
from models.tables import Locality

log = logging.getLogger("locmap.cache")

#: A variant recomputed in the background waits this many times its last computation before the next:
#: under a stream of edits a reader's page (about 65 ms to compute for the largest county locality)
#: is then about a second behind at most (the editor's never is), and the recomputing leaves the writes
#: their CPU.  In bench/RESULTS.md's mixed load with hours edits, at 2 PATCH p95 was 225 ms, at 5
#: 170 ms; at 5 against 10, back to back: 1,639 against 2,121 and 1,938 against 2,226 requests/s,
#: PATCH p95 206 against 175 and 197 against 156 ms.
REFRESH_SPACING = 10.0

#: How long after a change its writer is always shown the current revision (seconds).
WRITER_SEES_OWN_CHANGE_S = 60.0


class Version(NamedTuple):
    """What a cached answer about a locality was computed from."""

    revision: int
    #: When the locality was created: tells a locality deleted and made again apart from the one before.
    incarnation: str
    #: The oldest revision whose answers may still be shown while a newer one is computed.
    shown_from: int = 0
    #: The revision of the last change an analysis can see (0: not known, analyse every revision).
    analysed: int = 0

    def for_analysis(self) -> Version:
        """The version an audit, map, chart or comparison is keyed by: its analysed revision.

        A change to a group's descriptive fields alone (where it meets, whom to
        ask) makes a new revision but the same analysed version, so what was
        computed for the one before still stands, in every worker.
        """
        if not self.analysed or self.analysed == self.revision:
            return self
        return Version(self.analysed, self.incarnation, self.shown_from, self.analysed)

    def may_stand_in_for(self, newer: Version) -> bool:
        """Whether an answer computed at this version may be shown while ``newer``'s is computed."""
        return self.incarnation == newer.incarnation and newer.shown_from <= self.revision < newer.revision


class RevisionCache:
    """A thread-safe LRU cache keyed by ``(locality, version, what...)``, computing each key once.

    Single flight: the first request for a missing key computes it; others
    asking for the same key meanwhile wait for that result (or its error)
    instead of computing it again.  Different keys compute in parallel.
    A value computed while :meth:`forget` dropped its locality is handed
    to its waiters but not kept.

    For keys whose second part is a :class:`Version`, the newest value of
    each locality and variant is also kept across changes (:meth:`stale`),
    and :meth:`refresh` computes a key in one background thread.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._newest: OrderedDict[Hashable, tuple[Version, Any]] = OrderedDict()
        self._pending: dict[Hashable, Future] = {}
        self._generation: dict[Hashable, int] = {}
        self._writers: dict[tuple[str, str], float] = {}
        self._next_refresh: dict[Hashable, float] = {}
        self._lock = threading.Lock()
        self._refresher: ThreadPoolExecutor | None = None
        self.hits = self.misses = self.stale_served = 0
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
            self._keep_newest(key, value)  # even across a forget: it may stand in until the next is ready
        pending.set_result(value)
        return value

    def _keep_newest(self, key: tuple, value: Any) -> None:
        """Keep a value as its locality's and variant's newest, if it is (the lock held)."""
        version = key[1] if len(key) > 1 else None
        if not isinstance(version, Version):
            return
        variant = (key[0], *key[2:])
        held = self._newest.get(variant)
        if held is None or held[0].incarnation != version.incarnation or held[0].revision <= version.revision:
            self._newest[variant] = (version, value)
            self._newest.move_to_end(variant)
            while len(self._newest) > self.size:
                self._newest.popitem(last=False)

    def stale(self, key: tuple) -> tuple[Version, Any] | None:
        """The newest value kept for ``key``'s locality and variant at an older version that may stand in for it."""
        with self._lock:
            held = self._newest.get((key[0], *key[2:]))
        if held is None or not held[0].may_stand_in_for(key[1]):
            return None
        return held

    def refresh(self, key: tuple, compute: Callable[[], Any]) -> None:
        """Compute ``key`` in the background, once, while readers are shown :meth:`stale` values.

        Under a stream of changes, a variant is recomputed at most once per
        :data:`REFRESH_SPACING` times its last computation, so recomputing
        pages nobody asked to wait for takes at most about a tenth of the CPU.
        """
        variant = (key[0], *key[2:])
        now = time.monotonic()
        with self._lock:
            if key in self._items or key in self._pending or now < self._next_refresh.get(variant, 0.0):
                return
            self._next_refresh[variant] = float("inf")  # until this one has finished
            if self._refresher is None:
                self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="locmap-refresh")
            refresher = self._refresher
        refresher.submit(self._refresh_quietly, key, compute)

    def _refresh_quietly(self, key: tuple, compute: Callable[[], Any]) -> None:
        started = time.monotonic()
        try:
            self.get_or_compute(key, compute)
        except Exception:  # nobody is waiting for it: the next reader who asks afresh sees the error
            log.exception("recomputing %r in the background failed", key[:1] + key[2:])
        finished = time.monotonic()
        with self._lock:
            self._next_refresh[(key[0], *key[2:])] = finished + REFRESH_SPACING * (finished - started)

    def settle(self) -> None:
        """Wait for background recomputations to finish (at shutdown, and in tests)."""
        with self._lock:
            refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.shutdown(wait=True)

    def wrote(self, slug: str, writer: str) -> None:
        """Note that ``writer`` changed ``slug`` now: they are shown the current revision for a while."""
        now = time.monotonic()
        with self._lock:
            if len(self._writers) > 1000:
                self._writers = {k: t for k, t in self._writers.items() if now - t < WRITER_SEES_OWN_CHANGE_S}
            self._writers[(slug, writer)] = now

    def wrote_recently(self, slug: str, writer: str) -> bool:
        with self._lock:
            at = self._writers.get((slug, writer))
        return at is not None and time.monotonic() - at < WRITER_SEES_OWN_CHANGE_S

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

    def forget(self, slug: str, keep: Version | None = None) -> None:
        """Drop everything cached about a locality (and the list of localities), but what ``keep`` names.

        Its newest values are kept to stand in while the next are computed
        (:meth:`stale`); whether one may (after an erasure it may not) is for
        the locality's version to say (:meth:`Version.may_stand_in_for`).
        ``keep``, the analysed version after a descriptive change, keeps the
        answers keyed by it: that change left them true.
        """
        with self._lock:
            self._generation[slug] = self._generation.get(slug, 0) + 1
            for key in [k for k in self._items if k[0] in (slug, "*list*")]:
                if keep is None or len(key) < 2 or key[1] != keep:
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


#: Read before every cached answer: built once, run with the locality's id.
_VERSION_OF_LOCALITY = select(
    Locality.revision, Locality.created_at, Locality.shown_from, Locality.analysed_revision
).where(Locality.id == bindparam("slug"))


def locality_version(session, slug: str) -> Version:
    """What a cached answer about a locality is keyed by: its revision, when it was created, what may be shown.

    The creation time tells a locality deleted and created again (whose
    revision starts again at 1) from the one cached before.

    Raises
    ------
    NotFound
        When no locality has this id.
    """
    row = session.execute(_VERSION_OF_LOCALITY, {"slug": slug}).first()
    if row is None:
        raise NotFound(f"no locality {slug!r} is stored")
    return Version(row.revision, row.created_at.isoformat(), row.shown_from, row.analysed_revision)


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


def all_versions(session) -> dict[str, Version]:
    """The version (as :func:`locality_version`) of every stored locality, in one query."""
    columns = (Locality.id, Locality.revision, Locality.created_at, Locality.shown_from, Locality.analysed_revision)
    rows = session.execute(select(*columns))
    return {
        row.id: Version(row.revision, row.created_at.isoformat(), row.shown_from, row.analysed_revision) for row in rows
    }


def _read_version(engine: Engine, slug: str) -> Version:
    with Session(engine) as session:
        return locality_version(session, slug)


async def current_version(request: Request, slug: str) -> Version:
    """A locality's version for an ``async`` route: from the stamp, else read in the thread pool."""
    cache: RevisionCache = request.app.state.audit_cache
    stamped = cache.stamps.get(slug, time.monotonic())
    if stamped is not None:
        return stamped
    engine = request.app.state.engine
    return await run_in_threadpool(cache.version, slug, lambda: _read_version(engine, slug))


def writer_of(request: Request) -> str | None:
    """Who is asking, as the cache tells writers apart: a digest of their session cookie or bearer token."""
    credential = request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE)
    if not credential:
        return None
    return hashlib.blake2b(credential.encode(), digest_size=12).hexdigest()


def may_be_shown_stale(request: Request, slug: str) -> bool:
    """Whether a reader may be shown an older revision while the current one is computed.

    Not the locality's recent writer (in this process), and not a reader
    asking for a fresh answer (``Cache-Control: no-cache`` or ``max-age=0``).
    """
    asked = request.headers.get("cache-control", "").lower()
    if "no-cache" in asked or "max-age=0" in asked:
        return False
    writer = writer_of(request)
    return writer is None or not request.app.state.audit_cache.wrote_recently(slug, writer)


async def cached_or_stale(
    request: Request, slug: str, variant: tuple, compute: Callable[[Session, Version], Any], analysed: bool = False
) -> tuple[Version, Any]:
    """The answer ``compute(session, version)`` for a locality's current version, and the version it is of.

    Cached, it is answered in the event loop.  Else, when the reader may be
    shown an older revision (:func:`may_be_shown_stale`) and one is held,
    that is answered and the current one is computed in the background;
    else it is computed now in the thread pool (once, whoever else asks).
    With ``analysed`` the answer is an analysis's, keyed by the analysed
    version (:meth:`Version.for_analysis`).
    """
    cache: RevisionCache = request.app.state.audit_cache
    version = await current_version(request, slug)
    if analysed:
        version = version.for_analysis()
    key = (slug, version, *variant)
    value = cache.peek(key)
    if value is not None:
        return version, value
    engine = request.app.state.engine

    def computed():
        with Session(engine) as session:
            return compute(session, version)

    if may_be_shown_stale(request, slug):
        held = cache.stale(key)
        if held is not None:
            cache.refresh(key, computed)
            cache.stale_served += 1
            return held
    return version, await run_in_threadpool(cache.get_or_compute, key, computed)


#: Cached answers must be revalidated (access depends on who asks) but a 304 costs nothing.
REVALIDATE = "private, no-cache"


def cached_answer(request: Request, tag: str, body: bytes, media_type: str, headers: dict | None = None) -> Response:
    """``body`` with its ETag, or 304 with no body when the client already holds it."""
    sent = {"ETag": tag, "Cache-Control": REVALIDATE, **(headers or {})}
    if not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": REVALIDATE})
    return Response(body, media_type=media_type, headers=sent)


class Compressed:
    """A large body (a page, the map data, an audit) kept with its gzip form: compressed once per revision, not per request."""

    def __init__(self, body: bytes):
        self.body = body
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0)

    def answer(self, request: Request, tag: str, media_type: str) -> Response:
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
            return cached_answer(request, tag, self.gzipped, media_type, headers)
        return cached_answer(request, tag, self.body, media_type, {"Vary": "Accept-Encoding"})
