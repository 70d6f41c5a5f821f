"""Rendering pages: the Jinja templates, the words they use, and error pages.

Templates autoescape every value; names are data, never markup.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from analysis.profile import DIMENSION_LABELS, LEVEL_WORDS
from models.vocab import CONCERN_LABELS, GROUP_TYPE_LABELS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

TYPE_WORDS = GROUP_TYPE_LABELS

ERROR_TITLES = {
    400: "Bad request",
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    422: "Not valid",
}


def words(value) -> str:
    """A vocabulary value as words: ``refers_cases_to`` reads "refers cases to"."""
    return str(value).replace("_", " ") if value is not None else ""


TEMPLATES.env.filters["words"] = words
TEMPLATES.env.globals.update(
    TYPE_WORDS=TYPE_WORDS, LEVEL_WORDS=LEVEL_WORDS, DIMENSION_LABELS=DIMENSION_LABELS, CONCERN_LABELS=CONCERN_LABELS
)


def render(request: Request, principal, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page from ``template``, told who is signed in and whether the service runs as a demo."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"principal": principal, "demo": request.app.state.settings.demo, **context},
        status_code=status_code,
    )


def error_page(request: Request, code: int, detail: str) -> HTMLResponse:
    """An error as a page (the principal is not resolved again: errors render anonymously)."""
    return render(request, None, "error.html", code, title=ERROR_TITLES.get(code, "Error"), detail=detail)
