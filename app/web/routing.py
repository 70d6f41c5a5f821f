"""Routes that end their database session on the thread that used it.

FastAPI runs a plain ``def`` endpoint on a worker thread, then goes back to
the event loop, which under load is a queue of other requests: every later
step that needs a thread again (serialising the answer, closing the session)
waits its turn there.  A write holds the locality's write lock
(:func:`app.storage.db.queue_for_writing`) until its transaction ends, so a
write refused after taking it (412, 409, 422) would keep every writer behind
it waiting for those hops.  :class:`SessionRoute` ends the transaction of a
refused request at once, on the endpoint's own thread, and closes the
session of an endpoint that answers with a finished :class:`Response`
(:func:`json_answer`), so that answer needs no further thread at all.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from sqlmodel import Session


class SessionRoute(APIRoute):
    """An API route whose plain ``def`` endpoint ends its sessions itself (see the module's notes)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain(endpoint):
            endpoint = ends_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _plain(endpoint: Callable[..., Any]) -> bool:
    """A plain ``def`` endpoint, which FastAPI runs on a worker thread (not a coroutine, not a generator)."""
    kinds = (inspect.iscoroutinefunction, inspect.isgeneratorfunction, inspect.isasyncgenfunction)
    return inspect.isfunction(endpoint) and not any(kind(endpoint) for kind in kinds)


def make_router(**kwargs: Any) -> APIRouter:
    """An :class:`APIRouter` of :class:`SessionRoute` routes (every router of the service is one)."""
    return APIRouter(route_class=SessionRoute, **kwargs)


def ends_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint``, rolling back its sessions if it raises and closing them if it answers with a Response.

    A streamed answer may still read from its session, so it is left open
    for the dependency to close.  Other answers are serialised by FastAPI
    afterwards, which may load what they refer to: those sessions stay
    open too.
    """

    @functools.wraps(endpoint)
    def call(*args: Any, **kwargs: Any) -> Any:
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        try:
            answer = endpoint(*args, **kwargs)
        except BaseException:
            for session in sessions:
                session.rollback()  # gives up the write lock now, not when the request is torn down
            raise
        if isinstance(answer, Response) and not isinstance(answer, StreamingResponse):
            for session in sessions:
                session.close()
        return answer

    return call


@functools.cache
def _adapter(model: Any) -> TypeAdapter:
    return TypeAdapter(model)


def json_answer(model: Any, content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``content`` validated as ``model`` and written as JSON, as FastAPI writes a ``response_model``.

    Built on the endpoint's thread, so the answer leaves without another
    trip through the thread pool (the route still declares ``model`` as its
    ``response_model`` for the OpenAPI schema).
    """
    adapter = _adapter(model)
    body = adapter.dump_json(adapter.validate_python(content, from_attributes=True), by_alias=True)
    return Response(body, status_code, headers, media_type="application/json")
