"""The locmap web service: a FastAPI application over the stored localities.

``create_app`` builds the application; the engine is made in the lifespan
from the settings (or passed in by tests).  Errors are always JSON with a
``detail``: bad input never produces a 500 or a traceback.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import pyvis
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.config import Settings, get_settings
from app.errors import Conflict, NotFound, UserError
from app.storage import store
from app.storage.accounts import SignInLimiter
from app.storage.db import create_schema, make_engine, session_scope
from app.web.cache import AuditCache
from app.web.deps import PageForbidden, SignInRequired
from app.web.pages.editing import FormExpired
from models.schemas import Message as MessageBody
from models.schemas import ValidationProblems
from models.tables import Locality
from models.validation import DocumentError, load_path

log = logging.getLogger("locmap")


def load_samples_if_empty(engine: Engine) -> int:
    """Load the sample localities into a database that holds none; returns how many."""
    from app.samples import sample_paths

    with Session(engine) as session:
        if session.execute(select(Locality.pk).limit(1)).first() is not None:
            return 0
    documents = [load_path(path) for path in sample_paths()]
    with session_scope(engine) as session:
        for document in documents:
            store.import_document(session, document)
    return len(documents)


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
    """Security headers on every response; ``no-store`` on API responses (plain ASGI: no per-request task)."""

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


ERROR_RESPONSES = {
    400: {"model": MessageBody, "description": "Bad request"},
    401: {"model": MessageBody, "description": "Not signed in, or the token is not valid"},
    403: {"model": MessageBody, "description": "Signed in, but not allowed"},
    404: {"model": MessageBody, "description": "No such locality or entry"},
    409: {"model": MessageBody, "description": "Conflicts with what is stored"},
    413: {"model": MessageBody, "description": "Request body too large"},
    422: {"model": ValidationProblems, "description": "Every validation problem, located"},
    429: {"model": MessageBody, "description": "Too many failed sign-ins"},
    503: {"model": MessageBody, "description": "The database is busy"},
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _problems(exc: RequestValidationError) -> list[dict]:
    out = []
    for err in exc.errors():
        parts = [str(p) for p in err.get("loc", ()) if p != "body" or len(err.get("loc", ())) == 1]
        loc = ".".join(parts).replace(".[", "[")
        out.append({"loc": loc or "body", "msg": err.get("msg", "invalid")})
    return out


STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_FILES = {"vis-network.min.js": "vis-network.min.js", "vis-network.min.css": "vis-network.css"}
API_PREFIXES = ("/api/", "/auth/", "/health", "/static/")


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The locmap application.  Pass ``engine`` to use an existing database (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own_engine = engine is None
        app.state.engine = engine or make_engine(
            settings.resolved_database_url(), busy_timeout=settings.sqlite_busy_timeout
        )
        create_schema(app.state.engine)
        if settings.load_samples:
            loaded = load_samples_if_empty(app.state.engine)
            if loaded:
                log.info("loaded %d sample localities", loaded)
        yield
        if own_engine:
            app.state.engine.dispose()

    app = FastAPI(
        title="locmap",
        version=__version__,
        summary="Map and audit the communication systems of children's-services localities.",
        lifespan=lifespan,
        separate_input_output_schemas=False,
        # FastAPI's docs pages load their scripts from a CDN; the service stays offline.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.audit_cache = AuditCache()
    app.state.signin_limiter = SignInLimiter(settings.signin_attempts, settings.signin_window)
    if engine is not None:
        app.state.engine = engine

    def error(request: Request, code: int, detail, headers=None):
        """JSON for the API; an HTML page for people browsing the site."""
        if _wants_page(request) and isinstance(detail, str):
            from app.web.pages.browse import error_page

            return error_page(request, code, detail)
        return JSONResponse({"detail": detail}, code, headers=headers)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(_: Request, exc: SignInRequired):
        return RedirectResponse("/signin?" + urlencode({"next": exc.next_path}), status.HTTP_303_SEE_OTHER)

    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, exc: FormExpired):
        return error(
            request,
            status.HTTP_403_FORBIDDEN,
            "This form has expired or did not come from this site: reload the page and try again.",
        )

    @app.exception_handler(PageForbidden)
    async def page_forbidden(request: Request, exc: PageForbidden):
        return error(request, status.HTTP_403_FORBIDDEN, exc.detail)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return error(request, status.HTTP_404_NOT_FOUND, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return error(request, status.HTTP_409_CONFLICT, str(exc))

    @app.exception_handler(UserError)
    async def bad_request(request: Request, exc: UserError):
        return error(request, status.HTTP_400_BAD_REQUEST, str(exc))

    @app.exception_handler(DocumentError)
    async def invalid_document(_: Request, exc: DocumentError):
        return JSONResponse({"detail": [{"loc": p.loc, "msg": p.msg} for p in exc.problems]}, 422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if _wants_page(request):
            problems = "; ".join(f"{p['loc']}: {p['msg']}" for p in _problems(exc))
            return error(request, 422, f"The address is not valid: {problems}")
        return JSONResponse({"detail": _problems(exc)}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error(request, exc.status_code, exc.detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def database_busy(_: Request, exc: OperationalError):
        log.warning("database error: %s", exc.orig)
        return JSONResponse({"detail": "the database is busy; try again"}, 503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception):
        log.exception("unexpected error")
        return JSONResponse({"detail": "internal error"}, 500)

    from app.web.api import analysis, auditlog, auth, entities, health, history, localities, users
    from app.web.pages import browse as pages
    from app.web.pages import editing

    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(localities.router)
    app.include_router(entities.router)
    app.include_router(analysis.router)
    app.include_router(history.router)
    app.include_router(auditlog.router)
    app.include_router(users.router)
    app.include_router(pages.router)
    app.include_router(editing.router)
    vendor_dir = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"

    @app.get("/static/vendor/{name}", include_in_schema=False)
    def vendor_asset(name: str):
        """vis-network, served from the copy bundled with pyvis: nothing comes from a CDN."""
        if name not in VENDOR_FILES:
            return JSONResponse({"detail": "no such file"}, 404)
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(
            vendor_dir / VENDOR_FILES[name], media_type=media, headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/static/template.xlsx", include_in_schema=False)
    def spreadsheet_template():
        """The spreadsheet template co-ordinators fill in (sample_localities/template.xlsx)."""
        from app.samples import samples_dir

        return FileResponse(
            samples_dir() / "template.xlsx",
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename="locmap-template.xlsx",
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # CORS is off unless origins are configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
