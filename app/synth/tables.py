"""What the generator draws from: place names, posts and their agencies, themes and kinds of group."""

from __future__ import annotations

import random
import re

_SYLLABLES_A = (
    "Ash",
    "Bram",
    "Brock",
    "Cal",
    "Dun",
    "Elm",
    "Fen",
    "Glen",
    "Hart",
    "Hol",
    "Kes",
    "Lang",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Rad",
    "Sed",
    "Stan",
    "Thorn",
    "Wil",
    "Wych",
    "Yar",
    "Ald",
    "Bex",
    "Cor",
    "Dray",
    "Eas",
    "Fal",
    "Gor",
    "Hun",
    "Ket",
    "Lox",
    "Mel",
    "Ned",
    "Orm",
    "Quen",
    "Rook",
    "Sal",
    "Tre",
)
_SYLLABLES_B = (
    "borough",
    "dale",
    "field",
    "ford",
    "ham",
    "hurst",
    "ley",
    "mere",
    "moor",
    "stead",
    "ton",
    "well",
    "wick",
    "worth",
    "by",
    "combe",
    "bridge",
    "thorpe",
    "minster",
    "wold",
)


def place_names(rng: random.Random, n: int) -> list[str]:
    pairs = [a + b for a in _SYLLABLES_A for b in _SYLLABLES_B]
    rng.shuffle(pairs)
    out = pairs[:n]
    i = 2
    while len(out) < n:  # more names than pairs: number the repeats
        out += [f"{p} {i}" for p in pairs[: n - len(out)]]
        i += 1
    return out


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# role key: (post label, agency key, share of the general workforce, sociability, part-time chance)
ROLES: dict[str, tuple[str, str, float, float, float]] = {
    "educational_psychologist": ("Educational psychologist", "ep", 0.035, 3.0, 0.3),
    "education_social_worker": ("Education social worker", "esw", 0.03, 2.5, 0.2),
    "behaviour_support": ("Behaviour support teacher", "la", 0.025, 1.5, 0.2),
    "la_officer": ("Inclusion officer", "la", 0.015, 3.0, 0.05),
    "early_years_adviser": ("Early years adviser", "la", 0.02, 1.5, 0.2),
    "social_worker": ("Social worker", "social_care", 0.09, 1.2, 0.15),
    "social_care_manager": ("Social care team manager", "social_care", 0.02, 2.5, 0.05),
    "family_support_worker": ("Family support worker", "social_care", 0.06, 1.0, 0.35),
    "health_visitor": ("Health visitor", "health", 0.055, 1.0, 0.35),
    "school_nurse": ("School nurse", "health", 0.045, 1.5, 0.35),
    "midwife": ("Community midwife", "health", 0.02, 0.5, 0.3),
    "general_practitioner": ("GP", "gp", 0.035, 0.3, 0.3),
    "speech_therapist": ("Speech and language therapist", "health", 0.02, 0.8, 0.4),
    "paediatrician": ("Community paediatrician", "health", 0.01, 0.6, 0.2),
    "camhs_clinician": ("CAMHS clinician", "camhs", 0.025, 1.5, 0.2),
    "primary_mental_health_worker": ("Primary mental health worker", "camhs", 0.02, 2.0, 0.2),
    "police_officer": ("Neighbourhood police officer", "police", 0.045, 0.8, 0.05),
    "police_liaison_officer": ("Schools police liaison officer", "police", 0.01, 2.0, 0.05),
    "youth_worker": ("Youth worker", "youth", 0.055, 1.0, 0.5),
    "connexions_pa": ("Connexions personal adviser", "youth", 0.03, 1.0, 0.2),
    "yot_officer": ("Youth offending team officer", "yot", 0.02, 1.0, 0.1),
    "voluntary_worker": ("Project worker", "vol", 0.09, 0.8, 0.5),
    "housing_officer": ("Housing officer", "housing", 0.025, 0.7, 0.2),
    "childrens_centre_worker": ("Children's centre outreach worker", "cc", 0.045, 1.0, 0.5),
    "community_worker": ("Community worker", "community", 0.025, 0.6, 0.6),
    "parent_rep": ("Parent representative", "", 0.025, 0.5, 0.0),
    "young_person_rep": ("Young people's representative", "", 0.015, 0.4, 0.0),
}

# Staff of a school beyond its fixed posts, with relative weights.
SCHOOL_EXTRA = (
    ("teacher", "Class teacher", 5),
    ("teaching_assistant", "Teaching assistant", 3),
    ("learning_mentor", "Learning mentor", 2),
)
SCHOOL_SOCIABILITY = {
    "head_teacher": 2.5,
    "senco": 3.0,
    "designated_safeguarding_lead": 1.5,
    "deputy_head": 1.5,
    "inclusion_manager": 2.5,
    "head_of_year": 1.0,
    "learning_mentor": 0.8,
    "school_counsellor": 1.0,
    "teacher": 0.4,
    "teaching_assistant": 0.3,
    "hsclw": 2.5,
}

