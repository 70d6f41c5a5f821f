"""How the map draws each kind of thing: shapes, colours, dashes and words.

Colours are colour-blind safe, and link kinds differ by dash pattern as well
as colour.  Every word of the vocabulary has its entry; a new word fails
loudly at import.
"""

from __future__ import annotations

from models.vocab import GROUP_TYPE_LABELS, Focus, GroupType, LinkKind, Meets, Sector

#: vis-network shape of each group type.  ``box``, ``ellipse`` and
#: ``database`` carry their label inside; the others show it underneath.
GROUP_SHAPES = {
    "steering_group": "box",
    "network": "ellipse",
    "forum": "database",
    "core_group": "box",
    "working_group": "square",
    "panel": "diamond",
    "school_consultation_team": "triangle",
    "multi_agency_support_team": "hexagon",
    "partnership": "star",
    "hub": "dot",
    "strategic_centre": "box",
    "other": "dot",
}
#: Legend swatch of each group type (a CSS class suffix in map.css): the vis
#: shape, told apart where two types share one.
GROUP_SWATCHES = {
    **GROUP_SHAPES,
    "core_group": "box-square",
    "strategic_centre": "box-double",
    "hub": "dot-large",
}
LABEL_INSIDE_SHAPES = {"box", "ellipse", "database", "circle", "text"}

FOCUS_LABELS = {
    "upstream": "Upstream (fewer children in difficulty)",
    "downstream": "Downstream (casework)",
    "both": "Upstream and downstream",
    "strategic": "Strategic",
    "none": "No stated focus",
}
#: Okabe & Ito (2008) colour-blind-safe colours.
FOCUS_COLOURS = {
    "upstream": "#009E73",
    "downstream": "#D55E00",
    "both": "#E69F00",
    "strategic": "#0072B2",
    "none": "#9A9A9A",
}
#: Label colour on a filled shape: dark text except on the dark blue.
FOCUS_TEXT_COLOURS = {"strategic": "#FFFFFF"}

SECTOR_LABELS = {
    "education": "Education",
    "social_care": "Social care",
    "health": "Health",
    "mental_health": "Mental health",
    "voluntary": "Voluntary sector",
    "police": "Police",
    "youth": "Youth service",
    "community": "Community",
    "local_authority": "Local authority",
    "housing": "Housing",
    "other": "Other sector",
    "none": "No agency",
}
#: Paul Tol's "muted" scheme, with two additions and grey for no agency.
SECTOR_COLOURS = {
    "education": "#332288",
    "social_care": "#CC6677",
    "health": "#117733",
    "mental_health": "#44AA99",
    "voluntary": "#DDCC77",
    "police": "#88CCEE",
    "youth": "#AA4499",
    "community": "#999933",
    "local_authority": "#882255",
    "housing": "#EE7733",
    "other": "#7A5C3E",
    "none": "#BBBBBB",
}

LINK_LABELS = {
    "reports_to": "Reports to",
    "feeds_issues_to": "Feeds issues to",
    "refers_cases_to": "Refers cases to",
    "commissions": "Commissions",
    "oversees": "Oversees",
    "consults": "Consults",
}
LINK_COLOURS = {
    "reports_to": "#0072B2",
    "feeds_issues_to": "#E69F00",
    "refers_cases_to": "#D55E00",
    "commissions": "#009E73",
    "oversees": "#3B3B3B",
    "consults": "#CC79A7",
}
#: Dash patterns, so link kinds differ by more than colour.
LINK_DASHES: dict[str, list[int] | bool] = {
    "reports_to": False,
    "feeds_issues_to": [10, 5],
    "refers_cases_to": False,
    "commissions": [2, 4],
    "oversees": False,
    "consults": [10, 4, 2, 4],
}

MEETS_WORDS = {
    "weekly": "meets weekly",
    "fortnightly": "meets fortnightly",
    "monthly": "meets monthly",
    "half_termly": "meets half-termly",
    "bimonthly": "meets every two months",
    "termly": "meets termly",
    "annually": "meets once a year",
    "ad_hoc": "meets when needed",
}

ROLE_WORDS = {
    "chair": "chair",
    "coordinator": "co-ordinator",
    "member": "member",
    "representative": "representative",
    "key_worker": "key worker",
    "consultant": "consultant",
    "secretary": "secretary",
}

MEMBER_EDGE_COLOUR = "#B8BEC6"
FONT_FACE = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
SHARED_EDGE_COLOUR = "rgba(110,118,128,0.45)"
SHARED_EDGE_HIGHLIGHT = "rgba(82,96,109,0.55)"

# Every vocabulary word must have its picture; a new word fails loudly here.
for _vocab, _table in (
    (GroupType, GROUP_SHAPES),
    (GroupType, GROUP_TYPE_LABELS),
    (Sector, SECTOR_COLOURS),
    (Sector, SECTOR_LABELS),
    (LinkKind, LINK_COLOURS),
    (LinkKind, LINK_LABELS),
    (Focus, FOCUS_COLOURS),
    (Meets, MEETS_WORDS),
):
    assert {v.value for v in _vocab} <= set(_table), (_vocab, _table)
