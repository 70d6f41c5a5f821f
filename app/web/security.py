"""Cross-site request forgery: the tokens browser forms carry, and their checks.

SameSite cookies are not enough: SameSite ignores ports, so a page on this
host and another port is "same site" and its forms are sent the session
cookie.  Every unsafe request signed in by that cookie must therefore carry
the session's token, which only a page this site rendered for that session
can know: a digest of the HttpOnly session cookie.  Before there is a
session (the sign-in form) the token is an HMAC of a random HttpOnly cookie
of the browser's own, so a foreign page cannot sign a victim in as someone
else (login CSRF).  Requests signed with ``Authorization: Bearer`` send no
cookie, so a forged request has nothing to borrow, and need no token.

The ``Origin`` and ``Sec-Fetch-Site`` checks that go with these are
:func:`cross_site_refusal`, applied by :class:`app.web.middleware.CrossSiteGuard`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from fastapi import Request

SESSION_COOKIE = "locmap_session"
#: The browser's pre-session cookie, which the sign-in form's token is bound to.
SIGNIN_COOKIE = "locmap_signin"
#: The header a script sends the session's token in.
CSRF_HEADER = "x-csrf-token"
#: The form field (and query parameter, for uploads read only after their checks) a token comes in.
CSRF_FIELD = "csrf"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")


class FormExpired(Exception):
    """A form's CSRF token is missing or does not match this browser session."""


def session_csrf_token(session_token: str) -> str:
    """The CSRF token of a browser session: a digest of its (HttpOnly, so unreadable) session token."""
    return hashlib.sha256(f"locmap-csrf:{session_token}".encode()).hexdigest()


def signin_token(key: bytes, nonce: str) -> str:
    """The sign-in form's token: an HMAC of the browser's pre-session cookie under the service's key."""
    return hmac.new(key, f"locmap-signin:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: its session's, or before sign-in its pre-session cookie's.

    A browser with neither cookie is given a new pre-session nonce here; the
    :class:`app.web.middleware.CrossSiteGuard` sets it as a cookie on the answer.
    """
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        return session_csrf_token(session_token)
    return signin_token(request.app.state.signin_key, _signin_nonce(request))


def _signin_nonce(request: Request) -> str:
    nonce = request.cookies.get(SIGNIN_COOKIE, "")
    if _NONCE.fullmatch(nonce):
        return nonce
    fresh = getattr(request.state, "new_signin_nonce", None)
    if fresh is None:
        fresh = request.state.new_signin_nonce = secrets.token_urlsafe(32)
    return fresh


def valid_token(sent: object, expected: str) -> bool:
    """Whether ``sent`` is ``expected``, compared in constant time."""
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


def signin_form_valid(key: bytes, cookies: dict[str, str], sent: object) -> bool:
    """Whether a sign-in form's token belongs to this browser (its session, or its pre-session cookie)."""
    if cookies.get(SESSION_COOKIE) and valid_token(sent, session_csrf_token(cookies[SESSION_COOKIE])):
        return True
    nonce = cookies.get(SIGNIN_COOKIE, "")
    return bool(_NONCE.fullmatch(nonce)) and valid_token(sent, signin_token(key, nonce))


def cross_site_refusal(method: str, headers: dict[str, str], own_origin: str) -> str | None:
    """Why an unsafe browser request must be refused as coming from elsewhere, or None.

    ``Origin``, when sent, must be this service's own origin (scheme, host and
    port: another port is another origin); ``Sec-Fetch-Site``, when sent, must
    be ``same-origin`` or ``none`` (``same-site`` is another port or a sibling
    host).  ``headers`` has lower-case names.
    """
    if method in SAFE_METHODS or "authorization" in headers:
        return None
    origin = headers.get("origin")
    if origin is not None and _normalised(origin) != _normalised(own_origin):
        return f"refused: this request comes from {origin}, not from this site ({own_origin})"
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return f"refused: this request comes from another site (Sec-Fetch-Site: {fetch_site})"
    return None


def _normalised(origin: str) -> str:
    origin = origin.strip().lower().rstrip("/")
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin


async def checked_form(request: Request) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token (API clients with a bearer token need none).

    Raises
    ------
    FormExpired
        When a browser form's token is missing or belongs to another session.
    """
    form = await request.form()
    if "authorization" not in request.headers:
        sent = form.get(CSRF_FIELD, "")
        if not request.cookies.get(SESSION_COOKIE) or not valid_token(sent, csrf_token(request)):
            raise FormExpired()
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form.keys()}
