"""The controlled vocabularies of the ``locmap/1`` format.

Every closed list of words a locality file may use lives here, with the
defaults that follow from the evaluation report's glossary of group kinds
(Glenny 2005, Appendix ONE).  The web, database and analysis layers all take
their words from this module, so a vocabulary is changed in one place.
"""

from __future__ import annotations

import re
from enum import StrEnum

FORMAT_VERSION = "locmap/1"


class Boundary(StrEnum):
    """How clearly the locality is bounded (report section 2.1)."""

    clear = "clear"
    partial = "partial"
    unclear = "unclear"


class DevolvedFunding(StrEnum):
    """Flexible funding held at locality level (report sections 3.11, 5.1).

    ``project``: only short-term project funding, bid for or granted for one
    initiative ("a small amount of project funding to support local
    initiatives", 5.1); ``small``: a small flexible budget held by the
    locality; ``substantial``: flexible funding drawn down from several
    streams, as the City's (5.1).
    """

    none = "none"
    project = "project"
    small = "small"
    substantial = "substantial"


class Sector(StrEnum):
    """The sector an agency belongs to."""

    education = "education"
    social_care = "social_care"
    health = "health"
    mental_health = "mental_health"
    voluntary = "voluntary"
    police = "police"
    youth = "youth"
    community = "community"
    local_authority = "local_authority"
    housing = "housing"
    other = "other"


class GroupType(StrEnum):
    """The declared kind of a group (report Appendix ONE)."""

    steering_group = "steering_group"
    network = "network"
    forum = "forum"
    core_group = "core_group"
    working_group = "working_group"
    panel = "panel"
    school_consultation_team = "school_consultation_team"
    multi_agency_support_team = "multi_agency_support_team"
    partnership = "partnership"
    hub = "hub"
    strategic_centre = "strategic_centre"
    other = "other"


class Focus(StrEnum):
    """What a group's conversations are about (report section 3.3).

    ``upstream``: environments in which fewer children have difficulties;
    ``downstream``: casework around children in difficulty; ``both``: the two
    in the same place; ``strategic``: direction and resources for the system.
    """

    upstream = "upstream"
    downstream = "downstream"
    both = "both"
    strategic = "strategic"


class MembershipRule(StrEnum):
    """Who may join a group."""

    open = "open"
    representative = "representative"
    fixed = "fixed"


class Meets(StrEnum):
    """How often a group meets."""

    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"
    half_termly = "half_termly"
    bimonthly = "bimonthly"
    termly = "termly"
    annually = "annually"
    ad_hoc = "ad_hoc"


class MemberRole(StrEnum):
    """A person's role within one group."""

    chair = "chair"
    coordinator = "coordinator"
    member = "member"
    representative = "representative"
    key_worker = "key_worker"
    consultant = "consultant"
    secretary = "secretary"


class LinkKind(StrEnum):
    """How one group passes issues, cases or direction to another."""

    reports_to = "reports_to"
    feeds_issues_to = "feeds_issues_to"
    refers_cases_to = "refers_cases_to"
    commissions = "commissions"
    oversees = "oversees"
    consults = "consults"


class Concern(StrEnum):
    """A kind of worry about a child that a group takes (``groups[].handles``).

    Grouped as the referral forms of the pilots grouped children's needs,
    after Oxfordshire's threshold-of-need matrix (report 4.2 and Appendix
    THREE, table 7): development, education, emotional and behavioural
    development, family and social relationships, parenting capacity, and
    the level-four needs.
    """

    behaviour = "behaviour"
    attendance = "attendance"
    emotional_mental_health = "emotional_mental_health"
    learning_sen = "learning_sen"
    family_support = "family_support"
    child_protection = "child_protection"
    domestic_violence = "domestic_violence"
    health = "health"
    substance_misuse = "substance_misuse"
    offending = "offending"
    youth_community = "youth_community"
    housing = "housing"


