"""The ``locmap/1`` locality document: one locality's communication system.

These pydantic models are the file format (YAML or JSON, same structure) and
the exchange format of the API.  They check each field on its own; checks
that span sections (references, duplicate ids) live in
:mod:`models.validation`, which also turns every problem into a located
message.  This module has no database or web dependency, so the analysis
layer can read documents without pulling either in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

from .vocab import (
    DEFAULT_FOCUS,
    MEETINGS_PER_YEAR,
    SCHOOL_NAME_WORDS,
    Boundary,
    Concern,
    DevolvedFunding,
    Focus,
    GroupType,
    LinkKind,
    Meets,
    MemberRole,
    MembershipRule,
    Sector,
)

ID_PATTERN = r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$"
ID_RE = re.compile(ID_PATTERN)

#: Longest name and longest free text a document accepts.
NAME_MAX = 200
TEXT_MAX = 4000


#: Newline and tab, which free text may hold, made printable for the fast check.
_TEXT_SPACING = str.maketrans("\n\t", "  ")


def _hidden_character(value: str, allowed: str = "") -> str | None:
    """The first control or formatting character of ``value`` outside ``allowed``, or None."""
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf"):
            return ch
    return None


def _reject_hidden_characters(value: str) -> str:
    """Refuse control and bidirectional-override characters.

    They let a name look like something else in a table, a terminal or a map
    (CVE-2021-42574, "Trojan Source"); newlines and tabs are allowed only in
    free text, which goes through :func:`_reject_hidden_in_text`.
    """
    # isprintable() is False for every Cc and Cf character, and runs in C: the
    # character-by-character search runs only for the rare string it flags.
    if value.isprintable():
        return value
    ch = _hidden_character(value)
    if ch is not None:
        raise ValueError(f"contains a control or formatting character (U+{ord(ch):04X})")
    return value


def _reject_hidden_in_text(value: str) -> str:
    if value.translate(_TEXT_SPACING).isprintable():
        return value
    ch = _hidden_character(value, "\n\t")
    if ch is not None:
        raise ValueError(f"contains a control or formatting character (U+{ord(ch):04X})")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _name_check(value: str) -> str:
    """A name: not blank, then no hidden characters (one call per name, not two)."""
    return _reject_hidden_characters(_not_blank(value))


# Every field is strict about its kind: a file's ``true`` is not the number 1,
# nor its ``0.0`` the boolean false, nor ``"2"`` a number.  Whole numbers
# still fill number fields (strict floats accept integers).
Flag = Annotated[bool, Strict()]
Number = Annotated[float, Strict()]

Id = Annotated[
    str,
    Strict(),
    StringConstraints(pattern=ID_PATTERN),
    Field(
        description="Lower-case letters, digits, '-' and '_', 1-64 characters, "
        "starting and ending with a letter or digit.",
        examples=["sct-larkrise"],
    ),
]
LinkId = Annotated[
    str,
    Strict(),
    StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9_-]{0,158}[a-z0-9])?$"),
    Field(description="Like other ids, but up to 160 characters, to hold the default '<from>--<kind>--<to>'."),
]
Name = Annotated[
    str,
    Strict(),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    AfterValidator(_name_check),
]
ShortText = Annotated[
    str,
    Strict(),
    StringConstraints(strip_whitespace=True, max_length=NAME_MAX),
    AfterValidator(_reject_hidden_characters),
]
Text = Annotated[str, Strict(), StringConstraints(max_length=TEXT_MAX), AfterValidator(_reject_hidden_in_text)]


def _real_date(value: str) -> str:
    """A calendar date written YYYY-MM-DD ("2025-02-30" is refused: there is no such day)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ValueError("is not a real date: write the date of the next meeting as YYYY-MM-DD, such as 2025-03-11")


