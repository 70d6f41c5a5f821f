"""Users and their roles (admins only).  ``locmap user`` does the same from the shell."""

from fastapi import Response, status
from sqlalchemy import select

from app.storage.accounts import create_user, grants_of, revoke_user
from app.storage.edits import Change, log
from app.web.deps import Admin, SessionDep
from app.web.routing import make_router
from models.schemas import UserCreate, UserCreated, UserPublic
from models.tables import User

router = make_router(prefix="/api/users", tags=["users"])


def _public(session, user: User) -> UserPublic:
    return UserPublic(
        name=user.name,
        role=user.role,
        active=user.active,
        localities=grants_of(session, user),
        created_at=user.created_at,
    )


@router.get("", response_model=list[UserPublic])
def list_users(_: Admin, session: SessionDep) -> list[UserPublic]:
    return [_public(session, u) for u in session.execute(select(User).order_by(User.name)).scalars()]


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def add_user(body: UserCreate, principal: Admin, session: SessionDep) -> UserCreated:
    """Create a user; the response carries their API token, shown only this once."""
    user, token = create_user(session, body.name, body.role, body.localities, body.password)
    log(
        session,
        principal.name,
        None,
        Change("create", "user", user.name, None, {"role": user.role, "localities": body.localities}),
    )
    session.commit()
    return UserCreated(**_public(session, user).model_dump(), token=token)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def revoke(name: str, principal: Admin, session: SessionDep) -> Response:
    """Deactivate a user and revoke every token and session they hold."""
    revoke_user(session, name)
    log(session, principal.name, None, Change("revoke", "user", name, None, None))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
