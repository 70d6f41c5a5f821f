"""Flash messages: one line saying what a change did, shown once on the page its author lands on.

A change made from a page answers with a redirect and :func:`add` puts the
line in a short-lived cookie, HttpOnly and signed for the browser session it
is for.  :class:`FlashRegion` shows it: on the next page answered to that
session whose HTML holds :data:`MARKER` (``base.html`` puts it above the
content), the marker is replaced by the line and the cookie is deleted.

The line is put in the response, never in a template's output, so no page
cache (:mod:`app.web.cache`) ever holds it: a cached page holds only the
marker.  A page answered with a flash is sent ``no-store`` without its
ETag, and the request is passed on without ``If-None-Match`` (so the page
is not a bodiless 304) and without ``Accept-Encoding`` (so the marker can
be found; the GZip middleware outside compresses the result).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from html import escape

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security import SESSION_COOKIE

FLASH_COOKIE = "locmap_flash"
#: Where ``base.html`` wants the line; user data is escaped, so it can never forge this comment.
MARKER = b"<!--locmap:flash-->"
#: A flash not shown within this many seconds is dropped by the browser.
LIFETIME_S = 300
#: Cookies hold about 4 KB; a longer line is cut.
MAX_CHARS = 600


def add(request: Request, response: Response, text: str) -> None:
    """Have the next page this browser session is shown say ``text`` (once).

    Parameters
    ----------
    request : Request
        The request that made the change (its session cookie binds the message).
    response : Response
        The answer to it, usually a redirect; the cookie is set on it.
    text : str
        What changed, in words, e.g. "Deleted the group Thame MAST (5 seats, 2 links)".
    """
    session = request.cookies.get(SESSION_COOKIE, "")
    value = _signed(request.app.state.signin_key, session, text[:MAX_CHARS])
    secure = request.app.state.settings.cookie_secure
    response.set_cookie(
        FLASH_COOKIE, value, max_age=LIFETIME_S, httponly=True, samesite="strict", secure=secure, path="/"
    )


def waiting(request: Request) -> str | None:
    """The flash waiting for this request's session, or None (it stays until a page shows it)."""
    return _read(request.app.state.signin_key, request.cookies.get(SESSION_COOKIE, ""), request.cookies)


def _signed(key: bytes, session: str, text: str) -> str:
    body = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{body}.{_mac(key, session, body)}"


def _mac(key: bytes, session: str, body: str) -> str:
    bound = hashlib.sha256(session.encode()).hexdigest()  # the session cookie itself never enters the MAC input
    return hmac.new(key, f"locmap-flash:{bound}:{body}".encode(), hashlib.sha256).hexdigest()


def _read(key: bytes, session: str, cookies: dict[str, str]) -> str | None:
    value = cookies.get(FLASH_COOKIE, "")
    body, _, mac = value.partition(".")
    if not session or not body or not hmac.compare_digest(mac.encode(), _mac(key, session, body).encode()):
        return None
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except ValueError:
        return None


def region(text: str) -> bytes:
    """The HTML a flash is shown as, in place of :data:`MARKER`."""
    return f'<p class="flash" role="status">{escape(text)}</p>'.encode()


class FlashRegion:
    """ASGI middleware putting a waiting flash into the next HTML page and then deleting it.

    Mounted inside the GZip middleware, so it sees bodies uncompressed.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        text = _read(scope["app"].state.signin_key, _cookie(headers, SESSION_COOKIE), _cookies(headers))
        if text is None:
            await self.app(scope, receive, send)
            return
        dropped = (b"if-none-match", b"accept-encoding")
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in dropped]}
        await self.app(scope, receive, _Injecting(send, text, scope["app"].state.settings.cookie_secure))


class _Injecting:
    """A ``send`` that holds back an HTML page's body to put the flash into it."""

    def __init__(self, send: Send, text: str, secure: bool):
        self.send, self.text, self.secure = send, text, secure
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in message["headers"])
            plain = all(k.lower() != b"content-encoding" for k, v in message["headers"])
            if message["status"] == 200 and html and plain:
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._flush()
            return
        await self.send(message)

    async def _flush(self) -> None:
        assert self.start is not None
        body = b"".join(self.chunks)
        headers = list(self.start["headers"])
        if MARKER in body:
            body = body.replace(MARKER, region(self.text), 1)
            kept = (b"content-length", b"etag", b"cache-control")
            headers = [(k, v) for k, v in headers if k.lower() not in kept]
            headers += [(b"cache-control", b"no-store"), (b"set-cookie", self._deleted())]
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})

    def _deleted(self) -> bytes:
        secure = "; Secure" if self.secure else ""
        return f"{FLASH_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=strict{secure}".encode()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


def _cookie(headers: dict[str, str], name: str) -> str:
    return _cookies(headers).get(name, "")
