"""The edit forms' fields, how posted values are read, and every problem with them in plain words.

A form's problems are keyed by the field they concern and worded for the
person filling it in ("An id may hold only lower-case letters, ..."),
never as a pattern or a validation library's message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.web.pages.rendering import TYPE_WORDS
from models import vocab
from models.vocab import job_role_words

#: Job roles offered in the person form (free text is still allowed): common posts in a locality's groups.
COMMON_ROLES = (
    "head_teacher",
    "deputy_head",
    "senco",
    "teacher",
    "learning_mentor",
    "hsclw",
    "school_nurse",
    "health_visitor",
    "gp",
    "educational_psychologist",
    "education_social_worker",
    "social_worker",
    "family_worker",
    "key_worker",
    "youth_worker",
    "camhs_clinician",
    "primary_mental_health_worker",
    "police_officer",
    "yot_officer",
    "connexions_adviser",
    "housing_officer",
    "voluntary_sector",
    "parent_rep",
    "la_lead_officer",
    "iss_coordinator",
)

#: Empty rows for new members in the group form (a group's page adds more, one at a time).
MEMBER_ROWS = 4

ID_WORDS = (
    "An id may hold only lower-case letters, digits, '-' and '_', starting and ending with a letter or digit, "
    "like thame-mast (at most 64 characters)."
)
_SLUG_GAPS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: str = "text"  # text, textarea, select, checkbox, checkboxes (several choices), number
    choices: tuple = ()
    required: bool = False
    help: str = ""
    datalist: tuple = ()  # suggestions for a free-text field, in words


def role_code(typed: str, known: tuple[str, ...]) -> str:
    """The code of a role chosen by its words ("Head teacher" is ``head_teacher``); other text as typed."""
    wanted = typed.strip().casefold()
    for code in known:
        if job_role_words(code).casefold() == wanted or code == wanted:
            return code
    return typed.strip()


def slugify(name: str) -> str:
    """An id made from a name: "Thame MAST (north)" becomes ``thame-mast-north``."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return _SLUG_GAPS.sub("-", bare.lower()).strip("-")[:64].strip("-")  # as slug.js does in the form


