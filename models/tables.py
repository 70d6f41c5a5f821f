"""SQLModel tables that store localities.

Every row belongs to one locality; the string ``id`` of an agency, person,
group or link is its handle within the locality (unique there, as in the
file), while ``pk`` is the database's own key.  Foreign keys cascade: deleting
a locality deletes everything in it; deleting a person or group deletes their
memberships and links.  Request data never goes straight into these tables:
it is validated first as a :mod:`models.document` entry or an update schema.
"""

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from .document import NAME_MAX, TEXT_MAX

ID_MAX = 64
WORD_MAX = 32


def utcnow() -> datetime:
    return datetime.now(UTC)


class Locality(SQLModel, table=True):
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=ID_MAX, unique=True, index=True)
    name: str = Field(max_length=NAME_MAX)
    authority: str = Field(max_length=NAME_MAX)
    boundary: str = Field(max_length=WORD_MAX)
    devolved_funding: str = Field(default="none", max_length=WORD_MAX)
    description: str | None = Field(default=None, max_length=TEXT_MAX)
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=TEXT_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    #: Bumped by every change, so cached answers know when they are stale.
    revision: int = Field(default=1)
    #: The revision of the last change an analysis can see: a change to a group's descriptive fields
    #: (models.document.DESCRIPTIVE_GROUP_FIELDS) leaves it, so cached audits, maps and charts stand.
    analysed_revision: int = Field(default=1)
    #: The oldest revision whose cached pages may still be shown while a newer one is computed:
    #: an erasure raises it to its own revision, so no worker shows what was erased.
    shown_from: int = Field(default=0)

    agencies: list["Agency"] = Relationship(
        back_populates="locality", cascade_delete=True, sa_relationship_kwargs={"order_by": "Agency.pk"}
    )
    people: list["Person"] = Relationship(
        back_populates="locality", cascade_delete=True, sa_relationship_kwargs={"order_by": "Person.pk"}
    )
    groups: list["Group"] = Relationship(
        back_populates="locality", cascade_delete=True, sa_relationship_kwargs={"order_by": "Group.pk"}
    )
    links: list["GroupLink"] = Relationship(
        back_populates="locality", cascade_delete=True, sa_relationship_kwargs={"order_by": "GroupLink.pk"}
    )


class Agency(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("locality_pk", "id"),)

    pk: int | None = Field(default=None, primary_key=True)
    locality_pk: int = Field(foreign_key="locality.pk", ondelete="CASCADE", index=True)
    id: str = Field(max_length=ID_MAX)
    name: str = Field(max_length=NAME_MAX)
    sector: str = Field(max_length=WORD_MAX)
    school: bool = False
    note: str | None = Field(default=None, max_length=TEXT_MAX)

    locality: Locality = Relationship(back_populates="agencies")
    people: list["Person"] = Relationship(back_populates="agency")


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("locality_pk", "id"),)

    pk: int | None = Field(default=None, primary_key=True)
    locality_pk: int = Field(foreign_key="locality.pk", ondelete="CASCADE", index=True)
    id: str = Field(max_length=ID_MAX)
    name: str = Field(max_length=NAME_MAX)
    role: str | None = Field(default=None, max_length=NAME_MAX)
    agency_pk: int | None = Field(default=None, foreign_key="agency.pk", ondelete="SET NULL", index=True)
    systems_minder: bool = False
    service_user_rep: bool = False
    local: bool = True
    hours_per_week: float | None = None
    note: str | None = Field(default=None, max_length=TEXT_MAX)

    locality: Locality = Relationship(back_populates="people")
    agency: Agency | None = Relationship(back_populates="people")
    memberships: list["Membership"] = Relationship(back_populates="person", cascade_delete=True)