#: A mailbox that names a person: ``jane.smith@`` or ``j_smith@`` (two words joined by a dot or underscore).
_PERSONAL_MAILBOX = re.compile(r"(?<![\w.%+-])([a-z]+)[._]([a-z]+)@", re.IGNORECASE)
#: Words that make such a mailbox an office's, not a person's (``mast.city@``, ``sct_admin@``).
OFFICE_WORDS = frozenset(
    "admin enquiries info office team mast sct iss panel network forum locality service services "
    "school schools reception referrals duty contact hub support city county council".split()
)
CONTACT_WORDS = "contact must be a role or a public office address or phone, never a person's own details"


def _no_personal_mailbox(value: str) -> str:
    """Refuse an email address of a person-looking form: a contact is a role or an office's address."""
    for found in _PERSONAL_MAILBOX.finditer(value):
        if OFFICE_WORDS.isdisjoint(word.lower() for word in found.groups()):
            raise ValueError(
                f"holds an email address that looks like a person's ({found.group(0)}...): {CONTACT_WORDS}"
            )
    return value


def _each_once(value: list) -> list:
    """A list of concerns in which no concern is repeated."""
    seen: set = set()
    for item in value:
        if item in seen:
            raise ValueError(f"lists {str(item)!r} twice: list each kind of concern once")
        seen.add(item)
    return value


MeetingDate = Annotated[
    str,
    Strict(),
    StringConstraints(strip_whitespace=True, max_length=NAME_MAX),
    AfterValidator(_real_date),
    Field(description="A date, YYYY-MM-DD.", examples=["2025-03-11"]),
]
Contact = Annotated[ShortText, AfterValidator(_no_personal_mailbox)]
Concerns = Annotated[list[Concern], AfterValidator(_each_once)]


class _Entry(BaseModel):
    """Common configuration: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, str_strip_whitespace=False)


class LocalityInfo(_Entry):
    """The locality itself: its name, boundary and resources."""

    id: Id = Field(description="Slug used in URLs and on the command line.")
    name: Name
    authority: Name = Field(description="The local authority the locality belongs to.")
    boundary: Boundary = Field(description="How clearly the locality is bounded (report 2.1).")
    devolved_funding: DevolvedFunding = Field(
        DevolvedFunding.none, description="Flexible funding held at locality level (report 3.11)."
    )
    description: Text | None = None
    sources: list[Text] = Field(default_factory=list, description="Free-text citations for the data.")
    note: Text | None = Field(None, description="Assumptions made where the sources are silent.")


class Agency(_Entry):
    """An organisation whose people sit on the locality's groups."""

    id: Id
    name: Name
    sector: Sector
    school: Flag = Field(False, description="The agency is a school.")
    note: Text | None = None


def looks_like_school(agency: Agency) -> bool:
    """Whether an agency reads as a school: sector education and a school word in its name.

    Parameters
    ----------
    agency : Agency

    Returns
    -------
    bool
        True for an education agency whose name holds one of
        :data:`models.vocab.SCHOOL_NAME_WORDS` as a whole word ("Bretch Hill
        primary school", "Cherwell Academy"); False for services such as an
        "Educational Psychology Service", whatever ``school`` says.
    """
    if agency.sector != Sector.education:
        return False
    return not SCHOOL_NAME_WORDS.isdisjoint(re.findall(r"[a-z]+", agency.name.lower()))


class Person(_Entry):
    """Someone who attends groups.  Personal data: prefer a role to a name."""

    id: Id
    name: Name = Field(description="A name or, better, a role description such as 'SENCO, Lord Williams's School'.")
    role: ShortText | None = Field(None, description="Job role, free text such as head_teacher, senco, hsclw.")
    agency: Id | None = Field(None, description="Id of the person's agency.")
    systems_minder: Flag = Field(False, description="Minds the communication system (report 3.8).")
    service_user_rep: Flag = Field(False, description="A parent, young person or community representative.")
    local: Flag = Field(True, description="Works on this patch.")
    hours_per_week: Number | None = Field(None, gt=0, le=100, description="Contracted working hours a week.")
    note: Text | None = None


class Member(_Entry):
    """A person's seat on a group."""

    person: Id
    role: MemberRole = MemberRole.member
    attendance: Number | None = Field(None, ge=0, le=1, description="Share of meetings attended, 0 to 1.")
    note: Text | None = None


