"""The sheets and columns of a locality workbook, and what each column means.

These tables are the one description of the spreadsheet layout: the readers
check headers against them, the writers lay sheets out from them and the
README sheet is written from :data:`COLUMN_HELP`.
"""

from __future__ import annotations

from models.vocab import (
    FORMAT_VERSION,
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

SHEETS = ("locality", "agencies", "people", "groups", "members", "links")
README_SHEET = "README"

#: Rows of the ``locality`` sheet, in order.  ``sources`` may repeat.
LOCALITY_FIELDS = (
    "format",
    "id",
    "name",
    "authority",
    "boundary",
    "devolved_funding",
    "description",
    "sources",
    "note",
)
LOCALITY_COLUMNS = ("field", "value")

#: Columns of the list sheets, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "locality": LOCALITY_COLUMNS,
    "agencies": ("id", "name", "sector", "school", "note"),
    "people": ("id", "name", "role", "agency", "systems_minder", "service_user_rep", "local", "hours_per_week", "note"),
    "groups": (
        "id",
        "name",
        "type",
        "focus",
        "membership",
        "meets",
        "meetings_per_year",
        "hours",
        "external",
        "area",
        "school",
        "purpose",
        "handles",
        "handles_other",
        "contact",
        "meeting_pattern",
        "next_meeting",
        "venue",
        "note",
    ),
    "members": ("group", "person", "role", "attendance", "note"),
    "links": ("id", "from", "to", "kind", "note"),
}

#: Columns a sheet must have.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "locality": LOCALITY_COLUMNS,
    "agencies": ("id", "name", "sector"),
    "people": ("id", "name"),
    "groups": ("id", "name", "type"),
    "members": ("group", "person"),
    "links": ("from", "to", "kind"),
}

#: Columns that are not plain text: (sheet, column).
BOOL_COLUMNS = {
    ("agencies", "school"),
    ("people", "systems_minder"),
    ("people", "service_user_rep"),
    ("people", "local"),
    ("groups", "external"),
}
NUMBER_COLUMNS = {
    ("people", "hours_per_week"),
    ("groups", "meetings_per_year"),
    ("groups", "hours"),
    ("members", "attendance"),
}
LIST_COLUMNS = {("groups", "area"), ("groups", "handles")}
#: Columns holding a date, YYYY-MM-DD; a cell the spreadsheet made a date is read as that date.
DATE_COLUMNS = {("groups", "next_meeting")}

#: Vocabulary dropdowns: (sheet, column or locality field) -> allowed words.
VOCABULARY_COLUMNS: dict[tuple[str, str], list[str]] = {
    ("locality", "boundary"): [v.value for v in Boundary],
    ("locality", "devolved_funding"): [v.value for v in DevolvedFunding],
    ("agencies", "sector"): [v.value for v in Sector],
    ("groups", "type"): [v.value for v in GroupType],
    ("groups", "focus"): [v.value for v in Focus],
    ("groups", "membership"): [v.value for v in MembershipRule],
    ("groups", "meets"): [v.value for v in Meets],
    ("members", "role"): [v.value for v in MemberRole],
    ("links", "kind"): [v.value for v in LinkKind],
}

#: Columns holding ids of entries on another sheet: (sheet, column) -> sheet.
REFERENCE_COLUMNS: dict[tuple[str, str], str] = {
    ("people", "agency"): "agencies",
    ("groups", "school"): "agencies",
    ("members", "group"): "groups",
    ("members", "person"): "people",
    ("links", "from"): "groups",
    ("links", "to"): "groups",
}