class Group(SQLModel, table=True):
    # "group" is an SQL keyword; a plain name keeps hand-written SQL simple.
    __tablename__ = "locality_group"
    __table_args__ = (UniqueConstraint("locality_pk", "id"),)

    pk: int | None = Field(default=None, primary_key=True)
    locality_pk: int = Field(foreign_key="locality.pk", ondelete="CASCADE", index=True)
    id: str = Field(max_length=ID_MAX)
    name: str = Field(max_length=NAME_MAX)
    type: str = Field(max_length=WORD_MAX)
    focus: str | None = Field(default=None, max_length=WORD_MAX)
    membership: str | None = Field(default=None, max_length=WORD_MAX)
    meets: str | None = Field(default=None, max_length=WORD_MAX)
    meetings_per_year: float | None = None
    hours: float | None = None
    external: bool = False
    area: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    school_pk: int | None = Field(default=None, foreign_key="agency.pk", ondelete="SET NULL", index=True)
    purpose: str | None = Field(default=None, max_length=TEXT_MAX)
    # The concerns it takes (models.vocab.Concern values), in the file's order.
    handles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    handles_other: str | None = Field(default=None, max_length=NAME_MAX)
    contact: str | None = Field(default=None, max_length=NAME_MAX)
    meeting_pattern: str | None = Field(default=None, max_length=NAME_MAX)
    next_meeting: str | None = Field(default=None, max_length=NAME_MAX)
    venue: str | None = Field(default=None, max_length=NAME_MAX)
    note: str | None = Field(default=None, max_length=TEXT_MAX)

    locality: Locality = Relationship(back_populates="groups")
    school: Agency | None = Relationship()
    memberships: list["Membership"] = Relationship(
        back_populates="group", cascade_delete=True, sa_relationship_kwargs={"order_by": "Membership.position"}
    )


class Membership(SQLModel, table=True):
    """A person's seat on a group: the link model, with the seat's role."""

    group_pk: int = Field(foreign_key="locality_group.pk", ondelete="CASCADE", primary_key=True)
    person_pk: int = Field(foreign_key="person.pk", ondelete="CASCADE", primary_key=True, index=True)
    role: str = Field(default="member", max_length=WORD_MAX)
    attendance: float | None = None
    note: str | None = Field(default=None, max_length=TEXT_MAX)
    #: Order of the seat in the group's member list, as written in the file.
    position: int = 0

    group: Group = Relationship(back_populates="memberships")
    person: Person = Relationship(back_populates="memberships")