def free_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is not taken."""
    if base not in taken:
        return base
    n = 2
    while f"{base[:60]}-{n}" in taken:
        n += 1
    return f"{base[:60]}-{n}"


def _choices(enum) -> tuple:
    return tuple((m.value, m.value.replace("_", " ")) for m in enum)


def _identity(creating: bool) -> list[FieldSpec]:
    if not creating:
        return []
    help_text = "Made from the name if left blank; used in addresses. Cannot be changed later."
    return [FieldSpec("id", "Id", help=help_text)]


def _wayfinding() -> list[FieldSpec]:
    """The group fields that tell new staff what a group takes and how to bring an item to it."""
    return [
        FieldSpec(
            "handles",
            "Concerns it takes",
            "checkboxes",
            tuple((c.value, vocab.CONCERN_LABELS[c.value]) for c in vocab.Concern),
            help="The kinds of worry about a child it takes; searches and routes find it by these.",
        ),
        FieldSpec("handles_other", "Other concerns it takes", help="In words, where none of the kinds above fits."),
        FieldSpec(
            "contact",
            "How to bring an item",
            help="A role or a public office address or phone, e.g. 'the Network co-ordinators'; "
            "never a person's own name or email.",
        ),
        FieldSpec("meeting_pattern", "When it meets", help="In words, e.g. 'second Tuesday of each month, 12:30'."),
        FieldSpec("next_meeting", "Next meeting", help="A date written YYYY-MM-DD, e.g. 2025-03-11."),
    ]


def field_specs(kind: str, document, creating: bool, roles: tuple = ()) -> list[FieldSpec]:
    """The fields of a form; with ``document`` None, without choices (enough to read a posted form)."""
    agencies = tuple((a.id, a.name) for a in document.agencies) if document else ()
    schools = tuple((a.id, a.name) for a in document.agencies if a.school) if document else ()
    groups = tuple((g.id, g.name) for g in document.groups) if document else ()
    ident = _identity(creating)
    if kind == "agency":
        return [
            FieldSpec("name", "Name", required=True),
            *ident,
            FieldSpec("sector", "Sector", "select", _choices(vocab.Sector), True),
            FieldSpec("school", "This agency is a school", "checkbox"),
            FieldSpec("note", "Note", "textarea"),
        ]
    if kind == "person":
        return [
            FieldSpec("name", "Name", required=True, help="Prefer a role description, e.g. 'SENCO, Larkrise School'."),
            *ident,
            FieldSpec(
                "role",
                "Job role",
                help="Choose a common role or type your own.",
                datalist=tuple(job_role_words(r) for r in roles),
            ),
            FieldSpec("agency", "Agency", "select", agencies),
            FieldSpec("systems_minder", "Minds the communication system", "checkbox"),
            FieldSpec("service_user_rep", "Represents parents, young people or the community", "checkbox"),
            FieldSpec("local", "Works on this patch", "checkbox"),
            FieldSpec("hours_per_week", "Working hours a week", "number"),
            FieldSpec("note", "Note", "textarea"),
        ]
    if kind == "group":
        return [
            FieldSpec("name", "Name", required=True),
            *ident,
            FieldSpec(
                "type", "Kind of group", "select", tuple((t.value, TYPE_WORDS[t.value]) for t in vocab.GroupType), True
            ),
            FieldSpec(
                "focus", "Focus", "select", _choices(vocab.Focus), help="Leave blank for the usual focus of its kind."
            ),
            FieldSpec("membership", "Membership", "select", _choices(vocab.MembershipRule)),
            FieldSpec("meets", "Meets", "select", _choices(vocab.Meets)),
            FieldSpec("meetings_per_year", "Meetings a year", "number", help="Overrides 'Meets' when given."),
            FieldSpec("hours", "Hours a meeting", "number"),
            FieldSpec("external", "Belongs to the local-authority centre or a body outside the locality", "checkbox"),
            FieldSpec(
                "area",
                "Areas served",
                help="Locality ids, separated by commas, for groups serving across the boundary.",
            ),
            FieldSpec("school", "Sits in school", "select", schools),
            FieldSpec("purpose", "Purpose", "textarea"),
            *_wayfinding(),
            FieldSpec("venue", "Where it meets"),
            FieldSpec("note", "Note", "textarea"),
        ]
    return [
        FieldSpec("from", "From group", "select", groups, True),
        FieldSpec("kind", "Kind of link", "select", _choices(vocab.LinkKind), True),
        FieldSpec("to", "To group", "select", groups, True),
        FieldSpec("note", "Note", "textarea"),
    ]


def parse_form(specs: list[FieldSpec], form: dict, known_roles: tuple = COMMON_ROLES) -> tuple[dict, dict[str, str]]:
    """Form values to a document entry; problems by field name for values that cannot be read.

    A job role chosen by its words ("Head teacher") is stored as its code (``head_teacher``)
    when it is one of ``known_roles``.
    """
    row: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        raw = form.get(spec.name)
        if spec.widget == "checkboxes":  # each ticked box sends its value under the one name
            ticked = raw if isinstance(raw, list) else [] if raw is None else [raw]
            row[spec.name] = [str(value) for value in ticked if str(value).strip()]
            continue
        if isinstance(raw, list):  # a field sent twice: the last one counts, as in a browser's own forms
            raw = raw[-1]
        if spec.widget == "checkbox":
            row[spec.name] = raw is not None
            continue
        text = str(raw).strip() if raw is not None else ""
        if spec.widget == "textarea" and raw is not None:
            text = str(raw).replace("\r\n", "\n").strip()
        if not text:
            if spec.required:
                errors[spec.name] = f"{spec.label} is required." if spec.widget != "select" else "Choose one."
            continue
        if spec.widget == "number":
            try:
                row[spec.name] = float(text)
            except ValueError:
                errors[spec.name] = f"Not a number: {text!r}."
            continue
        if spec.name == "area":
            row["area"] = [part.strip() for part in text.split(",") if part.strip()]
            continue
        if spec.name == "role":
            text = role_code(text, known_roles)
        row[spec.name] = text
    return row, errors


def model_errors(model, row: dict, specs: list[FieldSpec]) -> dict[str, str]:
    """What ``model`` finds wrong with ``row``, by field, in plain words."""
    try:
        model.model_validate(row)
    except ValidationError as exc:
        labels = {s.name: s for s in specs}
        out: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            name = "from" if loc and loc[0] == "from_" else str(loc[0]) if loc else "id"
            out.setdefault(name, plain_problem(err, labels.get(name)))
        return out
    return {}


def plain_problem(err: Any, spec: FieldSpec | None) -> str:
    """One validation error in words for a form, naming what is allowed."""
    kind, ctx, label = err["type"], err.get("ctx") or {}, spec.label if spec else "This field"
    if kind == "string_pattern_mismatch":
        if spec is not None and spec.name == "area":
            return "Each area is a locality id: lower-case letters, digits, '-' and '_', like thame."
        return ID_WORDS
    if kind == "missing":
        return f"{label} is required."
    if kind == "enum" or kind == "literal_error":
        offered = ", ".join(words for _, words in spec.choices) if spec and spec.choices else ""
        return f"Choose one of: {offered}." if offered else "Choose one of the choices offered."
    if kind == "string_too_long":
        return f"Too long: at most {ctx.get('max_length')} characters."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _bounds(label, kind, ctx)
    if kind == "value_error":
        reason = str(err["msg"]).removeprefix("Value error, ")
        return f"{label} {reason}."
    if kind in ("float_type", "float_parsing", "int_type"):
        return f"{label} must be a number, like 1.5."
    return f"{label} is not valid here."


def _bounds(label: str, kind: str, ctx: dict) -> str:
    limit = next(iter(ctx.values()), "")
    shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
    words = {
        "greater_than": f"more than {shown}",
        "greater_than_equal": f"{shown} or more",
        "less_than": f"less than {shown}",
        "less_than_equal": f"at most {shown}",
    }[kind]
    return f"{label} must be {words}."
