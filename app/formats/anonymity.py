"""k-anonymity for people's posts: generalise (role, agency) until k people share each.

A person's job role and agency together name a post ("senco" at "Lord
Williams's School"), and in a locality of twenty people almost every post is
held by one person.  :func:`generalise` finds, for each person, what an
export may say of their post so that every published (role, agency) pair is
held by at least ``k`` people.  Each person climbs a ladder of
:data:`LEVELS`, one rung at a time, until their pair is shared by ``k``:

0. ``kept``: the role and the agency as recorded;
1. ``role_family``: the role becomes its family (:func:`role_family`:
   "senco" and "head_teacher" are both ``school_staff``);
2. ``agency_sector``: the agency becomes its sector class, the sector and
   whether it is a school (:class:`AgencyClass`);
3. ``role_suppressed``: the role is left out, the sector class kept;
4. ``suppressed``: both are left out.

People are generalised only as far as they need: the pairs still held by
fewer than ``k`` people climb a rung, then the counts are taken again.  A
pair that reaches ``k`` is never broken up later (the people who climb past
it only leave pairs held by fewer than ``k``), so at the end every published
pair is held by at least ``k`` people, apart from the suppressed.  This is
local recoding in the sense of Samarati and Sweeney: two people in the same
post may be published at different rungs only if their pairs differed to
begin with.

:data:`DEFAULT_K` is 3: a locality has some twenty people in a dozen
agencies, so 5 would suppress nearly every post in the sample localities,
while 3 is the smallest group in which no member is singled out by elimination
once one other member is known (with ``k = 2`` knowing your own post tells
you your colleague's).  Researchers with larger localities can ask for more.

The pairs are the only quasi-identifiers treated here: seats, hours and the
flags (systems minder, service users' representative) stay as they are,
because the audit needs them; :mod:`app.formats.pseudonym` lists what that
leaves for a reader to check.

References
----------
Sweeney, L. (2002).  k-anonymity: a model for protecting privacy.
*International Journal of Uncertainty, Fuzziness and Knowledge-Based Systems*
10(5), 557-570.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from models.document import Agency, LocalityDocument, looks_like_school

#: The smallest number of people who must share a published (role, agency).
DEFAULT_K = 3
#: The rungs of the ladder, from the least to the most general.
LEVELS = ("kept", "role_family", "agency_sector", "role_suppressed", "suppressed")
#: What each rung publishes of a post, in words for an export's header.
LEVEL_WORDS = {
    "kept": "kept as recorded",
    "role_family": "with the role as its family",
    "agency_sector": "with the role as its family and the agency as its sector",
    "role_suppressed": "with the role left out and the agency as its sector",
    "suppressed": "with role and agency both left out",
}

#: Role families, each with the words of a role that place it there, tried in
#: this order (the first family with a matching word wins): representatives
#: before everything (a "parent_rep" is not staff), mental health before
#: health ("camhs_clinician"), school staff before education support and
#: health ("primary_mental_health_worker" is not a school post, so "primary"
#: marks health only after mental health), housing before support
#: ("tenancy_support_officer"), management last ("social_care_manager" is
#: social care).
ROLE_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "representative",
        frozenset({"rep", "representative", "parent", "pupil", "councillor", "young", "carer"}),
    ),
    ("mental_health", frozenset({"camhs", "pcamhs", "mental", "psychiatrist", "counsellor"})),
    (
        "school_staff",
        frozenset(
            {
                "teacher",
                "teaching",
                "senco",
                "mentor",
                "deputy",
                "year",
                "safeguarding",
                "inclusion",
                "hsclw",
                "schools",
            }
        ),
    ),
    (
        "education_support",
        frozenset(
            {"psychologist", "esw", "education", "educational", "behaviour", "sebd", "connexions", "early", "cluster"}
        ),
    ),
    (
        "health",
        frozenset(
            {
                "health",
                "nurse",
                "practitioner",
                "gp",
                "midwife",
                "paediatrician",
                "clinician",
                "primary",
                "visitor",
                "therapist",
            }
        ),
    ),
    ("housing", frozenset({"housing", "tenancy"})),
    (
        "social_care_and_family_support",
        frozenset({"social", "family", "childrens", "centre", "outreach", "support", "key"}),
    ),
    ("youth_and_community", frozenset({"youth", "community", "voluntary", "volunteer", "development"})),
    ("police_and_justice", frozenset({"police", "yot", "offending", "probation"})),
    (
        "management_and_coordination",
        frozenset({"la", "council", "officer", "director", "manager", "coordinator", "lead", "consultant", "service"}),
    ),
)
OTHER_FAMILY = "other"


def role_family(role: str | None) -> str | None:
    """The family of a job role: a coarser role that many posts share.

    Parameters
    ----------
    role : str or None
        A person's ``role``, free text such as ``"senco"`` or ``"Head of Year 7"``.

    Returns
    -------
    str or None
        The first family of :data:`ROLE_FAMILIES` one of whose words is a
        word of the role (any case, split at anything but letters and
        digits), :data:`OTHER_FAMILY` when none is, None for no role.
    """
    if role is None or not role.strip():
        return None
    words = set(re.split(r"[\W_]+", role.casefold()))
    for family, markers in ROLE_FAMILIES:
        if words & markers:
            return family
    return OTHER_FAMILY


@dataclass(frozen=True)
class AgencyClass:
    """What is left of an agency generalised to its sector: the sector and whether it is a school."""

    sector: str
    school: bool

    @property
    def label(self) -> str:
        """The class in words, as the name of a stand-in agency: "Schools", "Health agencies"."""
        if self.school:
            return "Schools"
        if self.sector == "education":
            return "Education services"
        return f"{self.sector.replace('_', ' ').capitalize()} agencies"


@dataclass(frozen=True)
class Published:
    """What an export may say of one person's post."""

    role: str | None
    #: The agency's id when kept, an :class:`AgencyClass` when generalised, None when suppressed.
    agency: str | AgencyClass | None
    level: str

    @property
    def suppressed(self) -> bool:
        return self.role is None and self.agency is None