#: What each column means, for the README sheet: (sheet, column) -> (required, help).
COLUMN_HELP: dict[tuple[str, str], tuple[bool, str]] = {
    ("locality", "format"): (False, f"Always {FORMAT_VERSION} (assumed when the row is left out)."),
    ("locality", "id"): (True, "Short id of the locality, used in web addresses, e.g. wantage."),
    ("locality", "name"): (True, "Display name."),
    ("locality", "authority"): (True, "The local authority the locality belongs to."),
    ("locality", "boundary"): (True, "How clearly the patch is bounded and matches how services are organised."),
    ("locality", "devolved_funding"): (
        False,
        "Flexible money held and decided on at locality level; blank means none.",
    ),
    ("locality", "description"): (False, "The area, its schools and services, how the work started."),
    ("locality", "sources"): (False, "Where the information came from. One row named 'sources' per citation."),
    ("locality", "note"): (False, "Assumptions made where the sources are silent."),
    ("agencies", "id"): (True, "Unique id of the agency, e.g. larkrise-school."),
    ("agencies", "name"): (True, "Name of the organisation."),
    ("agencies", "sector"): (True, "The agency's sector (dropdown)."),
    ("agencies", "school"): (False, "TRUE if the agency is a school (default FALSE)."),
    ("agencies", "note"): (False, "Free text."),
    ("people", "id"): (True, "Unique id of the post, e.g. senco-larkrise."),
    ("people", "name"): (True, "A role description rather than a personal name, e.g. 'SENCO, Larkrise School'."),
    ("people", "role"): (False, "Job role, free text: head_teacher, senco, hsclw, ..."),
    ("people", "agency"): (False, "Id of the person's agency (agencies sheet)."),
    ("people", "systems_minder"): (
        False,
        "TRUE if the person minds the communication system as a whole (default FALSE).",
    ),
    ("people", "service_user_rep"): (
        False,
        "TRUE for a parent, young person or community representative (default FALSE).",
    ),
    ("people", "local"): (False, "FALSE if the post covers a much wider area than the locality (default TRUE)."),
    ("people", "hours_per_week"): (False, "Contracted hours a week, more than 0 and at most 100 (37 = full time)."),
    ("people", "note"): (False, "Free text."),
    ("groups", "id"): (True, "Unique id of the group, e.g. steering-group."),
    ("groups", "name"): (True, "Name of the meeting."),
    ("groups", "type"): (True, "The kind of group (dropdown)."),
    ("groups", "focus"): (False, "upstream, downstream, both or strategic; leave blank for the default of the type."),
    ("groups", "membership"): (False, "Who may join: open, representative or fixed."),
    ("groups", "meets"): (False, "How often it meets (dropdown)."),
    ("groups", "meetings_per_year"): (False, "Number of meetings a year, 0 to 366; overrides 'meets'."),
    ("groups", "hours"): (False, "Length of one meeting in hours, more than 0 and at most 24."),
    ("groups", "external"): (
        False,
        "TRUE for a body outside the locality, e.g. the county steering group (default FALSE).",
    ),
    ("groups", "area"): (False, "Ids of the localities the group serves, separated by ';'."),
    ("groups", "school"): (False, "Id of the school agency the group sits in (an agency with school TRUE)."),
    ("groups", "purpose"): (False, "Free text."),
    ("groups", "handles"): (
        False,
        "The kinds of concern about a child it takes, separated by ';'. Any of: "
        + ", ".join(c.value for c in Concern)
        + ".",
    ),
    ("groups", "handles_other"): (False, "Other concerns it takes, in words, where none of the kinds fits."),
    ("groups", "contact"): (
        False,
        "How to bring an item: a role or a public office address or phone, never a person's own name or email.",
    ),
    ("groups", "meeting_pattern"): (False, "When it meets, in words, e.g. 'second Tuesday of each month, 12:30'."),
    ("groups", "next_meeting"): (False, "Date of the next meeting, YYYY-MM-DD, e.g. 2025-03-11."),
    ("groups", "venue"): (False, "Short text."),
    ("groups", "note"): (False, "Free text."),
    ("members", "group"): (True, "Id of the group (groups sheet). One row per seat."),
    ("members", "person"): (True, "Id of the person (people sheet); a person sits on a group once."),
    ("members", "role"): (False, "The seat's role (dropdown); blank means member."),
    ("members", "attendance"): (False, "Share of meetings attended, 0 to 1 (0.5 = half)."),
    ("members", "note"): (False, "Free text."),
    ("links", "id"): (False, "Optional id; blank means '<from>--<kind>--<to>'."),
    ("links", "from"): (True, "Id of the group the link starts from."),
    ("links", "to"): (True, "Id of the group the link goes to (a different group)."),
    ("links", "kind"): (True, "How the first group passes issues, cases or direction to the second (dropdown)."),
    ("links", "note"): (False, "Free text."),
}

README_INTRO = [
    "locmap locality workbook (locmap/1)",
    "",
    "This workbook describes one locality's communication system: the agencies that work there, the people "
    "(posts) who attend meetings, the groups that meet, who sits on each group, and the links along which "
    "groups pass issues and cases.",
    "Fill in the sheets locality, agencies, people, groups, members and links. This README sheet is ignored "
    "when the workbook is read; other extra sheets are ignored too.",
    "",
    "Rules",
    "- Keep the header row (row 1) of every sheet; columns may be in any order, optional columns may be left out.",
    "- Ids are lower-case letters, digits, '-' and '_', 1-64 characters, starting and ending with a letter or "
    "digit (e.g. sct-larkrise). Each id is unique within its sheet; other sheets refer to entries by id.",
    "- Describe people by role, not by name ('SENCO, Larkrise School'): the workbook should hold no personal data.",
    "- Yes/no columns take TRUE or FALSE (yes/no and 1/0 work too). A blank cell means the default.",
    "- Enter ids and other words as text: do not let the spreadsheet turn them into dates or formulas.",
    "- Do not merge cells; empty rows are ignored.",
    "- A cell that starts with = + - or @ is written with a leading ' so that it is not run as a formula; "
    "the ' is removed again when the workbook is read.",
    "",
    "Columns",
]


def readme_rows() -> list[list[str]]:
    """The README sheet: the introduction, then one row per column of every sheet."""
    rows = [[line] for line in README_INTRO]
    rows.append(["sheet", "column", "required", "what to enter"])
    for sheet in SHEETS:
        names = LOCALITY_FIELDS if sheet == "locality" else COLUMNS[sheet]
        for column in names:
            required, text = COLUMN_HELP[(sheet, column)]
            words = VOCABULARY_COLUMNS.get((sheet, column))
            if words:
                text = f"{text} One of: {', '.join(words)}."
            label = f"{column} (row)" if sheet == "locality" else column
            rows.append([sheet, label, "yes" if required else "", text])
    return rows
