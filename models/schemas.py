"""Request and response schemas of the API.

Create and public schemas are the ``locmap/1`` document entries themselves,
so the API and the file format say the same thing; update schemas make every
field optional and forbid unknown ones (nobody can set an id, a role or an
audit field through them).  None of these is a table model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .document import (
    Agency,
    Concerns,
    Contact,
    Flag,
    Group,
    Id,
    Link,
    LocalityInfo,
    MeetingDate,
    Member,
    Name,
    Number,
    Person,
    ShortText,
    Text,
)
from .vocab import Boundary, DevolvedFunding, Focus, GroupType, LinkKind, Meets, MemberRole, MembershipRule, Sector

T = TypeVar("T")


class _Update(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgencyCreate(Agency):
    pass


class AgencyPublic(Agency):
    pass


class AgencyUpdate(_Update):
    name: Name | None = None
    sector: Sector | None = None
    school: Flag | None = None
    note: Text | None = None


class PersonCreate(Person):
    pass


class PersonPublic(Person):
    pass


class PersonUpdate(_Update):
    name: Name | None = None
    role: ShortText | None = None
    agency: Id | None = None
    systems_minder: Flag | None = None
    service_user_rep: Flag | None = None
    local: Flag | None = None
    hours_per_week: Number | None = Field(None, gt=0, le=100)
    note: Text | None = None


class GroupCreate(Group):
    pass


class GroupPublic(Group):
    pass


class GroupUpdate(_Update):
    """Changes to a group; its members are changed through ``/members``."""

    name: Name | None = None
    type: GroupType | None = None
    focus: Focus | None = None
    membership: MembershipRule | None = None
    meets: Meets | None = None
    meetings_per_year: Number | None = Field(None, ge=0, le=366)
    hours: Number | None = Field(None, gt=0, le=24)
    external: Flag | None = None
    area: list[Id] | None = None
    school: Id | None = None
    purpose: Text | None = None
    handles: Concerns | None = None
    handles_other: ShortText | None = None
    contact: Contact | None = None
    meeting_pattern: ShortText | None = None
    next_meeting: MeetingDate | None = None
    venue: ShortText | None = None
    note: Text | None = None


class LinkCreate(Link):
    pass


class LinkPublic(Link):
    pass


class LinkUpdate(_Update):
    kind: LinkKind | None = None
    note: Text | None = None


class MemberCreate(Member):
    pass


class MemberPublic(Member):
    name: str | None = Field(None, description="The person's name, for display.")


class MemberUpdate(_Update):
    role: MemberRole | None = None
    attendance: Number | None = Field(None, ge=0, le=1)
    note: Text | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class LocalitySummary(BaseModel):
    id: str
    name: str
    authority: str
    boundary: Boundary
    agencies: int
    people: int
    groups: int
    links: int
    memberships: int
    updated_at: datetime


class LocalityPublic(LocalityInfo):
    revision: int
    created_at: datetime
    updated_at: datetime
    agencies: int
    people: int
    groups: int
    links: int
    memberships: int
    devolved_funding: DevolvedFunding = DevolvedFunding.none


class AuditLogPublic(BaseModel):
    id: int
    at: datetime
    user: str | None
    action: str
    locality: str | None
    entity: str
    entity_id: str | None
    before: dict | None
    after: dict | None

    @classmethod
    def of(cls, entry) -> AuditLogPublic:
        """The public form of a stored audit-log entry (its ``pk`` is the ``id``)."""
        fields = ("at", "user", "action", "locality", "entity", "entity_id", "before", "after")
        return cls(id=entry.pk, **{name: getattr(entry, name) for name in fields})


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Id
    role: str = Field(pattern="^(viewer|editor|admin)$")
    localities: list[Id] = Field(default_factory=list)
    password: str | None = Field(None, min_length=10, max_length=200)


class UserPublic(BaseModel):
    name: str
    role: str
    active: bool
    localities: list[str]
    created_at: datetime


class UserCreated(UserPublic):
    token: str = Field(description="The new API token, shown only once.")


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Problem(BaseModel):
    loc: str
    msg: str


class ValidationProblems(BaseModel):
    detail: list[Problem]


class Message(BaseModel):
    detail: str
