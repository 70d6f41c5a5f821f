"""Dependencies of the web service: the database session and access control.

Every route declares who may use it through one of :data:`Reader`,
:data:`LocalityEditor` or :data:`Admin` (a test fails for a route that
declares none and is not public).  A request is signed in by an
``Authorization: Bearer TOKEN`` header or the browser's session cookie; an
unsafe request signed in by the cookie must also carry the session's CSRF
token (:func:`check_csrf`), so every route that accepts the cookie is covered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.storage.accounts import Role, grants_of, token_holder
from app.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    FormExpired,
    session_csrf_token,
    valid_token,
)
from models.tables import User

#: Paths answered as JSON to scripts: their token comes in a header (their bodies are never read as forms).
API_PREFIXES = ("/api/", "/auth/")


# Dependencies that do no I/O are ``async def``: FastAPI runs plain ``def``
# dependencies in the thread pool, a hop that costs more than their work.


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> AsyncIterator[Session]:
    """A session for the request, closed when it ends.

    Making a session does no I/O, so no worker thread is taken for it.  One
    still in a transaction at the end (a read, a failed write) is closed on a
    worker thread, shielded so that a client who hangs up cannot leave its
    connection checked out; one its endpoint already closed
    (:class:`app.web.routing.SessionRoute`) needs nothing more.
    """
    session = Session(engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@dataclass
class Principal:
    """Who is asking: a user, or an anonymous visitor (``user`` is None)."""

    user: User | None = None
    localities: set[str] = field(default_factory=set)

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    def may_edit(self, slug: str) -> bool:
        if self.user is None:
            return False
        return self.role == Role.admin or (self.role == Role.editor and slug in self.localities)


def _unauthorised(detail: str = "sign in, or send Authorization: Bearer TOKEN") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def current_principal(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Principal:
    """The signed-in user, from a bearer token or the session cookie; anonymous otherwise.

    A bearer token that is present but not valid is refused outright (401),
    even where anonymous reading is allowed, so a revoked token never
    silently becomes anonymous access.  Anonymous requests touch no database,
    and nor does a token checked in the last few seconds
    (:class:`app.storage.accounts.RecentTokens`).
    """
    header = request.headers.get("authorization")
    cookie = request.cookies.get(SESSION_COOKIE)
    if header is None and not cookie:
        return Principal()
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorised("malformed Authorization header: expected 'Bearer TOKEN'")
        token, kind = token.strip(), "api"
    else:
        token, kind = cookie, "session"
    recent = request.app.state.recent_tokens
    principal = recent.get(token, kind)
    if principal is None:
        principal = await run_in_threadpool(recent.check, token, kind, lambda: _principal_for(engine, token, kind))
    if principal is None:
        if header is not None:
            raise _unauthorised("invalid or revoked token")
        return Principal()
    if kind == "session" and request.method not in SAFE_METHODS:
        await check_csrf(request, token)
    return principal


NO_CSRF_TOKEN = (
    "refused: a request signed in by the session cookie must send the session's CSRF token "
    "in the X-CSRF-Token header (from GET /auth/me), or send Authorization: Bearer TOKEN instead"
)


async def check_csrf(request: Request, session_token: str) -> None:
    """Refuse an unsafe request signed in by the session cookie unless it carries the session's token.

    The token comes in the ``X-CSRF-Token`` header, the ``csrf`` query
    parameter (uploads, whose bodies are read only after their checks) or,
    for the pages' forms, the ``csrf`` field of a url-encoded form (parsed
    once: the route reads the same parsed form).

    Raises
    ------
    HTTPException
        403 for the API's routes.
    FormExpired
        For the pages (shown as "this form has expired").
    """
    api = request.url.path.startswith(API_PREFIXES)
    sent: object = request.headers.get(CSRF_HEADER) or request.query_params.get(CSRF_FIELD)
    if sent is None and not api and _urlencoded(request):
        sent = (await request.form()).get(CSRF_FIELD)
    if valid_token(sent, session_csrf_token(session_token)):
        return
    if api:
        raise HTTPException(status.HTTP_403_FORBIDDEN, NO_CSRF_TOKEN)
    raise FormExpired()


def _urlencoded(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _principal_for(engine: Engine, token: str, kind: str) -> tuple[Principal | None, datetime | None]:
    """Who a token signs in as, and until when; reads only (no "last used" write per request)."""
    with Session(engine) as session:
        user, expires = token_holder(session, token, kind=kind)
        if user is None:
            return None, None
        localities = set(grants_of(session, user)) if user.role == Role.editor else set()
        session.expunge(user)
        return Principal(user, localities), expires


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def require_reader(principal: PrincipalDep, settings: SettingsDep) -> Principal:
    """Anyone signed in; anonymous visitors too when the service runs with ``--demo``."""
    if principal.user is None and not settings.demo:
        raise _unauthorised()
    return principal


async def require_locality_editor(slug: str, principal: PrincipalDep) -> Principal:
    """An admin, or an editor granted this locality."""
    if principal.user is None:
        raise _unauthorised()
    if not principal.may_edit(slug):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not change locality {slug!r}")
    return principal


async def require_admin(principal: PrincipalDep) -> Principal:
    if principal.user is None:
        raise _unauthorised()
    if principal.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may do this")
    return principal


class SignInRequired(Exception):
    """A page needs a signed-in user: the browser is sent to the sign-in form."""

    def __init__(self, next_path: str):
        self.next_path = next_path


async def require_page_reader(request: Request, principal: PrincipalDep, settings: SettingsDep) -> Principal:
    """Like :func:`require_reader`, for pages: an anonymous visitor is redirected to sign in."""
    if principal.user is None and not settings.demo:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return principal


class PageForbidden(Exception):
    def __init__(self, detail: str):
        self.detail = detail


async def require_page_editor(slug: str, request: Request, principal: PrincipalDep, settings: SettingsDep) -> Principal:
    """An editor of this locality (or an admin), for editing pages: others are sent to sign in or refused."""
    if principal.user is None:
        target = request.url.path if request.method == "GET" else f"/localities/{slug}"
        raise SignInRequired(target)
    if not principal.may_edit(slug):
        raise PageForbidden(f"You may not change locality {slug!r}.")
    return principal


Reader = Annotated[Principal, Depends(require_reader)]
PageEditor = Annotated[Principal, Depends(require_page_editor)]
PageReader = Annotated[Principal, Depends(require_page_reader)]
LocalityEditor = Annotated[Principal, Depends(require_locality_editor)]
Admin = Annotated[Principal, Depends(require_admin)]

#: The access dependencies; every non-public route must use one of them.
ACCESS_DEPENDENCIES = (require_reader, require_page_reader, require_page_editor, require_locality_editor, require_admin)


async def require_csrf_with_cookie(request: Request) -> None:
    """For routes that need no sign-in (signing out): a request carrying the session cookie needs its token."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and "authorization" not in request.headers and request.method not in SAFE_METHODS:
        await check_csrf(request, cookie)


CsrfChecked = Annotated[None, Depends(require_csrf_with_cookie)]