#: Each concern in words, for pages, routes and the search.
CONCERN_LABELS: dict[str, str] = {
    "behaviour": "Behaviour",
    "attendance": "Attendance and punctuality",
    "emotional_mental_health": "Emotional and mental health",
    "learning_sen": "Learning and special educational needs",
    "family_support": "Family support and parenting",
    "child_protection": "Child protection concerns",
    "domestic_violence": "Domestic violence",
    "health": "Health",
    "substance_misuse": "Substance misuse and self-harm",
    "offending": "Offending and anti-social behaviour",
    "youth_community": "Youth and community",
    "housing": "Housing",
}

#: Words people use for each concern, so a search or a route asked in their
#: words finds it: the referral forms' own phrases first (Appendix THREE,
#: table 7), then everyday synonyms.  Lower case; a search matches whole words.
#: Job-role codes whose words are more than the code with spaces (the common roles, mostly acronyms).
JOB_ROLE_WORDS = {
    "senco": "SENCO",
    "hsclw": "Home-school link worker (HSCLW)",
    "gp": "GP",
    "camhs_clinician": "CAMHS clinician",
    "yot_officer": "YOT officer",
    "la_lead_officer": "LA lead officer",
    "iss_coordinator": "ISS co-ordinator",
    "parent_rep": "Parent representative",
    "voluntary_sector": "Voluntary sector worker",
}
#: Parts of a job-role code written in capitals ("camhs_worker" reads "CAMHS worker").
ROLE_ACRONYMS = frozenset(
    {"senco", "hsclw", "gp", "camhs", "pcamhs", "yot", "la", "iss", "sebd", "esw", "sen", "send", "pct", "nhs", "pa"}
)
_ROLE_CODE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


def job_role_words(role: str) -> str:
    """A person's job role in words: ``head_teacher`` reads "Head teacher", ``la_lead_officer``
    "LA lead officer"; a role typed in words is left as typed."""
    if role in JOB_ROLE_WORDS:
        return JOB_ROLE_WORDS[role]
    if not _ROLE_CODE.match(role):
        return role
    text = " ".join(w.upper() if w in ROLE_ACRONYMS else w for w in role.split("_"))
    return text[:1].upper() + text[1:]


CONCERN_WORDS: dict[str, tuple[str, ...]] = {
    "behaviour": ("behaviour", "behavior", "disruptive", "challenging", "anger", "conduct", "bsa"),
    "attendance": ("attendance", "punctuality", "truancy", "absence", "esw", "education welfare"),
    "emotional_mental_health": (
        "emotional",
        "mental health",
        "wellbeing",
        "anxiety",
        "depression",
        "camhs",
        "pcamhs",
        "counselling",
    ),
    "learning_sen": (
        "learning",
        "sen",
        "send",
        "special educational needs",
        "statement",
        "disaffection",
        "underachievement",
        "exclusion",
        "senco",
    ),
    "family_support": ("family", "parenting", "parents", "carer", "family centre", "family group conference"),
    "child_protection": ("child protection", "safeguarding", "abuse", "neglect", "harm", "unsafe"),
    "domestic_violence": ("domestic violence", "domestic abuse"),
    "health": ("health", "diet", "hygiene", "appointments", "nurse", "health visitor", "gp"),
    "substance_misuse": ("substance", "drugs", "alcohol", "self-harm", "self harm", "self harming"),
    "offending": ("offending", "anti-social", "antisocial", "crime", "police", "youth offending", "yot"),
    "youth_community": ("youth", "community", "young people", "youth work", "leisure"),
    "housing": ("housing", "homeless", "tenancy"),
}


#: Each kind of group in words, for pages, maps and reports.
GROUP_TYPE_LABELS: dict[str, str] = {
    "steering_group": "Steering group",
    "network": "Network",
    "forum": "Forum",
    "core_group": "Core group",
    "working_group": "Working group",
    "panel": "Panel",
    "school_consultation_team": "School consultation team",
    "multi_agency_support_team": "Multi-agency support team",
    "partnership": "Partnership",
    "hub": "Hub",
    "strategic_centre": "Local-authority strategic group",
    "other": "Other group",
}

