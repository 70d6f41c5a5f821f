"""Passwords, tokens and users.

Passwords are hashed with Argon2 (pwdlib).  API tokens and browser-session
tokens are 256-bit random strings stored only as SHA-256 digests: they are
already unguessable, so a fast digest is enough and lets a token be found
by its digest.  Checks for unknown users spend the same time as for known
ones, so a sign-in does not reveal which names exist.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, select
from sqlmodel import Session

from app.errors import Conflict, NotFound, UserError
from models.tables import ApiToken, User, UserGrant

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the user is unknown, so both paths cost one Argon2 check.
_DUMMY_HASH = _hasher.hash("locmap-timing-equaliser")

TOKEN_PREFIX = "lm_"


class Role(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (in constant time)."""
    user = session.execute(select(User).where(User.name == name)).scalars().first()
    stored = user.password_hash if user is not None and user.active and user.password_hash else _DUMMY_HASH
    try:
        valid = _hasher.verify(password, stored)
    except Exception:  # a malformed stored hash is a failed sign-in, not a crash
        valid = False
    if user is None or not user.active or not user.password_hash or not valid:
        return None
    return user


def user_for_token(session: Session, token: str, kind: str | None = None) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).where(ApiToken.digest == digest(token))).scalars().first()
    if row is None or row.revoked or (kind is not None and row.kind != kind):
        return None
    if row.expires_at is not None and _aware(row.expires_at) < datetime.now(UTC):
        return None
    user = session.get(User, row.user_pk)
    return user if user is not None and user.active else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_token(session: Session, user: User, kind: str = "api", lifetime: timedelta | None = None) -> str:
    token = new_token()
    expires = datetime.now(UTC) + lifetime if lifetime else None
    session.add(ApiToken(user_pk=user.pk, digest=digest(token), kind=kind, expires_at=expires))
    return token


def revoke_token(session: Session, token: str) -> None:
    row = session.execute(select(ApiToken).where(ApiToken.digest == digest(token))).scalars().first()
    if row is not None:
        row.revoked = True
        session.add(row)


def create_user(
    session: Session, name: str, role: str, localities: list[str] = (), password: str | None = None
) -> tuple[User, str]:
    """Create a user with a first API token; returns the user and the token (shown once)."""
    if role not in Role.__members__:
        raise UserError(f"unknown role {role!r}: use viewer, editor or admin")
    if session.execute(select(User).where(User.name == name)).first() is not None:
        raise Conflict(f"a user named {name!r} already exists")
    if localities and role != Role.editor:
        raise UserError("localities are granted to editors only (viewers read and admins write everything)")
    user = User(name=name, role=role, password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    for slug in dict.fromkeys(localities):
        session.add(UserGrant(user_pk=user.pk, locality=slug))
    token = issue_token(session, user)
    session.flush()
    return user, token


def revoke_user(session: Session, name: str) -> User:
    """Deactivate a user and revoke all their tokens and sessions."""
    user = session.execute(select(User).where(User.name == name)).scalars().first()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    user.active = False
    session.add(user)
    for row in session.execute(select(ApiToken).where(ApiToken.user_pk == user.pk)).scalars():
        row.revoked = True
        session.add(row)
    return user


def grants_of(session: Session, user: User) -> list[str]:
    return list(session.execute(select(UserGrant.locality).where(UserGrant.user_pk == user.pk)).scalars())


def purge_expired(session: Session) -> None:
    session.execute(delete(ApiToken).where(ApiToken.expires_at < datetime.now(UTC)))


class SignInLimiter:
    """Counts failed sign-ins per (name, client address); refuses more than ``limit`` in ``window`` seconds.

    Kept in memory per worker process: with several workers an attacker gets
    at most ``limit`` tries per worker, still far too few to guess a password.
    """

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def retry_after(self, name: str, client: str, now: float) -> int:
        """Seconds to wait before another try, or 0 if a try is allowed now."""
        with self._lock:
            times = self._recent((name.lower(), client), now)
            if len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, name: str, client: str, now: float) -> None:
        with self._lock:
            self._failures.setdefault((name.lower(), client), []).append(now)
            if len(self._failures) > 100_000:  # bounded memory under a spray of names
                self._failures.clear()

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._failures.pop((name.lower(), client), None)
