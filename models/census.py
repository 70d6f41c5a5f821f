"""The member census: its scales and the answers a respondent may send.

A census asks the people recorded on a locality's groups to confirm their
seats and to say how the system works for them.  Its tables
(:mod:`models.tables`) keep two parts apart on purpose:

* :class:`~models.tables.CensusLink` is one person's personal link and the answers that
  correct the structure (seats left, how often they attend, meetings that
  are missing).  These name the person, as the map itself does.
* :class:`~models.tables.CensusBallot` holds the ratings and the advantage/inertia answer.
  It carries no person, no link key and no time: its ``key`` is a keyed
  digest of the link's token, so only someone holding the token (the
  respondent) finds their own ballot again.  Results show ballots only in
  aggregate, and never for fewer respondents than the setting allows.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField

from .document import Id, ShortText
from .vocab import ATTENDANCE_SHARES, STATEMENTS

Step = Annotated[int, PydanticField(ge=0, le=3)]
BalanceStep = Annotated[int, PydanticField(ge=-2, le=2)]


def _offered_share(value: float) -> float:
    if value not in {share for share, _ in ATTENDANCE_SHARES}:
        raise ValueError("must be one of 0, 0.25, 0.5, 0.75 or 1 (the share of meetings attended)")
    return value


Share = Annotated[
    float,
    AfterValidator(_offered_share),
    PydanticField(json_schema_extra={"enum": [share for share, _ in ATTENDANCE_SHARES]}),
]


# ---------------------------------------------------------------- what a respondent sends


class SeatAnswer(BaseModel):
    """A group the person is recorded on: still attend or left, how often, how long."""

    model_config = ConfigDict(extra="forbid")

    group: Id
    status: Literal["attend", "left"] | None = None
    attendance: Share | None = PydanticField(None, description="Share of the group's meetings they attend.")
    hours: float | None = PydanticField(None, ge=0.25, le=12, description="How long its meetings last, in hours.")


class MissingMeeting(BaseModel):
    """A meeting they attend that the map does not show them on: one of the locality's groups, or a new one."""

    model_config = ConfigDict(extra="forbid")

    group: Id | None = None
    name: ShortText | None = None

    @model_validator(mode="after")
    def _one_of(self) -> MissingMeeting:
        if (self.group is None) == (not self.name):
            raise ValueError("name one of the locality's groups, or describe a new meeting, not both")
        return self


class GroupRating(BaseModel):
    """One group on the four statements (each optional)."""

    model_config = ConfigDict(extra="forbid")

    group: Id
    purpose: Step | None = None
    connections: Step | None = None
    acted_on: Step | None = None
    worth: Step | None = None

    def steps(self) -> dict[str, int]:
        return {k: v for k in STATEMENTS if (v := getattr(self, k)) is not None}


class StructureAnswers(BaseModel):
    """The answers that correct the map; stored with the person's link."""

    model_config = ConfigDict(extra="forbid")

    seats: list[SeatAnswer] = PydanticField(default_factory=list, max_length=200)
    missing: list[MissingMeeting] = PydanticField(default_factory=list, max_length=50)


class CensusAnswers(StructureAnswers):
    """Everything a respondent sends: the structure answers, then the ratings kept apart."""

    ratings: list[GroupRating] = PydanticField(default_factory=list, max_length=250)
    balance: BalanceStep | None = None
    worry_to: Annotated[str, PydanticField(max_length=64)] | None = None
