"""Plain ASGI middleware (no per-request task): the body-size limit, security headers, cross-site checks."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    cross_site_refusal,
    session_csrf_token,
    signin_form_valid,
    valid_token,
)

#: Never gzipped: already compressed (XLSX is a zip) besides starlette's own list (PNG, zip, ...).
GZIP_EXCLUDED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": under it a browser sends "Origin: null" even on this site's own form posts,
    # and the cross-site check needs the real origin.  Other sites are still sent no referrer.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class BodySizeLimit:
    """Refuse request bodies over a size with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        received = 0
        responded = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal responded
            responded = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not responded:
                await _too_large(send, self.max_bytes)


class SecurityHeaders:
    """Security headers on every response; ``no-store`` on API responses."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.common = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.common if k not in present]
                if api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


#: The sign-in and sign-out forms: their routes need no sign-in, so their tokens are checked here.
SIGN_IN_PATH, SIGN_OUT_PATH = "/signin", "/signout"
#: The largest sign-in or sign-out form read (name, password and next fit in well under 2 KB).
SIGN_IN_FORM_BYTES = 16 * 1024
#: Seconds the pre-session cookie lasts: a sign-in form left open longer is shown again.
SIGNIN_COOKIE_SECONDS = 24 * 3600
FORM_REFUSED = "This form has expired or did not come from this site: reload the page and try again."


class CrossSiteGuard:
    """Refuse unsafe browser requests from other origins, and sign-in or sign-out forms without their token.

    Every POST, PUT, PATCH or DELETE without ``Authorization`` must come from
    this service's own origin (:func:`app.web.security.cross_site_refusal`);
    the token of a request signed in by the session cookie is checked by
    :func:`app.web.deps.check_csrf`.  The sign-in form (and the sign-out form,
    when there is a session to end) carry a token too, checked here since
    their routes resolve no sign-in.  When a page gave the browser a new
    pre-session nonce (:func:`app.web.security.csrf_token`), it is set here
    as an HttpOnly, SameSite=Strict cookie.
    """

    def __init__(self, app: ASGIApp, signin_key: bytes, secure_cookie: bool = False):
        self.app, self.signin_key, self.secure_cookie = app, signin_key, secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:  # reads pass unexamined: the signed-in path stays cheap
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
            refusal = cross_site_refusal(scope["method"], headers, _own_origin(scope, headers))
            if refusal is None and scope["method"] == "POST" and "authorization" not in headers:
                refusal, receive = await self._checked_form(scope, headers, receive)
            if refusal is not None:
                await _refuse(send, scope["path"], refusal)
                return
        state = scope.setdefault("state", {})

        async def with_nonce(message: Message) -> None:
            nonce = state.get("new_signin_nonce")
            if message["type"] == "http.response.start" and nonce:
                message = {**message, "headers": [*message.get("headers", []), self._nonce_cookie(nonce)]}
            await send(message)

        await self.app(scope, receive, with_nonce)

    async def _checked_form(
        self, scope: Scope, headers: dict[str, str], receive: Receive
    ) -> tuple[str | None, Receive]:
        """For the sign-in and sign-out forms: why the form is refused (or None), and the body to pass on."""
        cookies = cookie_parser(headers.get("cookie", ""))
        path = scope["path"]
        if path != SIGN_IN_PATH and not (path == SIGN_OUT_PATH and cookies.get(SESSION_COOKIE)):
            return None, receive
        body = await _read_body(receive, SIGN_IN_FORM_BYTES)
        if body is None:
            return FORM_REFUSED, receive
        sent = headers.get(CSRF_HEADER) or next(iter(parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [])), None)
        if path == SIGN_IN_PATH:
            ok = signin_form_valid(self.signin_key, cookies, sent)
        else:
            ok = valid_token(sent, session_csrf_token(cookies[SESSION_COOKIE]))
        return (None if ok else FORM_REFUSED), _replay(body, receive)

    def _nonce_cookie(self, nonce: str) -> tuple[bytes, bytes]:
        cookie = f"{SIGNIN_COOKIE}={nonce}; Max-Age={SIGNIN_COOKIE_SECONDS}; Path=/; HttpOnly; SameSite=strict"
        return b"set-cookie", (cookie + ("; Secure" if self.secure_cookie else "")).encode("latin-1")


def _own_origin(scope: Scope, headers: dict[str, str]) -> str:
    """This service's origin as the browser sees it: the scheme, and the host and port it asked for."""
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if it is over ``limit`` bytes or the client went away."""
    body, more = b"", True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > limit:
            return None
    return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _refuse(send: Send, path: str, message: str) -> None:
    """403 with a plain message: JSON for the API, text for pages."""
    if path.startswith(("/api/", "/auth/")):
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        body, kind = message.encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail":"request body is larger than {limit} bytes"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