class GroupLink(SQLModel, table=True):
    """A directed route from one group to another, of one kind."""

    __tablename__ = "group_link"
    __table_args__ = (
        UniqueConstraint("locality_pk", "id"),
        UniqueConstraint("from_group_pk", "to_group_pk", "kind"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    locality_pk: int = Field(foreign_key="locality.pk", ondelete="CASCADE", index=True)
    id: str = Field(max_length=160)
    from_group_pk: int = Field(foreign_key="locality_group.pk", ondelete="CASCADE", index=True)
    to_group_pk: int = Field(foreign_key="locality_group.pk", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=WORD_MAX)
    note: str | None = Field(default=None, max_length=TEXT_MAX)

    locality: Locality = Relationship(back_populates="links")
    from_group: Group = Relationship(sa_relationship_kwargs={"foreign_keys": "GroupLink.from_group_pk"})
    to_group: Group = Relationship(sa_relationship_kwargs={"foreign_keys": "GroupLink.to_group_pk"})


class User(SQLModel, table=True):
    """Someone who may use the service: a viewer, an editor or an admin."""

    __tablename__ = "app_user"

    pk: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=ID_MAX, unique=True, index=True)
    role: str = Field(max_length=WORD_MAX)
    password_hash: str | None = Field(default=None, max_length=300)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    grants: list["UserGrant"] = Relationship(back_populates="user", cascade_delete=True)
    tokens: list["ApiToken"] = Relationship(back_populates="user", cascade_delete=True)


class UserGrant(SQLModel, table=True):
    """An editor's right to change one locality (kept by slug, so it survives re-imports)."""

    __tablename__ = "user_grant"

    user_pk: int = Field(foreign_key="app_user.pk", ondelete="CASCADE", primary_key=True)
    locality: str = Field(max_length=ID_MAX, primary_key=True)

    user: User = Relationship(back_populates="grants")


class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256 digest."""

    __tablename__ = "api_token"

    pk: int | None = Field(default=None, primary_key=True)
    user_pk: int = Field(foreign_key="app_user.pk", ondelete="CASCADE", index=True)
    digest: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(default="api", max_length=WORD_MAX)  # "api" or "session"
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked: bool = False

    user: User = Relationship(back_populates="tokens")


class AuditLogEntry(SQLModel, table=True):
    """Who changed what, when, with the entry before and after.

    Kept by names rather than keys so the history outlives the rows it
    describes; erasing a person rewrites their traces here too.
    """

    __tablename__ = "audit_log"

    pk: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user: str | None = Field(default=None, max_length=ID_MAX)
    action: str = Field(max_length=WORD_MAX)
    locality: str | None = Field(default=None, max_length=ID_MAX, index=True)
    entity: str = Field(max_length=WORD_MAX)
    entity_id: str | None = Field(default=None, max_length=200, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))


class Snapshot(SQLModel, table=True):
    """A dated copy of a locality's document, for change over time."""

    pk: int | None = Field(default=None, primary_key=True)
    locality: str = Field(max_length=ID_MAX, index=True)
    label: str = Field(max_length=NAME_MAX)
    taken_at: datetime = Field(default_factory=utcnow)
    user: str | None = Field(default=None, max_length=ID_MAX)
    revision: int = 0
    document: dict = Field(sa_column=Column(JSON, nullable=False))


class ErasureRecord(SQLModel, table=True):
    """A person erased from a locality, kept only as a keyed digest of their id.

    A restore from a backup taken before the erasure applies it again, so a
    person once erased stays erased; the digest names no one.
    """

    __tablename__ = "erasure"

    pk: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    locality: str = Field(max_length=ID_MAX, index=True)
    person_digest: str = Field(max_length=64, index=True)


class SignInAttempt(SQLModel, table=True):
    """A failed sign-in, kept for a short window so every worker process counts the same attempts."""

    __tablename__ = "sign_in_attempt"

    pk: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=200, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class Census(SQLModel, table=True):
    """One round of the census of one locality; at most one is open at a time."""

    __table_args__ = (UniqueConstraint("locality", "number"),)

    pk: int | None = Field(default=None, primary_key=True)
    #: The locality's id (kept by slug, like grants and snapshots, so it outlives re-imports).
    locality: str = Field(max_length=ID_MAX, index=True)
    #: 1 for a locality's first census, 2 for its second, ...
    number: int
    opened_at: datetime = Field(default_factory=utcnow)
    opened_by: str | None = Field(default=None, max_length=ID_MAX)
    #: When every link stops working, closed or not.
    expires_at: datetime
    closed_at: datetime | None = None
    #: The locality's revision when the census opened: the structure people were asked to confirm.
    revision: int = 0
    #: Random salt of the ballot keys of this census.
    salt: str = Field(max_length=64)
    #: The history entry of the corrections applied from it, once applied.
    applied_change: int | None = None


class CensusLink(SQLModel, table=True):
    """One person's personal link to a census, and their answers about the structure."""

    __tablename__ = "census_link"
    __table_args__ = (UniqueConstraint("census_pk", "person_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    census_pk: int = Field(foreign_key="census.pk", ondelete="CASCADE", index=True)
    person_id: str = Field(max_length=ID_MAX)
    #: The person's agency when the census opened, for response rates by agency.
    agency_id: str | None = Field(default=None, max_length=ID_MAX)
    #: The groups the person was recorded on when the census opened, in the locality's order.
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The link's secret; the address is ``/localities/<slug>/census/<token>``.
    token: str | None = Field(default=None, max_length=64)
    #: SHA-256 of the token, looked up for every visit.
    digest: str | None = Field(default=None, max_length=64, unique=True, index=True)
    revoked: bool = False
    answered_at: datetime | None = None
    #: :class:`StructureAnswers` as JSON, once answered.
    answers: dict | None = Field(default=None, sa_column=Column(JSON))


class CensusBallot(SQLModel, table=True):
    """One respondent's ratings, kept apart from who they are (see the module's note)."""

    __tablename__ = "census_ballot"
    __table_args__ = (UniqueConstraint("census_pk", "key"),)

    pk: int | None = Field(default=None, primary_key=True)
    census_pk: int = Field(foreign_key="census.pk", ondelete="CASCADE", index=True)
    key: str = Field(max_length=64)
    #: The respondent's agency, for the advantage/inertia balance by agency (shown only for 3 or more).
    agency_id: str | None = Field(default=None, max_length=ID_MAX)
    balance: int | None = None
    #: Where they take a worry about a child: a group's id, ``person`` (a person, not a meeting) or ``unsure``.
    worry_to: str | None = Field(default=None, max_length=ID_MAX)
    #: ``{group_id: {statement: step}}``.
    ratings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
