"""Signing in to a browser session, shared by the sign-in page and ``POST /auth/login``.

Failed sign-ins are counted per name and client address in the database, so
every worker counts the same ones (429 once too many).  The client address
is the connection's peer: ``X-Forwarded-For`` changes it only when the
operator names the proxies it may come from (``locmap serve
--forwarded-allow-ips``).  A successful sign-in issues a new session token
as an HttpOnly, SameSite=Strict cookie and revokes the one the browser had
(the session is rotated).  Expired tokens and old attempts are purged when
the service starts and then every ``purge_minutes``, signed in or not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from fastapi import FastAPI, HTTPException, Request, Response, status
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.storage.accounts import authenticate, issue_token, purge_expired, revoke_token
from app.storage.db import session_scope
from app.web.security import SESSION_COOKIE, SIGNIN_COOKIE, session_csrf_token
from models.tables import User

log = logging.getLogger("locmap")

#: Seconds between purges on a sign-in, should the scheduled purge not have run for that long.
PURGE_INTERVAL = 3600.0


def check_rate(request: Request, name: str) -> None:
    """Count this attempt; 429 after too many failed sign-ins for this name from this address."""
    wait = request.app.state.signin_limiter.admit(request.app.state.engine, name, _client(request))
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(session: Session, settings: Settings, request: Request, response: Response, user: User) -> str:
    """Rotate the browser's session: revoke the token it had, set a new one as an HttpOnly, SameSite=Strict cookie.

    Returns the new session's CSRF token (for scripts that signed in with ``POST /auth/login``).
    """
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        revoke_token(session, previous)
    token = issue_token(session, user, kind="session", lifetime=timedelta(hours=settings.session_hours))
    session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return session_csrf_token(token)


def sign_in(
    request: Request, session: Session, settings: Settings, response: Response, name: str, password: str
) -> tuple[User, str] | None:
    """The user with this name and password and their session's CSRF token, the cookie set on ``response``.

    None when the name or password is wrong.

    Raises
    ------
    HTTPException
        429 when this name has failed too often from this address.
    """
    check_rate(request, name)
    user = authenticate(session, name, password) if name and password else None
    if user is None:
        return None
    request.app.state.signin_limiter.succeeded(request.app.state.engine, name, _client(request))
    purge_now_and_then(request.app, session)
    return user, start_session(session, settings, request, response, user)


def purge_expired_tokens(app: FastAPI, engine: Engine) -> None:
    """Delete every expired token and sign-in attempt now, and note when."""
    with session_scope(engine) as session:
        purge_expired(session)
        app.state.signin_limiter.purge(session)
    app.state.tokens_purged_at = time.monotonic()


def purge_now_and_then(app: FastAPI, session: Session) -> None:
    """Delete expired tokens in ``session``'s transaction if the last purge is an hour old."""
    now = time.monotonic()
    if now - getattr(app.state, "tokens_purged_at", float("-inf")) >= PURGE_INTERVAL:
        app.state.tokens_purged_at = now
        purge_expired(session)


async def purge_on_schedule(app: FastAPI, engine: Engine, minutes: float) -> None:
    """Purge expired tokens and old attempts every ``minutes``, until cancelled (at shutdown).

    A purge that fails (the database busy or away) is logged and tried again
    at the next interval: housekeeping never stops the service.
    """
    while True:
        await asyncio.sleep(minutes * 60)
        try:
            await run_in_threadpool(purge_expired_tokens, app, engine)
        except Exception:  # noqa: BLE001 - logged; the next interval tries again
            log.warning("could not purge expired sessions; trying again in %g minutes", minutes, exc_info=True)
