"""The locmap web service: a FastAPI application over the stored localities.

This is the composition root: :func:`create_app` puts together the routers,
the error handlers (:mod:`app.web.errors`), the middleware
(:mod:`app.web.middleware`) and the static files; the engine is made in the
:func:`lifespan` from the settings (or passed in by tests).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app import __version__
from app.config import Settings, get_settings
from app.process import collect_in_batches
from app.samples import sample_paths, template_workbook
from app.storage import store
from app.storage.accounts import RecentTokens, SignInLimiter
from app.storage.db import create_schema, make_engine, session_scope
from app.web.api import analysis, auditlog, auth, census, entities, health, history, localities, measures, search, users
from app.web.cache import AuditCache
from app.web.errors import ERROR_RESPONSES, install_error_handlers
from app.web.flash import FlashRegion
from app.web.middleware import GZIP_EXCLUDED, BodySizeLimit, CrossSiteGuard, SecurityHeaders
from app.web.pages import browse, directory, editing, respond, trend, wayfinding, whatif
from app.web.pages import census as census_pages
from app.web.pages import history as history_pages
from app.web.pages import search as search_pages
from app.web.pages import snapshots as snapshot_pages
from app.web.pages.rendering import TEMPLATES
from app.web.routing import SessionRoute
from app.web.security import csrf_token
from app.web.sessions import purge_expired_tokens, purge_on_schedule
from models.tables import Locality
from models.validation import load_path

log = logging.getLogger("locmap")

#: Stylesheets, scripts and the vendored vis-network (``static/vendor/``), served at ``/static``.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: In the order a request's path is matched against them, router by router, route by route: the
#: most asked for first (a locality's page, its audit and its entries), since each router passed
#: costs about ten microseconds.  No path matches routes of two routers, so the order decides nothing else
#: (tests/test_router_order.py checks that it stays so).
ROUTERS = (
    browse.router,
    analysis.router,
    entities.router,
    health.router,
    auth.router,
    localities.router,
    measures.router,
    history.router,
    census.router,
    auditlog.router,
    users.router,
    search.router,
    search_pages.router,
    snapshot_pages.router,
    editing.router,
    history_pages.router,
    whatif.router,
    directory.router,
    wayfinding.router,
    trend.router,
    census_pages.router,  # editors' census pages before the respondent's, whose last segment is a token
    respond.router,
)


def load_samples_if_empty(engine: Engine) -> int:
    """Load the sample localities into a database that holds none; returns how many."""
    with Session(engine) as session:
        if session.execute(select(col(Locality.pk)).limit(1)).first() is not None:
            return 0
    documents = [load_path(path) for path in sample_paths()]
    with session_scope(engine) as session:
        for document in documents:
            store.import_document(session, document)
    return len(documents)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database (unless one was given), bring its schema up to date, purge expired sessions.

    Expired sessions are then purged every ``purge_minutes`` until shutdown.
    """
    settings: Settings = app.state.settings
    sys.setswitchinterval(settings.switch_interval_ms / 1000)
    collect_in_batches()
    given: Engine | None = app.state.given_engine
    app.state.engine = given or make_engine(settings.resolved_database_url(), busy_timeout=settings.sqlite_busy_timeout)
    create_schema(app.state.engine)
    purge_expired_tokens(app, app.state.engine)
    if settings.load_samples:
        loaded = load_samples_if_empty(app.state.engine)
        if loaded:
            log.info("loaded %d sample localities", loaded)
    purging = asyncio.create_task(purge_on_schedule(app, app.state.engine, settings.purge_minutes))
    yield
    purging.cancel()
    app.state.audit_cache.settle()
    if given is None:
        app.state.engine.dispose()


def spreadsheet_template() -> FileResponse:
    """The spreadsheet template co-ordinators fill in (package data, so it works from a wheel)."""
    return FileResponse(
        template_workbook(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="locmap-template.xlsx",
    )


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """GZip, CORS (off unless origins are configured), cross-site checks, security headers, and the body-size limit.

    The body-size limit is outermost; the cross-site refusals get the security headers.

    GZip compresses HTML, JSON, JavaScript and CSS over 1 KB; already
    compressed files (PNG, XLSX, zip) and bodies sent gzipped (the cached
    map data) pass through.
    """
    app.add_middleware(FlashRegion)  # innermost: puts a change's flash line into the next page
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=GZIP_EXCLUDED)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(CrossSiteGuard, signin_key=app.state.signin_key, secure_cookie=settings.cookie_secure)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The locmap application.  Pass ``engine`` to use an existing database (tests)."""
    settings = settings or get_settings()
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
    app.state.given_engine = engine
    app.state.audit_cache = AuditCache()
    app.state.signin_limiter = SignInLimiter(settings.signin_attempts, settings.signin_window)
    app.state.signin_key = settings.signin_secret.encode() or secrets.token_bytes(32)
    app.state.recent_tokens = RecentTokens()
    if engine is not None:
        app.state.engine = engine
    install_error_handlers(app)
    TEMPLATES.env.globals["csrf_token"] = csrf_token  # the sign-in and sign-out forms' token
    for router in ROUTERS:
        app.include_router(router)
    # Before the /static mount, which would otherwise answer for it.
    app.router.route_class = SessionRoute  # as every router's: see app.web.routing
    app.add_api_route("/static/template.xlsx", spreadsheet_template, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_middleware(app, settings)
    return app
