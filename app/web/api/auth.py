"""Signing in and out of the browser session (API clients send a bearer token instead).

A script that signs in here is given its session's CSRF token: every unsafe
request it then signs with the session cookie sends it as ``X-CSRF-Token``.
``POST /auth/login`` takes JSON only, which no cross-site form can send.
"""

from fastapi import HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from app.storage.accounts import grants_of, revoke_token
from app.web.deps import SESSION_COOKIE, CsrfChecked, PrincipalDep, Reader, SessionDep, SettingsDep
from app.web.routing import make_router
from app.web.security import session_csrf_token
from app.web.sessions import sign_in
from models.schemas import Credentials

router = make_router(prefix="/auth", tags=["auth"])


class SignedIn(BaseModel):
    name: str
    role: str
    localities: list[str]
    csrf_token: str | None = Field(
        None, description="Send as X-CSRF-Token with writes signed by the session cookie (null for a bearer token)."
    )


@router.post("/login", response_model=SignedIn)
def login(
    credentials: Credentials, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> SignedIn:
    """Sign in with a name and password; sets an HttpOnly, SameSite session cookie (429 after repeated failures)."""
    signed_in = sign_in(request, session, settings, response, credentials.name, credentials.password)
    if signed_in is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown name or wrong password")
    user, csrf = signed_in
    return SignedIn(name=user.name, role=user.role, localities=grants_of(session, user), csrf_token=csrf)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, response: Response, session: SessionDep, _: CsrfChecked) -> None:
    """End the browser session (its token is revoked, the cookie cleared); send its X-CSRF-Token."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=SignedIn | None)
def me(principal: Reader, request: Request) -> SignedIn | None:
    """Who is signed in (null for an anonymous visitor of a demo), with the session's CSRF token."""
    if principal.user is None:
        return None
    cookie = request.cookies.get(SESSION_COOKIE)
    csrf = session_csrf_token(cookie) if cookie and "authorization" not in request.headers else None
    return SignedIn(
        name=principal.user.name, role=principal.user.role, localities=sorted(principal.localities), csrf_token=csrf
    )


__all__ = ["router", "PrincipalDep"]
