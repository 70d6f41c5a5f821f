"""Cross-site request forgery: the token every browser form carries, and its check.

The token is a digest of the browser's HttpOnly session cookie, so only a
page this site rendered for that session can know it; API clients that sign
requests with a bearer token send no cookie and need none.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request

from app.web.deps import SESSION_COOKIE


class FormExpired(Exception):
    """A form's CSRF token is missing or does not match this browser session."""


def csrf_token(request: Request) -> str:
    """A token only this browser session can know: a digest of its HttpOnly session cookie."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    return hashlib.sha256(f"locmap-csrf:{session_token}".encode()).hexdigest()


async def checked_form(request: Request) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token (API clients with a bearer token need none).

    Raises
    ------
    FormExpired
        When a browser form's token is missing or belongs to another session.
    """
    form = await request.form()
    if "authorization" not in request.headers:
        sent = str(form.get("csrf", ""))
        if not request.cookies.get(SESSION_COOKIE) or not hmac.compare_digest(sent, csrf_token(request)):
            raise FormExpired()
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form.keys()}
