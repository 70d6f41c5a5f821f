"""Attendance: the one rule by which a seat counts.

A seat counts in proportion to its attendance, the share of meetings the
member attends (1 when the file does not say).  Every check that counts or
sums seats sums their attendance instead: meeting hours, key workers against
representatives, the share of seats held by local people, the groups a
systems minder reaches, the membership two groups share.  Where a check needs
a yes or no of one person, whether they hold the chair or carry issues
between two groups, the seat must be attended at least :data:`REGULAR` (half
the meetings), and a person carrying something between two groups counts at
the weaker of their two seats.  Abingdon shows why: "The LA leads changed a
number of times over the year, leaving the group rather unsupported"
(Glenny 2005, Appendix 2c).
"""

from __future__ import annotations

from typing import Protocol

#: Share of meetings from which a seat is held regularly (chair, co-ordinator,
#: a person carrying issues between two groups).  Half: a member who misses
#: most meetings cannot be relied on to carry anything.
REGULAR = 0.5


class _Seat(Protocol):
    @property
    def attendance(self) -> float | None: ...


def attendance(seat: _Seat) -> float:
    """A seat's share of meetings attended: its ``attendance``, or 1 when the file does not say."""
    return 1.0 if seat.attendance is None else seat.attendance


def is_regular(weight: float) -> bool:
    """Whether an attended share (one seat, or the weaker of two) reaches :data:`REGULAR`."""
    return weight >= REGULAR
