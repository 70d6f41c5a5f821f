"""Signing in to a browser session, shared by the sign-in page and ``POST /auth/login``.

Failed sign-ins are counted per name and client address (429 once too many);
a successful one issues a session token as an HttpOnly, SameSite=Strict
cookie.  Expired tokens are purged when the service starts and, at most once
an hour, on a sign-in, so they never pile up.
"""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi import FastAPI, HTTPException, Request, Response, status
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.storage.accounts import authenticate, issue_token, purge_expired
from app.storage.db import session_scope
from app.web.deps import SESSION_COOKIE
from models.tables import User

#: Seconds between purges of expired tokens while the service runs.
PURGE_INTERVAL = 3600.0


def check_rate(request: Request, name: str) -> None:
    """429 after too many failed sign-ins for this name from this address."""
    wait = request.app.state.signin_limiter.retry_after(name, _client(request), time.monotonic())
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def record(request: Request, name: str, ok: bool) -> None:
    """Count a failed sign-in, or forget the failures of one that succeeded."""
    limiter = request.app.state.signin_limiter
    if ok:
        limiter.succeeded(name, _client(request))
    else:
        limiter.failed(name, _client(request), time.monotonic())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(session: Session, settings: Settings, response: Response, user: User) -> None:
    """Issue a browser-session token and set it as an HttpOnly, SameSite=Strict cookie."""
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


def sign_in(
    request: Request, session: Session, settings: Settings, response: Response, name: str, password: str
) -> User | None:
    """The user with this name and password, with a session cookie set on ``response``; None if refused.

    Raises
    ------
    HTTPException
        429 when this name has failed too often from this address.
    """
    check_rate(request, name)
    user = authenticate(session, name, password) if name and password else None
    record(request, name, user is not None)
    if user is None:
        return None
    purge_now_and_then(request.app, session)
    start_session(session, settings, response, user)
    return user


def purge_expired_tokens(app: FastAPI, engine: Engine) -> None:
    """Delete every expired token now (at start-up) and note when."""
    with session_scope(engine) as session:
        purge_expired(session)
    app.state.tokens_purged_at = time.monotonic()


def purge_now_and_then(app: FastAPI, session: Session) -> None:
    """Delete expired tokens in ``session``'s transaction if the last purge is an hour old."""
    now = time.monotonic()
    if now - getattr(app.state, "tokens_purged_at", float("-inf")) >= PURGE_INTERVAL:
        app.state.tokens_purged_at = now
        purge_expired(session)
