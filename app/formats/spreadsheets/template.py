"""The starting workbook for a new locality, kept as ``sample_localities/template.xlsx``.

Regenerate it with ``python -m app.formats.spreadsheets``;
``tests/test_spreadsheets.py`` checks that the committed file is current.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from app.formats.spreadsheets.xlsx_writer import build_workbook, reproducible
from models.document import LocalityDocument
from models.validation import validate_data
from models.vocab import FORMAT_VERSION

#: The example locality of the template: a little of everything, and every rule kept.
TEMPLATE: dict[str, Any] = {
    "format": FORMAT_VERSION,
    "locality": {
        "id": "example-locality",
        "name": "Example Locality",
        "authority": "Example County Council",
        "boundary": "clear",
        "devolved_funding": "none",
        "description": "One or two paragraphs: the area, its schools and services, and how the interagency work started.",
        "sources": ["Steering group minutes, autumn term", "Interviews with the co-ordinator and two head teachers"],
        "note": "Assumptions made where the sources are silent, e.g. 'panel meeting length assumed to be 2 hours'.",
    },
    "agencies": [
        {"id": "county-council", "name": "Example County Council", "sector": "local_authority"},
        {"id": "larkrise-school", "name": "Larkrise Primary School", "sector": "education", "school": True},
        {"id": "social-care", "name": "Children's Social Care", "sector": "social_care"},
    ],
    "people": [
        {
            "id": "coordinator",
            "name": "Locality co-ordinator",
            "role": "locality_coordinator",
            "agency": "county-council",
            "systems_minder": True,
            "hours_per_week": 37,
        },
        {
            "id": "senco-larkrise",
            "name": "SENCO, Larkrise Primary School",
            "role": "senco",
            "agency": "larkrise-school",
        },
        {
            "id": "social-worker",
            "name": "Social worker",
            "role": "social_worker",
            "agency": "social-care",
            "note": "Covers the whole district.",
            "local": False,
        },
    ],
    "groups": [
        {
            "id": "steering-group",
            "name": "Example Locality steering group",
            "type": "steering_group",
            "membership": "representative",
            "meets": "half_termly",
            "hours": 2,
            "purpose": "Strategic decisions and clearing house for issues in the locality.",
            "members": [
                {"person": "coordinator", "role": "chair"},
                {"person": "social-worker", "role": "representative"},
            ],
        },
        {
            "id": "network",
            "name": "Example Locality Network",
            "type": "network",
            "membership": "open",
            "meets": "termly",
            "hours": 1,
            "area": ["example-locality", "next-door-locality"],
            "venue": "Lunchtime, Larkrise Primary School",
            "members": [
                {"person": "coordinator", "role": "coordinator"},
                {"person": "senco-larkrise"},
                {"person": "social-worker", "attendance": 0.5, "note": "Comes when casework allows."},
            ],
        },
        {
            "id": "sct-larkrise",
            "name": "Larkrise School Consultation Team",
            "type": "school_consultation_team",
            "school": "larkrise-school",
            "meets": "termly",
            "hours": 1.5,
            "handles": ["behaviour", "emotional_mental_health", "learning_sen"],
            "contact": "The SENCO, Larkrise Primary School office",
            "meeting_pattern": "Second week of each term, after school",
            "members": [{"person": "senco-larkrise", "role": "coordinator"}, {"person": "social-worker"}],
        },
    ],
    "links": [
        {
            "from": "network",
            "to": "steering-group",
            "kind": "feeds_issues_to",
            "note": "The co-ordinator takes issues raised at the Network to the steering group.",
        },
        {"from": "sct-larkrise", "to": "network", "kind": "feeds_issues_to"},
        {"from": "steering-group", "to": "sct-larkrise", "kind": "oversees"},
    ],
}


def template_document() -> LocalityDocument:
    """The example locality of the template workbook."""
    return validate_data(TEMPLATE)


def write_template(path: str | Path) -> None:
    """Write the starting workbook for a new locality (README sheet first),
    as kept in ``sample_localities/template.xlsx``."""
    buffer = io.BytesIO()
    workbook = build_workbook(template_document(), readme_first=True)
    workbook.properties.creator = "locmap"
    workbook.save(buffer)
    Path(path).write_bytes(reproducible(buffer.getvalue()))