#: Focus a group has when its file does not say, following the glossary:
#: steering groups and core groups steer; networks, forums and hubs host both
#: conversations; SCTs work on systemic change for a school; panels and MASTs
#: take cases.
DEFAULT_FOCUS: dict[GroupType, Focus | None] = {
    GroupType.steering_group: Focus.strategic,
    GroupType.network: Focus.both,
    GroupType.forum: Focus.both,
    GroupType.core_group: Focus.strategic,
    GroupType.working_group: Focus.strategic,
    GroupType.panel: Focus.downstream,
    GroupType.school_consultation_team: Focus.upstream,
    GroupType.multi_agency_support_team: Focus.downstream,
    GroupType.partnership: Focus.upstream,
    GroupType.hub: Focus.both,
    GroupType.strategic_centre: Focus.strategic,
    GroupType.other: None,
}

#: Meetings a year for each frequency.  English schools meet in 39 term-time
#: weeks over 6 half terms and 3 terms; multi-agency meetings follow that year.
#: ``ad_hoc`` has no regular count: give ``meetings_per_year`` for an estimate.
MEETINGS_PER_YEAR: dict[Meets, float | None] = {
    Meets.weekly: 39,
    Meets.fortnightly: 19,
    Meets.monthly: 11,
    Meets.half_termly: 6,
    Meets.bimonthly: 6,
    Meets.termly: 3,
    Meets.annually: 1,
    Meets.ad_hoc: None,
}

#: Words in an education agency's name that mark it as a school when the file
#: marks no agency ``school: true`` (whole words, any case).
SCHOOL_NAME_WORDS = frozenset({"school", "academy", "primary", "secondary", "infant", "junior", "college", "high"})

#: Working weeks a year, used to turn ``hours_per_week`` into hours a year.
WORKING_WEEKS_PER_YEAR = 46

#: Every vocabulary by the field name that uses it, for documentation.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "locality.boundary": Boundary,
    "locality.devolved_funding": DevolvedFunding,
    "agencies[].sector": Sector,
    "groups[].type": GroupType,
    "groups[].focus": Focus,
    "groups[].membership": MembershipRule,
    "groups[].meets": Meets,
    "groups[].handles": Concern,
    "groups[].members[].role": MemberRole,
    "links[].kind": LinkKind,
}


# ---------------------------------------------------------------- the member census's scales
# Plain constants beside the other closed lists, so the analyses read them
# without building the census's answer models (models.census).

#: The report's four-step scale (Table 1), as the respondent's page offers it: value, plain words, report words.
STEPS: tuple[tuple[int, str, str], ...] = (
    (3, "Yes, clearly", "strongly evident"),
    (2, "Mostly", "evident"),
    (1, "Only a little", "emergent but not significant"),
    (0, "No", "not evident"),
)

#: The four statements asked of each group, by key, in the order asked.
STATEMENTS: dict[str, str] = {
    "purpose": "I know what this meeting is for",
    "connections": "I know how it connects to the other meetings",
    "acted_on": "Issues raised here are acted on",
    "worth": "It is worth the time it takes",
}

#: "Working across agencies here mostly feels like ..." (report 5.1), from advantage (2) to inertia (-2).
BALANCE: tuple[tuple[int, str], ...] = (
    (2, "collaborative advantage: together we achieve what none of us could alone"),
    (1, "more advantage than inertia"),
    (0, "about as much advantage as inertia"),
    (-1, "more inertia than advantage"),
    (-2, "collaborative inertia: slow, hard going, little to show for it"),
)

#: Share of a group's meetings a respondent says they attend, as offered on the page.
ATTENDANCE_SHARES: tuple[tuple[float, str], ...] = (
    (1.0, "all or nearly all"),
    (0.75, "most"),
    (0.5, "about half"),
    (0.25, "a few"),
    (0.0, "none lately"),
)
