"""The service's routes, one module per resource."""

from fastapi import Request


def commit_change(request: Request, session, slug: str) -> None:
    """Commit a change to a locality and drop its cached audits and listings."""
    session.commit()
    request.app.state.audit_cache.forget(slug)