@dataclass(frozen=True)
class Generalisation:
    """The outcome of :func:`generalise`: each person's published post, and how far each was taken."""

    k: int
    people: dict[str, Published]

    @property
    def levels(self) -> dict[str, int]:
        """How many people ended on each rung of :data:`LEVELS`, in ladder order."""
        counts = Counter(p.level for p in self.people.values())
        return {level: counts[level] for level in LEVELS}

    def summary(self) -> str:
        """The generalisation in one sentence, for an export's header: ``k`` and how many posts end on each rung."""
        parts = [f"{n} {LEVEL_WORDS[level]}" for level, n in self.levels.items() if n]
        return (
            f"(role, agency) generalised until each published pair is held by at least {self.k} people "
            f"(k = {self.k}); "
            f"of {len(self.people)} posts: {'; '.join(parts) or 'nobody to generalise'}."
        )


def school_ids(agencies: Iterable[Agency]) -> set[str]:
    """The agencies the audit treats as schools: those marked so, or, if none is, those named like one."""
    agencies = list(agencies)
    if any(a.school for a in agencies):
        return {a.id for a in agencies if a.school}
    return {a.id for a in agencies if looks_like_school(a)}


def _rung(level: int, role: str | None, agency: str | None, classes: dict[str, AgencyClass]) -> Published:
    name = LEVELS[level]
    if level == 0:
        return Published(role, agency, name)
    family = role_family(role)
    sector = classes[agency] if agency is not None else None
    if level == 1:
        return Published(family, agency, name)
    if level == 2:
        return Published(family, sector, name)
    if level == 3:
        return Published(None, sector, name)
    return Published(None, None, name)


def generalise(document: LocalityDocument, k: int = DEFAULT_K) -> Generalisation:
    """Generalise each person's (role, agency) until every published pair is held by ``k`` people.

    Parameters
    ----------
    document : LocalityDocument
    k : int, default :data:`DEFAULT_K`
        The smallest number of people who may share a published pair; at
        least 1 (1 changes nothing).

    Returns
    -------
    Generalisation
        Each person's :class:`Published` post, by person id.

    Notes
    -----
    The ladder and why it ends at every pair held by ``k`` are in the
    module docstring.  The result depends only on the people's roles and
    agencies, not on their order.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, not {k!r}")
    schools = school_ids(document.agencies)
    classes = {a.id: AgencyClass(a.sector.value, a.id in schools) for a in document.agencies}
    posts = {p.id: (p.role, p.agency) for p in document.people}
    level = dict.fromkeys(posts, 0)
    published = {pid: _rung(0, *post, classes) for pid, post in posts.items()}
    while True:
        held = Counter((p.role, p.agency) for p in published.values())
        short = [pid for pid, p in published.items() if not p.suppressed and held[(p.role, p.agency)] < k]
        if not short:
            return Generalisation(k, published)
        for pid in short:
            level[pid] += 1
            published[pid] = _rung(level[pid], *posts[pid], classes)
