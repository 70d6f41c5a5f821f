"""The audit log: who changed what, when, before and after (admins only)."""

from typing import Annotated

from fastapi import Query
from sqlalchemy import func, select

from app.web.deps import Admin, SessionDep, SettingsDep
from app.web.routing import make_router
from models.schemas import AuditLogPublic, Page
from models.tables import AuditLogEntry

router = make_router(tags=["audit log"])


@router.get("/api/audit-log", response_model=Page[AuditLogPublic])
def audit_log(
    _: Admin,
    session: SessionDep,
    settings: SettingsDep,
    locality: Annotated[str | None, Query(max_length=64, description="Only this locality's changes.")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict:
    """Changes, newest first."""
    limit = min(limit, settings.max_page_size)
    query = select(AuditLogEntry)
    count = select(func.count()).select_from(AuditLogEntry)
    if locality is not None:
        query = query.where(AuditLogEntry.locality == locality)
        count = count.where(AuditLogEntry.locality == locality)
    rows = session.execute(query.order_by(AuditLogEntry.pk.desc()).offset(offset).limit(limit)).scalars().all()
    return {
        "items": [AuditLogPublic.of(r) for r in rows],
        "total": session.execute(count).scalar_one(),
        "offset": offset,
        "limit": limit,
    }