class Group(_Entry):
    """A meeting: steering group, network, forum, panel, SCT, MAST, ..."""

    id: Id
    name: Name
    type: GroupType
    focus: Focus | None = Field(None, description="Defaults by type; see docs/format.md.")
    membership: MembershipRule | None = None
    meets: Meets | None = None
    meetings_per_year: Number | None = Field(None, ge=0, le=366, description="Overrides the count implied by 'meets'.")
    hours: Number | None = Field(None, gt=0, le=24, description="Length of one meeting in hours.")
    external: Flag = Field(
        False, description="Belongs to the local authority centre or another body outside the locality."
    )
    area: list[Id] = Field(default_factory=list, description="Ids of the localities the group serves.")
    school: Id | None = Field(None, description="Id of the school agency the group sits in.")
    purpose: Text | None = None
    handles: Concerns = Field(
        default_factory=list, description="The kinds of concern about a child the group takes (see docs/format.md)."
    )
    handles_other: ShortText | None = Field(
        None, description="Other concerns it takes, in words, where the vocabulary has no word for them."
    )
    contact: Contact | None = Field(
        None,
        description="How to bring an item: a role, or a public office address or phone; never a private person's details.",
    )
    meeting_pattern: ShortText | None = Field(
        None, description="When it meets, in words: 'second Tuesday of each month, 12:30-14:00'."
    )
    next_meeting: MeetingDate | None = Field(None, description="The date of the next meeting, YYYY-MM-DD, where known.")
    venue: ShortText | None = None
    members: list[Member] = Field(default_factory=list)
    note: Text | None = None

    @property
    def effective_focus(self) -> Focus | None:
        """The declared focus, or the default for the group's type."""
        return self.focus if self.focus is not None else DEFAULT_FOCUS[self.type]

    @property
    def yearly_meetings(self) -> float | None:
        """Meetings a year: ``meetings_per_year`` if given, else implied by ``meets``."""
        if self.meetings_per_year is not None:
            return self.meetings_per_year
        if self.meets is not None:
            return MEETINGS_PER_YEAR[self.meets]
        return None


class Link(_Entry):
    """A directed route from one group to another."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: LinkId | None = Field(None, description="Defaults to '<from>--<kind>--<to>'.")
    from_: Id = Field(alias="from")
    to: Id
    kind: LinkKind
    note: Text | None = None

    @model_validator(mode="after")
    def _default_id(self) -> Link:
        if self.id is None:
            self.id = default_link_id(self.from_, self.kind, self.to)
        return self


def _tidy_numbers(value):
    """Write 2.0 as 2: whole numbers read better in a hand-edited file."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _tidy_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy_numbers(v) for v in value]
    return value


#: A group's fields that say how to reach it (where, when, whom to ask): no audit, map, chart or
#: comparison reads them, so a change to them alone leaves every analysis as it was
#: (``tests/test_analysed_revision.py`` holds the analyses to that).
DESCRIPTIVE_GROUP_FIELDS = frozenset({"venue", "contact", "meeting_pattern", "next_meeting", "handles_other"})


def default_link_id(from_: str, kind: str, to: str) -> str:
    return f"{from_}--{kind}--{to}"


class LocalityDocument(_Entry):
    """A whole ``locmap/1`` file."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "locmap/1 locality document",
        },
    )

    format: Literal["locmap/1"] = Field(description="The format version; always 'locmap/1'.")
    locality: LocalityInfo
    agencies: list[Agency] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    def to_data(self) -> dict:
        """The document as plain JSON-ready data, in file order, leaving out
        fields that are empty or at their default, as a person would write it."""
        return _tidy_numbers(self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True))


def json_schema() -> dict:
    """The JSON Schema of ``locmap/1``, generated from the models (with the exports' ``provenance``)."""
    schema = LocalityDocument.model_json_schema(by_alias=True, mode="validation")
    schema["properties"]["provenance"] = {
        "type": "object",
        "title": "Provenance",
        "description": "Where an export came from (locmap's version, the input's hash or revision, settings, time):"
        " written by locmap's JSON exports, left out when the file is read.",
    }
    return schema
