"""The service's routes, one module per resource."""

from fastapi import Request

from app.web.cache import writer_of


def commit_change(request: Request, session, slug: str, *, stale_too: bool = False) -> None:
    """Commit a change to a locality and drop its cached audits and listings.

    Its writer is then always shown the new revision; others may be shown
    the previous one while it is computed, unless ``stale_too`` (a deleted
    locality, an erasure).
    """
    session.commit()
    cache = request.app.state.audit_cache
    cache.forget(slug, stale_too=stale_too)
    writer = writer_of(request)
    if writer is not None:
        cache.wrote(slug, writer)