#: Posts a school has besides its head, SENCO and designated safeguarding lead, by phase.
SCHOOL_POSTS: dict[str, tuple[tuple[str, str], ...]] = {
    "secondary": (
        ("deputy_head", "Deputy head"),
        ("inclusion_manager", "Inclusion manager"),
        ("head_of_year", "Head of year 7"),
        ("head_of_year", "Head of year 10"),
        ("learning_mentor", "Learning mentor"),
        ("school_counsellor", "School counsellor"),
    ),
    "special": (("deputy_head", "Deputy head"),),
    "primary": (),
}

#: Posts that every locality has at least one holder of, in the order they are made.
CORE_POSTS = (
    "educational_psychologist",
    "education_social_worker",
    "social_care_manager",
    "social_worker",
    "family_support_worker",
    "health_visitor",
    "school_nurse",
    "primary_mental_health_worker",
    "camhs_clinician",
    "police_officer",
    "police_liaison_officer",
    "youth_worker",
    "connexions_pa",
    "yot_officer",
    "housing_officer",
    "early_years_adviser",
    "la_officer",
    "childrens_centre_worker",
    "community_worker",
    "parent_rep",
    "young_person_rep",
)
#: Core posts with a holder in every cluster of schools.
POSTS_PER_CLUSTER = frozenset(
    {
        "educational_psychologist",
        "education_social_worker",
        "school_nurse",
        "primary_mental_health_worker",
        "family_support_worker",
        "social_worker",
    }
)

# Posts of the authority whose holders sit in two or three neighbouring localities.
SHARED_POSTS = (
    ("la-officer", "LA inclusion officer", "la_officer", "la"),
    ("senior-ep", "Senior educational psychologist", "educational_psychologist", "ep"),
    ("camhs-consultant", "CAMHS consultant", "camhs_clinician", "camhs"),
    ("area-manager", "Area social care manager", "social_care_manager", "social_care"),
    ("specialist-teacher", "Specialist teacher (autism outreach)", "behaviour_support", "la"),
)

AUTHORITY_AGENCIES = (
    ("la", "la", "{auth}", "local_authority"),
    ("ep", "ep-service", "{auth} Educational Psychology Service", "education"),
    ("esw", "esw-service", "{auth} Education Social Work Service", "education"),
    ("social_care", "social-care", "{auth} Children's Social Care", "social_care"),
    ("health", "health-trust", "{root} Community Health Trust", "health"),
    ("camhs", "camhs", "{root} CAMHS", "mental_health"),
    ("police", "police", "{root} Police", "police"),
    ("youth", "youth-service", "{auth} Youth Service", "youth"),
    ("yot", "yot", "{root} Youth Offending Team", "other"),
)

VOLUNTARY = (
    ("family support charity", "voluntary"),
    ("parenting charity", "voluntary"),
    ("young carers project", "voluntary"),
    ("domestic abuse service", "voluntary"),
    ("counselling service for young people", "voluntary"),
    ("youth charity", "voluntary"),
    ("food bank", "community"),
    ("faith group", "community"),
    ("residents' association", "community"),
    ("sports club", "community"),
)

THEMES = (
    ("senco", "SENCO network", "network", "educational_psychologist", "senco"),
    ("safeguarding", "Designated safeguarding leads network", "network", "la_officer", "designated_safeguarding_lead"),
    ("early-years", "Early years forum", "forum", "early_years_adviser", "health_visitor"),
    ("wellbeing", "Emotional wellbeing network", "network", "primary_mental_health_worker", "school_counsellor"),
    ("attendance", "Attendance and inclusion network", "network", "education_social_worker", "head_of_year"),
    ("parenting", "Parenting support network", "network", "family_support_worker", "voluntary_worker"),
    ("youth", "Youth providers' forum", "forum", "youth_worker", "youth_worker"),
    ("healthy-schools", "Healthy schools network", "network", "school_nurse", "school_nurse"),
    ("domestic-abuse", "Domestic abuse forum", "forum", "social_care_manager", "police_officer"),
    ("transition", "Transition network", "network", "la_officer", "head_of_year"),
    ("learning-mentors", "Learning mentors' network", "network", "la_officer", "learning_mentor"),
    ("community", "Community and voluntary sector forum", "forum", "community_worker", "voluntary_worker"),
)

CASEWORK_MEETINGS = (
    ("taf", "Team around the family"),
    ("tac", "Team around the child"),
    ("cin-review", "Child in need review group"),
)
CASEWORK_EXTRA = (
    "hsclw",
    "youth_worker",
    "voluntary_worker",
    "housing_officer",
    "childrens_centre_worker",
    "speech_therapist",
    "midwife",
    "primary_mental_health_worker",
    "education_social_worker",
    "police_officer",
    "connexions_pa",
)


def letters(n: int) -> str:
    """a, b, ..., z, aa, ab, ... for the n-th (from 0) of a kind of meeting."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


WORKING_GROUPS = (
    "Transition",
    "Attendance",
    "Information sharing",
    "Workforce development",
    "Parenting strategy",
    "Common assessment",
    "Extended services",
    "Emotional health",
    "NEET reduction",
    "Young carers",
    "Anti-bullying",
    "Data and performance",
    "Teenage pregnancy",
    "Domestic abuse",
    "Early help",
    "Healthy eating",
    "Play and leisure",
    "Travellers' education",
    "Speech and language",
    "Exclusions",
)
