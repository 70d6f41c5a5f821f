"""The service's routes, one module per resource."""

from fastapi import Request

from app.errors import NotFound
from app.web.cache import Version, locality_version, writer_of


def commit_change(request: Request, session, slug: str) -> None:
    """Commit a change to a locality and drop its cached audits and listings.

    Its writer is then always shown the new revision; others may be shown
    the previous one while it is computed (never after an erasure, which
    raises the locality's ``shown_from``).
    """
    session.commit()
    cache = request.app.state.audit_cache
    cache.forget(slug, keep=_still_analysed(session, slug))
    writer = writer_of(request)
    if writer is not None:
        cache.wrote(slug, writer)


def _still_analysed(session, slug: str) -> Version | None:
    """After a descriptive change (the analysed revision left behind), the analysed version whose answers stand."""
    try:
        version = locality_version(session, slug)
    except NotFound:  # the change deleted the locality
        return None
    return version.for_analysis() if version.analysed < version.revision else None
