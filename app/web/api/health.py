"""Liveness: answers without signing in."""

from pydantic import BaseModel
from sqlalchemy import text

from app.web.deps import SessionDep
from app.web.routing import make_router

router = make_router(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    """The service is up and its database answers."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", database=session.get_bind().dialect.name)
