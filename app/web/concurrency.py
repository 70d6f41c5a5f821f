"""Optimistic concurrency, and the checks a write makes before its body is read.

Every read of a locality or an entry carries an ``ETag`` naming the version
read; every API write (PUT, PATCH, DELETE) must send it back as ``If-Match``
(428 without one) and is refused with 412 when it is no longer current, so
of two editors who read the same thing and both write it, the second is told
instead of silently undoing the first.

A locality's version is its revision (with its creation time, as the cache
keys it).  An entry's version is a digest of its stored content, so editors
of different groups of one locality never stale each other; a group's
version covers its seats, which its member routes change.  The check takes
the locality's write lock first (:func:`app.storage.store.begin_edit`)
and runs in the writing transaction: nothing can change between the check
and the commit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from sqlmodel import Session

from app.storage import store
from app.storage.db import may_wait_to_write
from app.web.cache import etag, locality_version
from app.web.deps import PageForbidden, Principal, SignInRequired, require_page_reader, require_reader
from models.schemas import Message

IfMatch = Annotated[
    str | None,
    Header(
        description=(
            "The ETag from a GET of what is changed (or `*`). Required: 428 without it, "
            "412 when it is no longer the current version."
        )
    ),
]

#: The answers a conditional write adds, for the OpenAPI description.
CONDITIONAL: dict[int | str, dict[str, Any]] = {
    412: {"model": Message, "description": "Changed since it was read: If-Match is not its current ETag"},
    428: {"model": Message, "description": "If-Match missing: send the ETag from a GET of what is changed"},
}


class PreconditionFailed(Exception):
    """What a write would change has changed since the client read it (HTTP 412)."""

    def __init__(self, detail: str, current: str):
        super().__init__(detail)
        self.current = current


class PreconditionRequired(Exception):
    """An API write sent no ``If-Match`` (HTTP 428)."""


def entry_tag(slug: str, kind: str, entry: dict) -> str:
    """The strong ETag of an entry as stored (a digest of its content)."""
    text = json.dumps([slug, kind, entry], sort_keys=True, separators=(",", ":")).encode()
    return '"' + hashlib.blake2b(text, digest_size=12).hexdigest() + '"'


def locality_tag(slug: str, version: tuple) -> str:
    """The strong ETag of a locality at a version (:func:`app.web.cache.locality_version`)."""
    return etag(slug, version, "locality")


def entry_version(session, slug: str, kind: str, ident: str, *, members: bool = True) -> tuple[dict, str]:
    """An entry as stored and its ETag (raises NotFound)."""
    entry = store.read_entry(session, slug, kind, ident, members=members)[1]
    return entry, entry_tag(slug, kind, entry)


def matches(if_match: str, tag: str) -> bool:
    """Whether ``If-Match`` names ``tag`` or ``*`` (strong comparison: a weak tag never matches)."""
    offered = {t.strip() for t in if_match.split(",")}
    return "*" in offered or tag in offered


def _required(if_match: str | None, what: str) -> str:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"send If-Match with the ETag from a GET of {what} (or '*'), so that no one else's change is overwritten"
        )
    return if_match


def _refuse_unless(if_match: str, current: str, what: str) -> None:
    if not matches(if_match, current):
        raise PreconditionFailed(
            f"{what} has changed since you read it: read it again (its ETag is now {current}), "
            "check the change and send yours with that ETag",
            current,
        )


def check_entry(
    session, slug: str, kind: str, ident: str, if_match: str | None, *, analysed: bool = True
) -> store.StoredEntry:
    """Begin the change, then refuse the write unless ``If-Match`` names the entry's current version.

    Runs in the caller's transaction, before its write: beginning the change
    (:func:`app.storage.store.begin_edit`) takes the locality's write lock,
    held until the caller commits, so nothing changes the entry between
    check and write.  The entry as read under the lock is returned, for the
    edit to start from instead of reading it again.  While another edit is
    under way, the entry is glanced at first, outside the lock, so a request
    already stale is refused without waiting; with none, the read under the
    lock is the only one.  ``analysed`` says
    whether the change is one the analyses see, so that the analysed revision
    moves in the same UPDATE; pass False when it may prove descriptive only
    (the edit then decides).

    Raises
    ------
    PreconditionRequired
        When ``If-Match`` is missing.
    PreconditionFailed
        When it names another version.
    NotFound
        When there is no such locality or entry.
    """
    what = f"{kind} {ident!r}"
    if_match = _required(if_match, what)
    if may_wait_to_write(session):  # stale already: refused without waiting for the other edit
        with Session(session.get_bind()) as glance:
            _refuse_unless(if_match, entry_version(glance, slug, kind, ident)[1], what)
    stored = store.begin_edit_of(session, slug, kind, ident, analysed=analysed)
    _refuse_unless(if_match, entry_tag(slug, kind, stored.entry), what)
    return stored


def check_locality(session, slug: str, if_match: str | None) -> None:
    """Lock the locality, then refuse the write unless ``If-Match`` names its current version."""
    what = f"locality {slug!r}"
    if_match = _required(if_match, what)
    store.lock_locality(session, slug)
    _refuse_unless(if_match, locality_tag(slug, locality_version(session, slug)), what)


def begin_form_edit(
    session, slug: str, kind: str, ident: str, opened: str | None, *, analysed: bool = False
) -> tuple[store.StoredEntry, dict | None]:
    """For an edit form: begin the change (the write lock); the entry, and itself again if it changed since opened.

    The second is the entry as now stored, without a group's seats (which a
    form's version does not cover), when the form's version is not its
    current one; a form that names no version (a script's, not a page's) is
    not checked.  Pass the first to the edit, which then neither locks nor
    reads again.
    """
    stored = store.begin_edit_of(session, slug, kind, ident, analysed=analysed)
    current = {**stored.entry, "members": []} if kind == "group" else stored.entry  # as entry_version(members=False)
    if opened and entry_tag(slug, kind, current) != opened:
        return stored, current
    return stored, None


# ---------------------------------------------------------------- uploads: who may, before the body


def _may_write_somewhere(principal: Principal) -> bool:
    return principal.role == "admin" or bool(principal.localities)


def _check_upload(principal: Principal) -> Principal:
    """Refuse an upload from someone who may change no locality, reading nothing of its body.

    Which locality the file is for is checked once it is read
    (:func:`app.web.api.localities.store_upload`); a browser's CSRF token,
    which an upload sends in the ``csrf`` query parameter or the
    ``X-CSRF-Token`` header, was checked with its session
    (:func:`app.web.deps.check_csrf`), also before the body.
    """
    if not _may_write_somewhere(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you may not change any locality, so you may not upload one")
    return principal


async def require_api_uploader(request: Request, principal: Annotated[Principal, Depends(require_reader)]) -> Principal:
    """A signed-in user who may change some locality, checked before the upload's body is read."""
    if principal.user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in to import", headers={"WWW-Authenticate": "Bearer"})
    return _check_upload(principal)


async def require_page_uploader(
    request: Request, principal: Annotated[Principal, Depends(require_page_reader)]
) -> Principal:
    """Like :func:`require_api_uploader`, for the upload page (anonymous visitors are sent to sign in)."""
    if principal.user is None:
        raise SignInRequired("/upload")
    try:
        return _check_upload(principal)
    except HTTPException as exc:
        raise PageForbidden("You may not change any locality, so you may not upload one.") from exc


ApiUploader = Annotated[Principal, Depends(require_api_uploader)]
PageUploader = Annotated[Principal, Depends(require_page_uploader)]
