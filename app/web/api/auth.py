"""Signing in and out of the browser session (API clients send a bearer token instead)."""

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response, status
from pydantic import BaseModel

from app.storage.accounts import authenticate, grants_of, issue_token, revoke_token
from app.web.deps import SESSION_COOKIE, PrincipalDep, Reader, SessionDep, SettingsDep
from models.schemas import Credentials

router = APIRouter(prefix="/auth", tags=["auth"])


class SignedIn(BaseModel):
    name: str
    role: str
    localities: list[str]


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
    limiter = request.app.state.signin_limiter
    if ok:
        limiter.succeeded(name, _client(request))
    else:
        limiter.failed(name, _client(request), time.monotonic())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(session, settings, response: Response, user) -> None:
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


def _sign_in(request: Request, session, settings, response: Response, name: str, password: str) -> SignedIn:
    check_rate(request, name)
    user = authenticate(session, name, password)
    record(request, name, user is not None)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown name or wrong password")
    start_session(session, settings, response, user)
    return SignedIn(name=user.name, role=user.role, localities=grants_of(session, user))


@router.post("/login", response_model=SignedIn)
def login(
    credentials: Credentials, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> SignedIn:
    """Sign in with a name and password; sets an HttpOnly, SameSite session cookie (429 after repeated failures)."""
    return _sign_in(request, session, settings, response, credentials.name, credentials.password)


@router.post("/login-form", response_model=SignedIn, include_in_schema=False)
def login_form(
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> SignedIn:
    return _sign_in(request, session, settings, response, name, password)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, session: SessionDep) -> None:
    """End the browser session (its token is revoked, the cookie cleared)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=SignedIn | None)
def me(principal: Reader) -> SignedIn | None:
    """Who is signed in (null for an anonymous visitor of a demo)."""
    if principal.user is None:
        return None
    return SignedIn(name=principal.user.name, role=principal.user.role, localities=sorted(principal.localities))


__all__ = ["router", "PrincipalDep"]
