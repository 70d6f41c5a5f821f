"""Passwords, tokens and users.

Passwords are hashed with Argon2 (pwdlib).  API tokens and browser-session
tokens are 256-bit random strings stored only as SHA-256 digests: they are
already unguessable, so a fast digest is enough and lets a token be found
by its digest.  Checks for unknown users spend the same time as for known
ones, so a sign-in does not reveal which names exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, delete, event, select, text
from sqlmodel import Session, col

from app.errors import Conflict, NotFound, UserError
from models.tables import ApiToken, SignInAttempt, User, UserGrant

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
    return token_holder(session, token, kind)[0]


def token_holder(session: Session, token: str, kind: str | None = None) -> tuple[User | None, datetime | None]:
    """The active user a live token belongs to (or None) and when the token expires (None if never).

    One indexed equality on the token's digest finds the row and its user;
    the digests are then compared in constant time as well, so nothing
    about a stored digest leaks through timing.  Nothing is written.
    """
    if not token or len(token) > 200:
        return None, None
    wanted = digest(token)
    found = session.execute(
        select(ApiToken, User).join(User, col(ApiToken.user_pk) == col(User.pk)).where(col(ApiToken.digest) == wanted)
    ).first()
    if found is None:
        return None, None
    row, user = found
    if not hmac.compare_digest(row.digest, wanted) or row.revoked or (kind is not None and row.kind != kind):
        return None, None
    expires = _aware(row.expires_at) if row.expires_at is not None else None
    if expires is not None and expires < datetime.now(UTC):
        return None, None
    return (user, expires) if user.active else (None, None)


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
        forget_recent_tokens_on_commit(session)


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
    forget_recent_tokens_on_commit(session)
    return user


def grants_of(session: Session, user: User) -> list[str]:
    return list(session.execute(select(UserGrant.locality).where(UserGrant.user_pk == user.pk)).scalars())


def purge_expired(session: Session) -> None:
    """Delete expired tokens, and browser sessions that were signed out (they can never sign in again)."""
    session.execute(delete(ApiToken).where(col(ApiToken.expires_at) < datetime.now(UTC)))
    session.execute(delete(ApiToken).where(col(ApiToken.kind) == "session", col(ApiToken.revoked)))


# ---------------------------------------------------------------- recently checked tokens

#: Bumped after every commit that revokes a token or a user: entries made before it are void.
_revocations = 0
_revocations_lock = threading.Lock()


def _bump_revocations(_session=None) -> None:
    global _revocations
    with _revocations_lock:
        _revocations += 1


def forget_recent_tokens_on_commit(session: Session) -> None:
    """Void every :class:`RecentTokens` entry once ``session`` commits (a revocation is in it)."""
    if not event.contains(session, "after_commit", _bump_revocations):
        event.listen(session, "after_commit", _bump_revocations)


class RecentTokens:
    """Who a token signed in as, remembered for ``ttl`` seconds so a signed-in request reads no database.

    Only tokens that were valid are remembered (a spray of forged tokens
    fills nothing).  A revocation committed in this process voids every
    entry at once (:func:`forget_recent_tokens_on_commit`); one committed
    by another process (``locmap user revoke``, another worker) is seen
    within ``ttl`` seconds.  No entry outlives its token's expiry.
    """

    def __init__(self, ttl: float = 5.0, size: int = 10_000):
        self.ttl, self.size = ttl, size
        self._entries: dict[tuple[str, str], tuple[float, int, datetime | None, object]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, kind: str) -> object | None:
        """The remembered answer for a token, or None if it must be checked again."""
        with self._lock:
            entry = self._entries.get((digest(token), kind))
        if entry is None:
            return None
        until, epoch, expires, value = entry
        if time.monotonic() >= until or epoch != _revocations:
            return None
        if expires is not None and expires < datetime.now(UTC):
            return None
        return value

    def check(self, token: str, kind: str, load: Callable[[], tuple[object | None, datetime | None]]) -> object | None:
        """Look a token up with ``load()`` (its answer and expiry), remembering a valid answer."""
        epoch = _revocations
        value, expires = load()
        if value is not None:
            with self._lock:
                if len(self._entries) >= self.size:
                    self._entries.clear()
                self._entries[(digest(token), kind)] = (time.monotonic() + self.ttl, epoch, expires, value)
        return value


class SignInLimiter:
    """Counts failed sign-ins per (name, client address) in the database; more than ``limit`` in ``window`` s wait.

    The attempts live in the ``sign_in_attempt`` table, so every worker
    process (and every host on one database) counts the same ones and the
    limit holds whatever the worker count.  A row's subject is a digest of
    the name and the address, never either in clear.  An attempt is counted
    *before* its password is checked (and forgotten if it succeeds), in a
    transaction of its own that the next attempt waits for, so attempts sent
    at once to several workers cannot all slip under the limit.
    """

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window

    @staticmethod
    def subject(name: str, client: str) -> str:
        return hashlib.sha256(f"locmap-sign-in:{name.lower()}\0{client}".encode()).hexdigest()

    def admit(self, engine: Engine, name: str, client: str) -> int:
        """Count an attempt for this name and address; 0 if it may go ahead, else the seconds to wait."""
        subject, now = self.subject(name, client), datetime.now(UTC)
        since = now - timedelta(seconds=self.window)
        with Session(engine) as session:
            _lock_subject(session, subject)
            attempt = SignInAttempt(subject=subject, at=now)
            session.add(attempt)
            session.flush()
            times = session.execute(
                select(col(SignInAttempt.at))
                .where(col(SignInAttempt.subject) == subject, col(SignInAttempt.at) >= since)
                .order_by(col(SignInAttempt.at))
            ).scalars()
            recent = list(times)
            if len(recent) <= self.limit:
                session.commit()
                return 0
            session.rollback()
        oldest = _aware(recent[0])
        return max(1, int(self.window - (now - oldest).total_seconds()) + 1)

    def succeeded(self, engine: Engine, name: str, client: str) -> None:
        """Forget the failures of a name and address that has just signed in."""
        with Session(engine) as session:
            session.execute(delete(SignInAttempt).where(col(SignInAttempt.subject) == self.subject(name, client)))
            session.commit()

    def purge(self, session: Session) -> None:
        """Delete the attempts older than the window (they no longer count)."""
        since = datetime.now(UTC) - timedelta(seconds=self.window)
        session.execute(delete(SignInAttempt).where(col(SignInAttempt.at) < since))


def _lock_subject(session: Session, subject: str) -> None:
    """Serialise the attempts of one subject: SQLite serialises writers already; PostgreSQL needs a lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:subject))"), {"subject": subject})
