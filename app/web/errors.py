"""How errors answer: JSON with a ``detail`` for the API, an HTML page for people browsing.

Bad input never produces a 500 or a traceback; only a bug does, and then the
answer is a bare "internal error" while the log keeps the traceback.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import Conflict, NotFound, UserError
from app.storage.census import CensusRefused
from app.web.concurrency import PreconditionFailed, PreconditionRequired
from app.web.deps import PageForbidden, SignInRequired
from app.web.pages.rendering import error_page
from app.web.security import FormExpired
from models.schemas import Message as MessageBody
from models.schemas import ValidationProblems
from models.validation import DocumentError

log = logging.getLogger("locmap")

#: The error answers every route may give, for the OpenAPI description.
ERROR_RESPONSES: dict[int | str, dict] = {
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

#: Paths that answer machines; every other path is a page.
API_PREFIXES = ("/api/", "/auth/", "/health", "/static/")

FORM_EXPIRED = "This form has expired or did not come from this site: reload the page and try again."

#: Our exceptions that stand for an HTTP status, with the status.
STATUS_OF = {
    FormExpired: status.HTTP_403_FORBIDDEN,
    PageForbidden: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    UserError: status.HTTP_400_BAD_REQUEST,
    PreconditionRequired: status.HTTP_428_PRECONDITION_REQUIRED,
}


def wants_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def error_response(request: Request, code: int, detail, headers=None) -> Response:
    """JSON for the API; an HTML page for people browsing the site."""
    if wants_page(request) and isinstance(detail, str):
        return error_page(request, code, detail)
    return JSONResponse({"detail": detail}, code, headers=headers)


def problems_of(exc: RequestValidationError) -> list[dict]:
    """Each problem of a request as ``{loc, msg}``, ``loc`` written like ``groups[3].name``."""
    out = []
    for err in exc.errors():
        parts = [str(p) for p in err.get("loc", ()) if p != "body" or len(err.get("loc", ())) == 1]
        loc = ".".join(parts).replace(".[", "[")
        out.append({"loc": loc or "body", "msg": err.get("msg", "invalid")})
    return out


async def sign_in_first(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse("/signin?" + urlencode({"next": exc.next_path}), status.HTTP_303_SEE_OTHER)


async def known_error(request: Request, exc: Exception) -> Response:
    """One of :data:`STATUS_OF`: its status, with its message (a fixed one for an expired form)."""
    code = next(STATUS_OF[kind] for kind in type(exc).__mro__ if kind in STATUS_OF)
    if isinstance(exc, FormExpired):
        detail = FORM_EXPIRED
    elif isinstance(exc, PageForbidden):
        detail = exc.detail
    else:
        detail = str(exc)
    return error_response(request, code, detail)


async def census_refused(request: Request, exc: Exception) -> Response:
    """A personal census link that may not be used: its own status (403, 404 or 410) and why, in plain words."""
    assert isinstance(exc, CensusRefused)
    return error_response(request, exc.status, exc.reason)


async def stale_version(request: Request, exc: Exception) -> Response:
    """412, naming the current version in the ETag header so the client can read it again."""
    assert isinstance(exc, PreconditionFailed)
    return error_response(request, status.HTTP_412_PRECONDITION_FAILED, str(exc), headers={"ETag": exc.current})


async def invalid_document(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DocumentError)
    return JSONResponse({"detail": [{"loc": p.loc, "msg": p.msg} for p in exc.problems]}, 422)


async def invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if wants_page(request):
        problems = "; ".join(f"{p['loc']}: {p['msg']}" for p in problems_of(exc))
        return error_response(request, 422, f"The address is not valid: {problems}")
    return JSONResponse({"detail": problems_of(exc)}, 422)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(request, exc.status_code, exc.detail, headers=getattr(exc, "headers", None))


async def database_busy(_: Request, exc: Exception) -> Response:
    log.warning("database error: %s", getattr(exc, "orig", exc))
    return JSONResponse({"detail": "the database is busy; try again"}, 503, headers={"Retry-After": "1"})


async def unexpected(_: Request, exc: Exception) -> Response:
    log.exception("unexpected error")
    return JSONResponse({"detail": "internal error"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every exception a request can raise, ours and the framework's."""
    app.add_exception_handler(SignInRequired, sign_in_first)
    for kind in STATUS_OF:
        app.add_exception_handler(kind, known_error)
    app.add_exception_handler(CensusRefused, census_refused)  # a UserError with its own status
    app.add_exception_handler(PreconditionFailed, stale_version)
    app.add_exception_handler(DocumentError, invalid_document)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_busy)
    app.add_exception_handler(Exception, unexpected)
