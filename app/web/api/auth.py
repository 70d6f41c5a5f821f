"""Signing in and out of the browser session (API clients send a bearer token instead)."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel

from app.storage.accounts import grants_of, revoke_token
from app.web.deps import SESSION_COOKIE, PrincipalDep, Reader, SessionDep, SettingsDep
from app.web.sessions import sign_in
from models.schemas import Credentials

router = APIRouter(prefix="/auth", tags=["auth"])


class SignedIn(BaseModel):
    name: str
    role: str
    localities: list[str]


@router.post("/login", response_model=SignedIn)
def login(
    credentials: Credentials, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> SignedIn:
    """Sign in with a name and password; sets an HttpOnly, SameSite session cookie (429 after repeated failures)."""
    user = sign_in(request, session, settings, response, credentials.name, credentials.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown name or wrong password")
    return SignedIn(name=user.name, role=user.role, localities=grants_of(session, user))


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
