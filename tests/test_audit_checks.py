"""The audit's checks, one code at a time: what must raise each finding, the
near misses that must not, a clean locality that raises nothing serious, the
shape and determinism of the result, and the graph functions checked against
networkx on known graphs (Krackhardt's kite, Davis's Southern Women)."""

from __future__ import annotations

import copy
import itertools
import json
import re

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from analysis.audit import CODES, audit
from analysis.census_findings import CENSUS_CODES
from analysis.findings import SEVERITY_ORDER, Severity
from analysis.graphs import build_graphs, group_projection, person_projection
from analysis.overlap import membership_overlaps, overlap_index
from analysis.pathways import reachable_sets
from analysis.profile import DIMENSIONS
from analysis.settings import AuditSettings
from analysis.structure import local_system, single_points_of_failure
from models.validation import load_path, validate_data
from tests.conftest import MINIMAL, SAMPLE_PATHS

SLUG = "testville"

#: Agencies a test locality gets automatically when its people or groups name them.
STANDARD_AGENCIES = {
    "school-a": {"name": "School A", "sector": "education", "school": True},
    "school-b": {"name": "School B", "sector": "education", "school": True},
    "shc": {"name": "Social and Health Care", "sector": "social_care"},
    "camhs": {"name": "CAMHS", "sector": "mental_health"},
    "health": {"name": "Primary Care Trust", "sector": "health"},
    "vol": {"name": "Family Support Charity", "sector": "voluntary"},
    "la": {"name": "County Council", "sector": "local_authority"},
    "police": {"name": "Police", "sector": "police"},
    "parents": {"name": "Parents' Association", "sector": "community"},
}


# ------------------------------------------------------------------ builders


def person(ident: str, agency: str | None = "shc", **fields) -> dict:
    return {"id": ident, "name": fields.pop("name", f"Person {ident}"), "agency": agency, **fields}


def group(ident: str, type_: str = "other", members=(), **fields) -> dict:
    """A group; ``members`` are person ids, ``(id, role)`` or ``(id, role, attendance)``."""
    seats = []
    for m in members:
        if isinstance(m, str):
            seats.append({"person": m})
        else:
            seat = {"person": m[0], "role": m[1]}
            if len(m) > 2:
                seat["attendance"] = m[2]
            seats.append(seat)
    return {"id": ident, "name": fields.pop("name", f"Group {ident}"), "type": type_, "members": seats, **fields}


def data(*, people=(), groups=(), links=(), agencies=None, **locality) -> dict:
    """A locmap/1 dict.  Without ``agencies``, the standard agencies that people
    or groups name are added; people named in groups but not listed are added
    (agency ``shc``)."""
    people = [copy.deepcopy(p) for p in people]
    known = {p["id"] for p in people}
    for g in groups:
        for m in g["members"]:
            if m["person"] not in known:
                people.append(person(m["person"]))
                known.add(m["person"])
    if agencies is None:
        wanted = {p.get("agency") for p in people} | {g.get("school") for g in groups}
        agencies = [{"id": a, **STANDARD_AGENCIES[a]} for a in STANDARD_AGENCIES if a in wanted]
    info = {"id": SLUG, "name": "Testville", "authority": "Testshire", "boundary": "clear", **locality}
    return {
        "format": "locmap/1",
        "locality": info,
        "agencies": list(agencies),
        "people": [{k: v for k, v in p.items() if v is not None} for p in people],
        "groups": [copy.deepcopy(g) for g in groups],
        "links": [{"from": a, "kind": kind, "to": b} for a, kind, b in links],
    }


def run(settings: AuditSettings | None = None, **parts):
    document = validate_data(data(**parts))
    return audit(document, settings) if settings else audit(document)


def only(result, code: str):
    """The one finding of ``code``; fails listing every finding otherwise."""
    found = result.by_code(code)
    assert len(found) == 1, f"expected one {code}, got {listing(result)}"
    return found[0]


def listing(result) -> str:
    return "\n".join(f"  {f.severity.value} {f.code} {f.subjects}: {f.message}" for f in result.findings) or "  (none)"


def assert_not_raised(result, code: str, subjects: tuple | None = None) -> None:
    found = [f for f in result.by_code(code) if subjects is None or f.subjects == subjects]
    assert not found, f"unexpected {code}:\n{listing(result)}"


# ------------------------------------------------------- a clean locality


def clean_locality() -> dict:
    """A well-structured locality after the report's recommendations.

    A clearly bounded patch with substantial devolved funding; an open network
    (both upstream and downstream conversations) meeting half-termly as the key
    communication group, chaired by a head teacher, with a co-ordinator who
    minds the system, a parent representative and a county officer who also
    sits on the county's strategic group, to which the network reports; a
    school consultation team in each school feeding issues to the network and
    referring cases to a representative panel, which the network oversees and
    which reports back to it.
    """
    people = [
        person("head-a", "school-a", name="Head teacher, School A"),
        person("senco-a", "school-a", name="SENCO, School A"),
        person("head-b", "school-b", name="Head teacher, School B"),
        person("senco-b", "school-b", name="SENCO, School B"),
        person("coord", "la", name="Locality co-ordinator", systems_minder=True),
        person("la-rep", "la", name="County officer for the locality"),
        person("county-head", "la", name="Head of county children's services"),
        person("sw1", "shc", name="Social work team manager"),
        person("sw2", "shc", name="Social worker"),
        person("camhs1", "camhs", name="Primary mental health worker"),
        person("camhs2", "camhs", name="Clinical psychologist"),
        person("nurse1", "health", name="School nurse"),
        person("nurse2", "health", name="Health visitor"),
        person("vol1", "vol", name="Family support worker"),
        person("pc1", "police", name="Schools liaison officer"),
        person("parent", "parents", name="Parent representative", service_user_rep=True),
    ]
    groups = [
        group(
            "network",
            "network",
            [
                ("head-a", "chair"),
                ("coord", "coordinator"),
                "la-rep",
                "head-b",
                "sw1",
                "camhs1",
                "nurse1",
                "vol1",
                "pc1",
                "parent",
            ],
            name="Testville Network",
            membership="open",
            meets="half_termly",
            hours=2,
        ),
        group(
            "panel",
            "panel",
            [("sw2", "chair"), "camhs2", "nurse2", ("senco-a", "key_worker"), ("senco-b", "key_worker"), "sw1"],
            name="Testville Panel",
            membership="representative",
            meets="monthly",
            hours=2,
        ),
        group(
            "sct-a",
            "school_consultation_team",
            ["senco-a", "camhs1", "nurse1"],
            name="SCT School A",
            school="school-a",
            meets="half_termly",
            hours=1.5,
        ),
        group(
            "sct-b",
            "school_consultation_team",
            ["senco-b", "camhs1", "nurse2"],
            name="SCT School B",
            school="school-b",
            meets="half_termly",
            hours=1.5,
        ),
        group(
            "county",
            "strategic_centre",
            ["la-rep", "county-head"],
            name="County Children's Trust",
            external=True,
            meets="termly",
        ),
    ]
    links = [
        ("sct-a", "feeds_issues_to", "network"),
        ("sct-b", "feeds_issues_to", "network"),
        ("sct-a", "refers_cases_to", "panel"),
        ("sct-b", "refers_cases_to", "panel"),
        ("panel", "reports_to", "network"),
        ("network", "oversees", "panel"),
        ("network", "reports_to", "county"),
    ]
    return data(people=people, groups=groups, links=links, devolved_funding="substantial")


@pytest.fixture
def clean() -> dict:
    return clean_locality()


def test_clean_locality_raises_no_high_or_medium_finding(clean):
    result = audit(validate_data(clean))
    serious = [f for f in result.findings if f.severity in (Severity.high, Severity.medium)]
    assert not serious, f"clean locality raised:\n{listing(result)}"
    assert result.metrics["key_group"] == "network"


def test_clean_locality_profile_is_mostly_strongly_evident(clean):
    profile = audit(validate_data(clean)).profile
    at_least_evident = [name for name, d in profile.items() if d["level"] is not None and d["level"] >= 1]
    assert len(at_least_evident) >= 9, json.dumps(profile, indent=1)
    assert profile["links_to_centre"]["level"] == 2
    assert profile["systems_minding"]["level"] == 2
    assert profile["upstream_downstream"]["level"] == 2


# ------------------------------------------------------ OVERLAPPING_GROUPS


def test_overlap_at_three_quarters_is_medium_with_its_jaccard():
    result = run(groups=[group("g1", members=["a", "b", "c"]), group("g2", members=["a", "b", "c", "d"])])
    f = only(result, "OVERLAPPING_GROUPS")
    assert (f.subjects, f.severity) == (("g1", "g2"), Severity.medium)
    assert "share 3 members" in f.message and "(Jaccard, seats weighted by attendance) 0.75" in f.message
    assert "'Group g1' (3 members)" in f.message and "'Group g2' (4)" in f.message


def test_identical_membership_is_a_high_overlap():
    result = run(groups=[group("g1", members=["a", "b"]), group("g2", members=["a", "b"])])
    f = only(result, "OVERLAPPING_GROUPS")
    assert (f.subjects, f.severity) == (("g1", "g2"), Severity.high)
    assert "1.00" in f.message


def test_overlap_exactly_at_threshold_is_raised():
    result = run(groups=[group("g1", members=["a", "b", "c"]), group("g2", members=["a", "b", "d"])])
    f = only(result, "OVERLAPPING_GROUPS")
    assert f.severity == Severity.medium and "0.50" in f.message


def test_overlap_just_below_threshold_is_not_raised():
    shared = ["s1", "s2", "s3", "s4", "s5"]
    result = run(
        groups=[group("g1", members=shared + ["x1", "x2", "x3"]), group("g2", members=shared + ["y1", "y2", "y3"])]
    )
    # 5 shared of 11: Jaccard 0.4545
    assert_not_raised(result, "OVERLAPPING_GROUPS")


def test_overlap_needs_two_shared_members():
    one = run(groups=[group("g1", members=["a"]), group("g2", members=["a"])])
    two = run(groups=[group("g1", members=["a", "b"]), group("g2", members=["a", "b"])])
    assert_not_raised(one, "OVERLAPPING_GROUPS")  # Jaccard 1.0 but one shared member
    assert only(two, "OVERLAPPING_GROUPS").subjects == ("g1", "g2")


def test_overlap_of_an_overseen_core_group_is_low_and_explained():
    # A core of two drawn from a network of five: different purposes, a small shared core.
    result = run(
        groups=[
            group("g1", "steering_group", ["a", "b"]),
            group("g2", "network", ["a", "b", "c", "d", "e"], membership="open"),
        ],
        links=[("g1", "oversees", "g2")],
        settings=AuditSettings(overlap_threshold=0.3),
    )
    f = only(result, "OVERLAPPING_GROUPS")
    assert f.severity == Severity.low
    assert "By design in part: 'Group g1' oversees 'Group g2', for a different purpose" in f.message


def test_overlap_of_consultation_teams_in_different_schools_is_low():
    result = run(
        groups=[
            group("sct-a", "school_consultation_team", ["ep", "sw", "senco-a"], school="school-a"),
            group("sct-b", "school_consultation_team", ["ep", "sw", "senco-b"], school="school-b"),
        ],
        people=[person("ep", "la"), person("sw"), person("senco-a", "school-a"), person("senco-b", "school-b")],
        agencies=[{"id": i, **STANDARD_AGENCIES[i]} for i in ("school-a", "school-b", "shc", "la")],
    )
    f = only(result, "OVERLAPPING_GROUPS")
    assert f.severity == Severity.low and "different schools" in f.message


def test_lower_overlap_threshold_raises_a_lower_overlap():
    shared = ["s1", "s2", "s3", "s4", "s5"]
    parts = dict(
        groups=[group("g1", members=shared + ["x1", "x2", "x3"]), group("g2", members=shared + ["y1", "y2", "y3"])]
    )
    assert_not_raised(run(**parts), "OVERLAPPING_GROUPS")
    f = only(run(AuditSettings(overlap_threshold=0.4), **parts), "OVERLAPPING_GROUPS")
    assert f.severity == Severity.medium and "0.45" in f.message


def test_overlap_high_setting_moves_severity():
    parts = dict(groups=[group("g1", members=["a", "b", "c"]), group("g2", members=["a", "b", "c", "d"])])
    assert only(run(AuditSettings(overlap_high=0.7), **parts), "OVERLAPPING_GROUPS").severity == Severity.high


# ------------------------------------------------------------ MEETING_LOAD


def load_locality(meetings: float, hours: float, hours_per_week: float | None = 10, attendance: float | None = None):
    seat = ("ep", "member") if attendance is None else ("ep", "member", attendance)
    return dict(
        people=[person("ep", "la", name="Educational psychologist", hours_per_week=hours_per_week)],
        groups=[group("g1", members=[seat], meetings_per_year=meetings, hours=hours)],
    )


def test_meeting_load_just_over_a_quarter_is_medium():
    # 50 meetings x 2.4 h = 120 h of 10 h x 46 weeks = 460 h: 26%
    f = only(run(**load_locality(50, 2.4)), "MEETING_LOAD")
    assert (f.subjects, f.severity) == (("ep",), Severity.medium)
    assert "about 120 hours a year in 1 of these meetings: 26% of working time (10 hours a week)" in f.message


def test_meeting_load_just_under_a_quarter_is_not_raised():
    # 50 x 2.2 = 110 h of 460 h: 23.9%
    assert_not_raised(run(**load_locality(50, 2.2)), "MEETING_LOAD")


def test_meeting_load_of_exactly_a_quarter_is_not_raised():
    # 23 x 10 = 230 h of 20 h x 46 = 920 h: exactly 25%
    assert_not_raised(run(**load_locality(23, 10, hours_per_week=20)), "MEETING_LOAD")


def test_meeting_load_over_half_is_high():
    # 50 x 4.8 = 240 h of 460 h: 52%
    f = only(run(**load_locality(50, 4.8)), "MEETING_LOAD")
    assert f.severity == Severity.high and "52% of working time" in f.message


def test_meeting_load_over_half_is_flagged_whatever_the_share_setting():
    settings = AuditSettings(meeting_load_share=0.6)
    assert only(run(settings, **load_locality(50, 4.8)), "MEETING_LOAD").severity == Severity.high
    assert_not_raised(run(settings, **load_locality(50, 3.7)), "MEETING_LOAD")  # 40%


def test_meeting_load_counts_attendance_and_assumed_hours():
    # 39 x 20 = 780 h at attendance 0.5 = 390 h of 37 x 46 = 1702 h: 23%
    assert_not_raised(run(**load_locality(39, 20, hours_per_week=None, attendance=0.5)), "MEETING_LOAD")
    f = only(run(**load_locality(39, 20, hours_per_week=None, attendance=1.0)), "MEETING_LOAD")
    assert "46% of working time (an assumed 37 hours a week)" in f.message


# ---------------------------------------------------------- ISOLATED_AGENCY


def test_agency_with_nobody_seated_is_isolated():
    result = run(
        people=[person("a"), person("b"), person("cop", "police", name="PC")],
        groups=[group("g1", members=["a", "b"])],
    )
    f = only(result, "ISOLATED_AGENCY")
    assert (f.subjects, f.severity) == (("police",), Severity.medium)
    assert f.message == "'Police' (police) has nobody on any of the locality's groups."


def test_agency_without_people_is_isolated_and_other_sector_is_low():
    agencies = [{"id": "shc", **STANDARD_AGENCIES["shc"]}, {"id": "misc", "name": "Misc", "sector": "other"}]
    f = only(run(agencies=agencies, groups=[group("g1", members=["a"])]), "ISOLATED_AGENCY")
    assert (f.subjects, f.severity) == (("misc",), Severity.low)
    assert "has no people recorded on any group" in f.message


def test_agency_seated_only_on_a_detached_group_is_isolated():
    result = run(
        people=[person("a"), person("b", "camhs"), person("c", "la"), person("cop", "police")],
        groups=[
            group("steer", "steering_group", ["a", "b", "c"], name="Steering group"),
            group("beat", "other", ["cop"], name="Beat meeting"),
        ],
    )
    f = only(result, "ISOLATED_AGENCY")
    assert f.subjects == ("police",)
    assert "sits only on groups cut off from 'Steering group' ('Beat meeting')" in f.message


def test_agency_seated_only_on_the_county_centre_is_not_isolated():
    result = run(
        people=[person("a"), person("b"), person("officer", "la")],
        groups=[
            group("g1", "steering_group", ["a", "b"]),
            group("county", "strategic_centre", ["officer"], external=True),
        ],
        links=[("g1", "reports_to", "county")],
    )
    assert_not_raised(result, "ISOLATED_AGENCY")


# ----------------------------------------------- ISOLATED_GROUP / FRAGMENTED_SYSTEM


def test_group_with_no_link_and_no_shared_member_is_isolated():
    result = run(
        groups=[
            group("g1", members=["a", "b"]),
            group("g2", members=["b", "c"]),
            group("lone", members=["d"], name="Lone group"),
        ]
    )
    f = only(result, "ISOLATED_GROUP")
    assert (f.subjects, f.severity) == (("lone",), Severity.medium)
    assert f.message.startswith("'Lone group' has no link to any other group")
    assert_not_raised(result, "FRAGMENTED_SYSTEM")


def test_group_linked_only_to_the_county_is_still_isolated_locally():
    result = run(
        groups=[
            group("g1", members=["a", "b"]),
            group("g2", members=["b"]),
            group("g3", members=["c"]),
            group("county", "strategic_centre", ["c", "z"], external=True),
        ],
        links=[("g3", "reports_to", "county")],
    )
    (f,) = result.by_code("ISOLATED_GROUP")
    assert f.subjects == ("g3",)
    assert "linked only to groups outside the locality" in f.message


def test_group_whose_member_sits_elsewhere_is_not_isolated():
    result = run(groups=[group("g1", members=["a", "b"]), group("g2", members=["b"])])
    assert_not_raised(result, "ISOLATED_GROUP")


def test_two_linked_groups_detached_from_the_rest_fragment_the_system():
    result = run(
        groups=[
            group("g1", members=["a", "b"]),
            group("g2", members=["b", "c"]),
            group("g3", members=["c"]),
            group("d1", members=["x"], name="Detached one"),
            group("d2", members=["y"], name="Detached two"),
        ],
        links=[("d1", "reports_to", "d2")],
    )
    f = only(result, "FRAGMENTED_SYSTEM")
    assert (f.subjects, f.severity) == (("d1", "d2"), Severity.high)
    assert "falls into 2 parts; detached from the main part: 'Detached one', 'Detached two'" in f.message
    assert_not_raised(result, "ISOLATED_GROUP")


def test_parts_meeting_only_through_the_county_are_still_two_parts():
    result = run(
        groups=[
            group("g1", members=["a", "b"]),
            group("g2", members=["b"]),
            group("d1", members=["x", "y"]),
            group("d2", members=["y"]),
            group("county", "strategic_centre", ["b", "x"], external=True),
        ],
    )
    assert only(result, "FRAGMENTED_SYSTEM").subjects == ("d1", "d2")
    assert result.metrics["components"] == 2


def test_a_single_group_cut_off_locally_but_linked_to_the_county_is_reported():
    result = run(
        groups=[
            group("g1", "steering_group", ["a", "b"]),
            group("g2", members=["b"]),
            group("g3", members=["x"], name="Cut off"),
            group("county", "strategic_centre", ["y"], external=True),
        ],
        links=[("g1", "reports_to", "county"), ("g3", "reports_to", "county")],
    )
    assert result.metrics["components"] == 2
    reported = {f.subjects for f in result.findings if f.code in ("ISOLATED_GROUP", "FRAGMENTED_SYSTEM")}
    assert ("g3",) in reported, listing(result)


# ----------------------------------------------- NO_KEY_COMMUNICATION_GROUP


def test_minimal_locality_has_no_key_group_and_names_what_the_nearest_lacks(minimal):
    f = only(audit(validate_data(minimal)), "NO_KEY_COMMUNICATION_GROUP")
    assert (f.subjects, f.severity) == (("steering",), Severity.high)
    assert "The nearest, 'Steering group', lacks inclusive membership." in f.message


def key_group_locality(meetings_per_year: float | None) -> dict:
    extra = {} if meetings_per_year is None else {"meetings_per_year": meetings_per_year}
    return dict(
        groups=[
            group("forum", "forum", ["a", "b"], name="Forum", membership="open", **extra),
            group("panel", "panel", ["b", "c"]),
        ],
        links=[("panel", "reports_to", "forum")],
    )


def test_key_group_meeting_twice_a_year_does_not_count():
    f = only(run(**key_group_locality(2)), "NO_KEY_COMMUNICATION_GROUP")
    assert f.subjects == ("forum",)
    assert "lacks regular meetings (more than 2 a year)" in f.message


def test_key_group_meeting_three_times_a_year_or_unknown_counts():
    for meetings in (3, None):
        result = run(**key_group_locality(meetings))
        assert_not_raised(result, "NO_KEY_COMMUNICATION_GROUP")
        assert result.metrics["key_group"] == "forum"


def test_key_group_min_meetings_setting_changes_the_outcome():
    result = run(AuditSettings(key_group_rare_meetings=1), **key_group_locality(2))
    assert_not_raised(result, "NO_KEY_COMMUNICATION_GROUP")


def test_consultation_team_commissioning_a_mast_is_not_a_key_group():
    result = run(
        groups=[
            group("sct", "school_consultation_team", ["a", "b"], school="school-a", membership="open"),
            group("mast", "multi_agency_support_team", ["b", "c"]),
        ],
        people=[person("a", "school-a"), person("b"), person("c", "camhs")],
        links=[("sct", "commissions", "mast")],
    )
    f = only(result, "NO_KEY_COMMUNICATION_GROUP")
    assert f.subjects == ()
    assert "No group has strategic responsibility." in f.message
    assert result.metrics["principal_group"] is None


# -------------------------------------------------- MISSING_UPSTREAM_PATH


def panel_locality(panel_members, links=(), extra_groups=()):
    return dict(
        people=[person("a"), person("b", "camhs"), person("c", "la"), person("head", "school-a")],
        groups=[
            group("steer", "steering_group", ["a", "b", "c"]),
            group("panel", "panel", panel_members, name="Panel"),
            *extra_groups,
        ],
        links=[("panel", "reports_to", "steer"), *links],
    )


def test_panel_without_referrer_or_school_has_no_upstream_path():
    f = only(run(**panel_locality(["a", "b"])), "MISSING_UPSTREAM_PATH")
    assert (f.subjects, f.severity) == (("panel",), Severity.medium)
    assert "Casework group 'Panel' has no referral route" in f.message


def test_panel_with_a_school_member_has_an_upstream_path():
    assert_not_raised(run(**panel_locality(["a", "head"])), "MISSING_UPSTREAM_PATH")


def test_panel_referred_to_by_a_consultation_team_has_an_upstream_path():
    sct = group("sct", "school_consultation_team", ["head", "b"], school="school-a")
    result = run(**panel_locality(["a", "b"], links=[("sct", "refers_cases_to", "panel")], extra_groups=[sct]))
    assert_not_raised(result, "MISSING_UPSTREAM_PATH")


def test_referral_from_a_strategic_group_is_not_an_upstream_path():
    result = run(**panel_locality(["a", "b"], links=[("steer", "refers_cases_to", "panel")]))
    assert only(result, "MISSING_UPSTREAM_PATH").subjects == ("panel",)


def test_isolated_panel_is_an_isolated_group_not_a_missing_path():
    result = run(
        people=[person("a"), person("b", "camhs"), person("c", "la")],
        groups=[
            group("steer", "steering_group", ["a", "b"]),
            group("wg", members=["b"]),
            group("panel", "panel", ["c"]),
        ],
    )
    assert only(result, "ISOLATED_GROUP").subjects == ("panel",)
    assert_not_raised(result, "MISSING_UPSTREAM_PATH")
    assert_not_raised(result, "MISSING_FEEDBACK_PATH")


# ------------------------------------------------ MISSING_DOWNSTREAM_PATH


def test_consultation_team_without_route_to_casework():
    result = run(
        people=[person("a"), person("head", "school-a"), person("b")],
        groups=[
            group("steer", "steering_group", ["a"]),
            group("sct", "school_consultation_team", ["head", "a"], name="SCT", school="school-a"),
            group("panel", "panel", ["b"], name="Panel"),
        ],
        links=[("sct", "reports_to", "steer"), ("steer", "reports_to", "panel")],
    )
    found = {f.subjects: f for f in result.by_code("MISSING_DOWNSTREAM_PATH")}
    assert set(found) == {("sct",), ("school-a",)}
    assert found[("sct",)].severity == Severity.medium
    assert found[("sct",)].message == (
        "Concerns raised in 'SCT' have no route to any group that can take a case: "
        "children of concern have nowhere to go."
    )
    assert found[("school-a",)].message.startswith("School 'School A' sits on no group that can take a case")


def test_no_group_that_takes_cases_is_one_finding_for_the_locality():
    result = run(
        people=[person("a"), person("head", "school-a")],
        groups=[
            group("steer", "steering_group", ["a"]),
            group("sct", "school_consultation_team", ["head", "a"], name="SCT", school="school-a"),
        ],
        links=[("sct", "reports_to", "steer")],
    )
    f = only(result, "MISSING_DOWNSTREAM_PATH")
    assert (f.subjects, f.severity) == ((), Severity.medium)
    assert f.message.startswith("No group in the locality takes cases")


def test_school_and_group_sharing_an_id_both_get_their_downstream_finding():
    result = run(
        people=[person("a"), person("h", "school-a"), person("b")],
        groups=[
            group("steer", "steering_group", ["a"]),
            group("school-a", "school_consultation_team", ["h"], school="school-a"),
            group("panel", "panel", ["b"]),
        ],
        links=[("school-a", "reports_to", "steer"), ("steer", "reports_to", "panel")],
    )
    messages = [f.message for f in result.by_code("MISSING_DOWNSTREAM_PATH")]
    assert len(messages) == 2, messages
    assert any(m.startswith("School 'School A'") for m in messages)


def test_consultation_team_reaching_a_panel_in_two_hops_has_a_route():
    result = run(
        people=[person("a"), person("head", "school-a")],
        groups=[
            group("sct", "school_consultation_team", ["head", "a"], school="school-a"),
            group("hub", "working_group", ["a"]),
            group("panel", "panel", ["a", "head"]),
        ],
        links=[("sct", "consults", "hub"), ("hub", "refers_cases_to", "panel")],
    )
    assert_not_raised(result, "MISSING_DOWNSTREAM_PATH")


def test_consultation_team_feeding_an_open_network_has_a_route():
    result = run(
        people=[person("a"), person("head", "school-a")],
        groups=[
            group("sct", "school_consultation_team", ["head", "a"], school="school-a"),
            group("network", "network", ["a", "head"], membership="open"),
        ],
        links=[("sct", "feeds_issues_to", "network")],
    )
    gaps = result.by_code("MISSING_DOWNSTREAM_PATH")
    # The network can take a case up (a social care worker attends), but no group takes cases as its business.
    assert [(f.subjects, f.severity) for f in gaps] == [((), Severity.low)]


# -------------------------------------------------- MISSING_FEEDBACK_PATH


def test_panel_not_reporting_to_the_principal_group_is_a_feedback_gap():
    result = run(
        people=[person("a"), person("b", "camhs"), person("c", "la"), person("d", "health")],
        groups=[
            group("steer", "steering_group", ["a", "b"], name="Steering"),
            group("panel", "panel", ["c", "d"], name="Panel"),
        ],
        links=[("steer", "oversees", "panel")],
    )
    f = only(result, "MISSING_FEEDBACK_PATH")
    assert (f.subjects, f.severity) == (("panel",), Severity.medium)
    assert f.message == "Issues met in 'Panel' have no route (reports to / feeds issues to) to 'Steering'."


def test_feedback_only_through_a_shared_member_is_low_and_names_them():
    result = run(
        people=[person("a", name="Ann"), person("b", "camhs"), person("c", "la")],
        groups=[
            group("steer", "steering_group", ["a", "b"], name="Steering"),
            group("panel", "panel", ["a", "c"], name="Panel"),
        ],
    )
    f = only(result, "MISSING_FEEDBACK_PATH")
    assert (f.subjects, f.severity) == (("panel",), Severity.low)
    assert "Only informally, through 'Ann', who sit on both." in f.message


def test_feedback_along_an_indirect_path_counts():
    result = run(
        people=[person("a"), person("b", "camhs"), person("c", "la")],
        groups=[
            group("steer", "steering_group", ["a", "b"]),
            group("wg", "working_group", ["c"]),
            group("panel", "panel", ["c"]),
        ],
        links=[("panel", "reports_to", "wg"), ("wg", "feeds_issues_to", "steer"), ("steer", "oversees", "panel")],
    )
    assert_not_raised(result, "MISSING_FEEDBACK_PATH")


# ------------------------------------------------------- NO_LINK_TO_CENTRE


def centre_locality(*, links=(), steer_members=("a", "b"), county_members=("officer",), extra_groups=()):
    return dict(
        people=[person("a"), person("b", "camhs"), person("officer", "la"), person("c", "health")],
        groups=[
            group("steer", "steering_group", list(steer_members), name="Steering"),
            *extra_groups,
            group("county", "strategic_centre", list(county_members), name="County Trust", external=True),
        ],
        links=list(links),
    )


def test_principal_group_without_route_to_the_centre_is_high():
    f = only(run(**centre_locality()), "NO_LINK_TO_CENTRE")
    assert (f.subjects, f.severity) == (("steer",), Severity.high)
    assert f.message == "No route from 'Steering' to 'County Trust': no upward link and no shared member."


def test_centre_reached_only_by_another_group_is_medium():
    wg = group("wg", "working_group", ["a", "c"], name="Working group")
    result = run(
        **centre_locality(extra_groups=[wg], links=[("wg", "feeds_issues_to", "county"), ("steer", "oversees", "wg")])
    )
    f = only(result, "NO_LINK_TO_CENTRE")
    assert f.severity == Severity.medium and "Only 'Working group' connect to the centre." in f.message


def test_no_centre_recorded_is_high():
    result = run(people=[person("a")], groups=[group("steer", "steering_group", ["a"])])
    f = only(result, "NO_LINK_TO_CENTRE")
    assert f.severity == Severity.high and "No local-authority-wide strategic group is recorded" in f.message


def test_a_downward_link_from_the_centre_is_no_route_to_it():
    result = run(**centre_locality(links=[("county", "oversees", "steer")]))
    assert only(result, "NO_LINK_TO_CENTRE").subjects == ("steer",)


def test_upward_link_reaches_the_centre():
    for kind in ("reports_to", "feeds_issues_to", "consults"):
        assert_not_raised(run(**centre_locality(links=[("steer", kind, "county")])), "NO_LINK_TO_CENTRE")


def test_shared_member_attending_under_half_is_a_weak_link():
    steady = run(**centre_locality(steer_members=("a", "b", "officer")))
    weak_locally = run(**centre_locality(steer_members=("a", "b", ("officer", "member", 0.4))))
    weak_at_county = run(
        **centre_locality(steer_members=("a", "b", "officer"), county_members=(("officer", "member", 0.49),))
    )
    assert steady.profile["links_to_centre"]["level"] == 1
    for weak in (weak_locally, weak_at_county):
        assert_not_raised(weak, "NO_LINK_TO_CENTRE")
        assert weak.profile["links_to_centre"]["level"] == 0.5
        assert "carried only by member(s) attending" in weak.profile["links_to_centre"]["evidence"]
        assert "a weak link" in weak.profile["links_to_centre"]["evidence"]
    assert_not_raised(steady, "NO_LINK_TO_CENTRE")


def test_an_external_strategic_group_of_any_type_is_a_centre():
    result = run(
        people=[person("a"), person("officer", "la")],
        groups=[
            group("steer", "steering_group", ["a"], name="Steering"),
            group("cyp", "steering_group", ["officer"], name="County CYP board", external=True),
        ],
    )
    f = only(result, "NO_LINK_TO_CENTRE")
    assert "to 'County CYP board'" in f.message
    assert_not_raised(result, "CROSS_BOUNDARY_GROUP")


def test_upward_link_carried_only_by_a_rare_attender_is_weak_in_the_clean_locality(clean):
    for g in clean["groups"]:
        if g["id"] == "network":
            next(m for m in g["members"] if m["person"] == "la-rep")["attendance"] = 0.3
    profile = audit(validate_data(clean)).profile
    assert profile["links_to_centre"]["level"] == 0.5
    assert "attending 30%" in profile["links_to_centre"]["evidence"]
    assert profile["links_to_centre"]["margin"]["next_cutoff"] == 0.5


# --------------------------------------------- NO_SYSTEMS_MINDER / SYSTEMS_MINDER_GAP


def test_nobody_minding_the_system_is_high():
    f = only(run(groups=[group("g1", members=["a"])]), "NO_SYSTEMS_MINDER")
    assert (f.subjects, f.severity) == ((), Severity.high)


def test_a_minder_who_sits_on_no_group_does_not_count():
    result = run(people=[person("a"), person("m", systems_minder=True)], groups=[group("g1", members=["a"])])
    assert only(result, "NO_SYSTEMS_MINDER")
    assert result.metrics["systems_minders"] == 0


def minder_locality(links):
    return dict(
        people=[person("m", name="Minder", systems_minder=True), person("a"), person("b"), person("c"), person("d")],
        groups=[
            group("g1", members=["m", "a"], name="One"),
            group("g2", members=["b"], name="Two"),
            group("g3", members=["c"], name="Three"),
            group("g4", members=["d"], name="Four"),
        ],
        links=links,
    )


def test_minder_gap_lists_groups_beyond_one_link():
    # g1 -> g2 -> g3 -> g4: the minder on g1 reaches g2 only.
    result = run(
        **minder_locality([("g1", "reports_to", "g2"), ("g2", "reports_to", "g3"), ("g3", "reports_to", "g4")])
    )
    f = only(result, "SYSTEMS_MINDER_GAP")
    assert (f.subjects, f.severity) == (("g3", "g4"), Severity.low)
    assert (
        "The systems minder neither attends nor reaches through one link: 'Three', 'Four' (50% of groups reached"
        in f.message
    )
    assert_not_raised(result, "NO_SYSTEMS_MINDER")


def test_minder_reaching_under_half_is_medium():
    # The minder's group g1 has no link: 1 of 4 groups reached.
    result = run(**minder_locality([("g2", "reports_to", "g3"), ("g3", "reports_to", "g4")]))
    f = only(result, "SYSTEMS_MINDER_GAP")
    assert (f.subjects, f.severity) == (("g2", "g3", "g4"), Severity.medium)
    assert "(25% of groups reached" in f.message


def test_a_link_in_either_direction_reaches_a_group():
    result = run(**minder_locality([("g2", "reports_to", "g1"), ("g1", "oversees", "g3")]))
    assert only(result, "SYSTEMS_MINDER_GAP").subjects == ("g4",)


def test_minder_reaching_every_group_within_one_link_has_no_gap():
    result = run(
        **minder_locality([("g2", "reports_to", "g1"), ("g1", "oversees", "g3"), ("g4", "feeds_issues_to", "g1")])
    )
    assert_not_raised(result, "SYSTEMS_MINDER_GAP")
    assert result.metrics["systems_minder_reach"] == 1.0


# -------------------------------------------------- SINGLE_POINT_OF_FAILURE


def spof_locality(second_link: bool = False):
    """A steering group joined to a working group only through Ann; the working
    group reports to a casework review.  With ``second_link``, Bob sits on the
    steering and working groups too."""
    wg_members = ["ann", "c"] + (["bob"] if second_link else [])
    return dict(
        people=[person("ann", name="Ann"), person("bob", "camhs"), person("c", "la"), person("d", "health")],
        groups=[
            group("steer", "steering_group", ["ann", "bob"], name="Steering"),
            group("wg", "other", wg_members, name="Working group"),
            group("review", "other", ["d"], name="Review"),
        ],
        links=[("wg", "reports_to", "review")],
    )


def test_the_only_link_person_is_a_single_point_of_failure():
    f = only(run(**spof_locality()), "SINGLE_POINT_OF_FAILURE")
    assert (f.subjects, f.severity) == (("ann",), Severity.high)  # two groups cut off
    assert f.message.startswith("If 'Ann' left, 'Working group', 'Review' would be cut off")


def test_one_of_two_link_people_is_not_a_single_point_of_failure():
    assert_not_raised(run(**spof_locality(second_link=True)), "SINGLE_POINT_OF_FAILURE")


def test_cutting_off_one_group_is_medium():
    result = run(
        people=[person("ann", name="Ann"), person("bob", "camhs"), person("c", "la")],
        groups=[group("steer", "steering_group", ["ann", "bob"]), group("wg", "working_group", ["ann", "c"])],
    )
    f = only(result, "SINGLE_POINT_OF_FAILURE")
    assert (f.subjects, f.severity) == (("ann",), Severity.medium)


def test_single_points_of_failure_are_the_articulation_people():
    document = validate_data(data(**spof_locality()))
    graphs = build_graphs(document)
    system = local_system(graphs)
    expected = {n.split(":", 1)[1] for n in nx.articulation_points(system) if n.startswith("person:")}
    assert {c.person for c in single_points_of_failure(graphs, "steer")} == expected == {"ann"}


# -------------------------------------------------------- NO_USER_INVOLVEMENT


def test_no_service_user_representative_is_medium():
    f = only(run(groups=[group("g1", members=["a"])]), "NO_USER_INVOLVEMENT")
    assert (f.subjects, f.severity) == ((), Severity.medium)


def test_a_seated_parent_representative_is_user_involvement():
    seated = run(people=[person("p", "parents", service_user_rep=True)], groups=[group("g1", members=["p"])])
    unseated = run(
        people=[person("a"), person("p", "parents", service_user_rep=True)], groups=[group("g1", members=["a"])]
    )
    assert_not_raised(seated, "NO_USER_INVOLVEMENT")
    assert only(unseated, "NO_USER_INVOLVEMENT")


# -------------------------------------------------------- CROSS_BOUNDARY_GROUP


def test_groups_crossing_the_boundary_each_way():
    result = run(
        groups=[
            group("local", members=["a"], area=[SLUG]),
            group("wide", members=["a"], name="Wide", area=[SLUG, "elsewhere"]),
            group("hot", members=["a"], name="Hot spot", area=["estate"]),
            group("managed", members=["a"], name="Managed", external=True),
            group("county", "strategic_centre", ["a"], external=True, area=["county"]),
        ]
    )
    found = {f.subjects: f for f in result.by_code("CROSS_BOUNDARY_GROUP")}
    assert set(found) == {("wide",), ("hot",), ("managed",)}
    # Welcoming neighbours into a clearly bounded locality is not a hot spot (recommendation i).
    assert {s: f.severity for s, f in found.items()} == {
        ("wide",): Severity.low,
        ("hot",): Severity.medium,
        ("managed",): Severity.medium,
    }
    assert found[("wide",)].message.startswith("'Wide' serves areas beyond the locality: elsewhere.")
    assert "serves only estate, not the locality as a whole" in found[("hot",)].message
    assert found[("managed",)].message == "'Managed' serves the locality but is managed outside it."


# -------------------------------------------------------------- LABEL_MISMATCH


def test_network_with_fixed_membership_is_a_label_mismatch():
    result = run(groups=[group("net", "network", ["a"], name="Net", membership="fixed")])
    f = only(result, "LABEL_MISMATCH")
    assert (f.subjects, f.severity) == (("net",), Severity.low)
    assert "'Net' is declared a network: a network is open to anyone" in f.message
    assert f.message.count(" but ") == 1
    assert "its membership is fixed" in f.message


def test_forum_with_open_membership_and_both_focus_is_no_mismatch():
    result = run(
        people=[person("a"), person("b", "camhs")],
        groups=[group("forum", "forum", ["a", "b"], membership="open", focus="both")],
    )
    assert_not_raised(result, "LABEL_MISMATCH")


def test_single_sector_panel_with_open_membership_lists_both_problems():
    result = run(groups=[group("panel", "panel", ["a", "b"], name="Panel", membership="open")])
    f = only(result, "LABEL_MISMATCH")
    assert (
        "but its membership is open; and a panel is multi-agency, but all its members come from one sector (social care)"
        in f.message
    )


def test_consultation_team_without_a_school_is_a_label_mismatch():
    without = run(groups=[group("sct", "school_consultation_team", ["a"])])
    with_school_member = run(people=[person("h", "school-a")], groups=[group("sct", "school_consultation_team", ["h"])])
    assert "no school is recorded" in only(without, "LABEL_MISMATCH").message
    assert_not_raised(with_school_member, "LABEL_MISMATCH")


# ---------------------------------------------------- CASEWORK_WITHOUT_KEY_WORKERS


def casework_locality(seats, type_="panel"):
    return dict(
        people=[
            person("r1"),
            person("r2", "camhs"),
            person("r3", "health"),
            person("k1", "school-a"),
            person("k2", "vol"),
            person("k3", "la"),
        ],
        groups=[group("panel", type_, seats, name="Panel")],
    )


def test_panel_of_representatives_without_key_workers():
    seats = [("r1", "representative"), ("r2", "representative"), ("r3", "representative"), ("k1", "key_worker")]
    f = only(run(**casework_locality(seats)), "CASEWORK_WITHOUT_KEY_WORKERS")
    assert (f.subjects, f.severity) == (("panel",), Severity.low)
    assert "through agency representatives (about 3 seats), with key workers present for about 1:" in f.message


def test_as_many_key_workers_as_representatives_is_fine():
    seats = [("r1", "representative"), ("r2", "representative"), ("k1", "key_worker"), ("k2", "key_worker")]
    assert_not_raised(run(**casework_locality(seats)), "CASEWORK_WITHOUT_KEY_WORKERS")


def test_key_workers_count_by_attendance():
    seats = [("r1", "representative"), ("r2", "representative")] + [(k, "key_worker", 0.5) for k in ("k1", "k2", "k3")]
    f = only(run(**casework_locality(seats)), "CASEWORK_WITHOUT_KEY_WORKERS")
    assert "key workers present for about 1.5:" in f.message


def test_representatives_on_a_non_casework_group_are_not_flagged():
    seats = [("r1", "representative"), ("r2", "representative"), ("r3", "representative")]
    assert_not_raised(run(**casework_locality(seats, type_="steering_group")), "CASEWORK_WITHOUT_KEY_WORKERS")


# ------------------------------------------------------- every code is exercised


#: For each code, one of the localities above that raises it.
RAISES = {
    "OVERLAPPING_GROUPS": lambda: data(groups=[group("g1", members=["a", "b"]), group("g2", members=["a", "b"])]),
    "MEETING_LOAD": lambda: data(**load_locality(50, 4.8)),
    "ISOLATED_AGENCY": lambda: data(people=[person("a"), person("cop", "police")], groups=[group("g1", members=["a"])]),
    "ISOLATED_GROUP": lambda: data(groups=[group("g1", members=["a"]), group("g2", members=["b"])]),
    "FRAGMENTED_SYSTEM": lambda: data(
        groups=[
            group("g1", members=["a", "b"]),
            group("g2", members=["b"]),
            group("d1", members=["x"]),
            group("d2", members=["x"]),
        ]
    ),
    "NO_KEY_COMMUNICATION_GROUP": lambda: copy.deepcopy(MINIMAL),
    "MISSING_UPSTREAM_PATH": lambda: data(**panel_locality(["a", "b"])),
    "MISSING_DOWNSTREAM_PATH": lambda: data(
        people=[person("h", "school-a")], groups=[group("sct", "school_consultation_team", ["h"])]
    ),
    "MISSING_FEEDBACK_PATH": lambda: data(
        groups=[group("steer", "steering_group", ["a"]), group("panel", "panel", ["a", "b"])]
    ),
    "NO_LINK_TO_CENTRE": lambda: data(**centre_locality()),
    "NO_SYSTEMS_MINDER": lambda: data(groups=[group("g1", members=["a"])]),
    "SYSTEMS_MINDER_GAP": lambda: data(**minder_locality([])),
    "ABSENT_SYSTEMS_MINDER": lambda: data(
        people=[person("m", systems_minder=True)], groups=[group("g1", members=[("m", "member", 0)])]
    ),
    "SINGLE_POINT_OF_FAILURE": lambda: data(**spof_locality()),
    "NO_USER_INVOLVEMENT": lambda: data(groups=[group("g1", members=["a"])]),
    "CROSS_BOUNDARY_GROUP": lambda: data(groups=[group("g1", members=["a"], area=["elsewhere"])]),
    "LABEL_MISMATCH": lambda: data(groups=[group("net", "network", ["a"], membership="fixed")]),
    "CASEWORK_WITHOUT_KEY_WORKERS": lambda: data(**casework_locality([("r1", "representative")])),
}


#: The structural codes; the census codes need a census and are raised in tests/test_census_audit.py.
STRUCTURAL_CODES = tuple(c for c in CODES if c not in CENSUS_CODES)


def test_every_code_has_a_locality_raising_it():
    assert len(CODES) == 22 and len(STRUCTURAL_CODES) == 18
    assert set(RAISES) == set(STRUCTURAL_CODES)


@pytest.mark.parametrize("code", STRUCTURAL_CODES)
def test_code_is_raised_and_cleared(code, clean):
    assert code in audit(validate_data(RAISES[code]())).codes()
    assert code not in audit(validate_data(clean)).codes()


# ---------------------------------------------------------- sample localities


SAMPLES = [load_path(p) for p in SAMPLE_PATHS]


@pytest.mark.parametrize("document", SAMPLES, ids=[p.stem for p in SAMPLE_PATHS])
def test_sample_findings_are_unique_sorted_and_name_real_ids(document):
    result = audit(document)
    keys = [f.key for f in result.findings]
    assert len(keys) == len(set(keys)), keys
    order = [SEVERITY_ORDER[f.severity] for f in result.findings]
    assert order == sorted(order)
    ids = {g.id for g in document.groups} | {p.id for p in document.people} | {a.id for a in document.agencies}
    for f in result.findings:
        assert f.code in CODES
        assert set(f.subjects) <= ids, (f.code, f.subjects)


@pytest.mark.parametrize("document", SAMPLES, ids=[p.stem for p in SAMPLE_PATHS])
def test_sample_audit_is_deterministic_and_has_the_documented_shape(document):
    first, second = audit(document).as_dict(), audit(document).as_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first == second
    assert set(first) == {"locality", "metrics", "findings", "profile"}
    assert first["locality"] == document.locality.id
    for f in first["findings"]:
        assert set(f) == {"code", "severity", "subjects", "message", "principle", "suggestion", "basis"}
        assert f["basis"] in {"declared", "inferred"}
        assert f["severity"] in {"high", "medium", "low", "info"}
    assert list(first["profile"]) == list(DIMENSIONS) and len(DIMENSIONS) == 13
    for entry in first["profile"].values():
        assert set(entry) == {"level", "evidence", "basis", "margin"}
        assert entry["basis"] in {"declared", "inferred"}
        assert entry["level"] in {0, 0.5, 1, 2, None}
        assert isinstance(entry["evidence"], str) and entry["evidence"]
    json.dumps(first)  # plain JSON


def test_audit_of_a_rebuilt_document_is_identical(clean):
    a = audit(validate_data(clean)).as_dict()
    b = audit(validate_data(copy.deepcopy(clean))).as_dict()
    assert a == b


def test_audit_accepts_prebuilt_graphs(clean):
    document = validate_data(clean)
    assert audit(build_graphs(document)).as_dict() == audit(document).as_dict()


def test_audit_does_not_change_the_document(clean):
    document = validate_data(clean)
    before = document.to_data()
    audit(document)
    assert document.to_data() == before


# ---------------------------------------------------- generic graph functions


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@pytest.fixture(scope="module")
def davis():
    """Davis's Southern Women as a locality: women are people, events are groups."""
    G = nx.davis_southern_women_graph()
    women, events = G.graph["top"], G.graph["bottom"]
    doc = {
        "format": "locmap/1",
        "locality": {"id": "old-city", "name": "Old City", "authority": "Natchez", "boundary": "clear"},
        "people": [{"id": slug(w), "name": w} for w in women],
        "groups": [
            {
                "id": slug(e),
                "name": e,
                "type": "other",
                "members": [{"person": slug(w)} for w in women if G.has_edge(w, e)],
            }
            for e in events
        ],
    }
    return G, build_graphs(validate_data(doc))


def test_group_projection_matches_networkx_on_davis(davis):
    G, graphs = davis
    expected = bipartite.weighted_projected_graph(G, G.graph["bottom"])
    got = group_projection(graphs)
    assert set(got.nodes) == {slug(e) for e in expected.nodes}
    assert {frozenset((u, v)): d["weight"] for u, v, d in got.edges(data=True)} == {
        frozenset((slug(u), slug(v))): d["weight"] for u, v, d in expected.edges(data=True)
    }


def test_person_projection_matches_networkx_on_davis(davis):
    G, graphs = davis
    expected = bipartite.weighted_projected_graph(G, G.graph["top"])
    got = person_projection(graphs)
    assert {frozenset((u, v)): d["weight"] for u, v, d in got.edges(data=True)} == {
        frozenset((slug(u), slug(v))): d["weight"] for u, v, d in expected.edges(data=True)
    }


def test_membership_overlaps_are_jaccard_of_member_sets_on_davis(davis):
    _, graphs = davis
    members = {g: set(m) for g, m in graphs.members_of.items()}
    expected = {}
    for a, b in itertools.combinations(graphs.local_groups, 2):
        if members[a] & members[b]:
            expected[(a, b)] = len(members[a] & members[b]) / len(members[a] | members[b])
    got = {(o.first, o.second): o for o in membership_overlaps(graphs)}
    assert set(got) == set(expected)
    for pair, jaccard in expected.items():
        assert got[pair].jaccard == pytest.approx(jaccard)
        assert got[pair].shared == len(members[pair[0]] & members[pair[1]])
    at_least_three = {(o.first, o.second) for o in membership_overlaps(graphs, min_shared=3)}
    assert at_least_three == {p for p, o in got.items() if o.shared >= 3}


def test_overlap_index_is_mean_best_jaccard_on_davis(davis):
    _, graphs = davis
    members = {g: set(m) for g, m in graphs.members_of.items()}
    best = [
        max(len(members[g] & members[h]) / len(members[g] | members[h]) for h in members if h != g) for g in members
    ]
    assert overlap_index(graphs) == pytest.approx(sum(best) / len(best))


def test_reachable_sets_equal_descendants_on_a_digraph_with_a_cycle():
    view = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("f", "d"), ("e", "g")])
    view.add_node("lonely")
    reach = reachable_sets(view)
    assert reach == {n: nx.descendants(view, n) for n in view}
    assert reach["a"] == {"b", "c", "d", "e", "g"}  # the cycle, without itself


def test_reachable_sets_equal_descendants_on_random_digraphs():
    for seed in range(5):
        view = nx.gnp_random_graph(40, 0.06, seed=seed, directed=True)
        assert reachable_sets(view) == {n: nx.descendants(view, n) for n in view}


def kite_locality() -> dict:
    """Krackhardt's kite with each node a group and each edge a liaison person
    sitting on the two groups it joins."""
    K = nx.krackhardt_kite_graph()
    return {
        "format": "locmap/1",
        "locality": {"id": "kite", "name": "Kite", "authority": "Krackhardt", "boundary": "clear"},
        "people": [{"id": f"p{u}-{v}", "name": f"Liaison {u}-{v}"} for u, v in K.edges],
        "groups": [
            {
                "id": f"g{n}",
                "name": f"Group {n}",
                "type": "other",
                "members": [{"person": f"p{min(u, v)}-{max(u, v)}"} for u, v in K.edges(n)],
            }
            for n in K.nodes
        ],
    }


def test_single_points_of_failure_on_the_kite_are_its_bridges():
    K = nx.krackhardt_kite_graph()
    graphs = build_graphs(validate_data(kite_locality()))
    cuts = {c.person: c.groups_cut_off for c in single_points_of_failure(graphs)}
    bridges = {f"p{min(u, v)}-{max(u, v)}" for u, v in nx.bridges(K)}
    assert set(cuts) == bridges == {"p7-8", "p8-9"}
    assert cuts == {"p7-8": ("g8", "g9"), "p8-9": ("g9",)}
    system_cuts = {n.split(":", 1)[1] for n in nx.articulation_points(local_system(graphs)) if n.startswith("person:")}
    assert system_cuts == bridges
    # group cut vertices of the system are the kite's articulation points
    assert {n for n in nx.articulation_points(local_system(graphs)) if n.startswith("group:")} == {
        f"group:g{n}" for n in nx.articulation_points(K)
    }


def test_kite_audit_grades_single_points_of_failure():
    result = audit(validate_data(kite_locality()))
    found = {f.subjects: f.severity for f in result.by_code("SINGLE_POINT_OF_FAILURE")}
    assert found == {("p7-8",): Severity.high, ("p8-9",): Severity.medium}
    assert result.metrics["single_points_of_failure"] == 2


def test_a_minder_seated_only_on_the_county_group_does_not_mind_the_locality():
    result = run(
        people=[person("m", systems_minder=True)],
        groups=[
            group("g1", "steering_group", ["a", "b"]),
            group("county", "strategic_centre", ["m", "a"], external=True),
        ],
    )
    assert "NO_SYSTEMS_MINDER" in result.codes()
    assert result.metrics["systems_minders"] == 0


def test_a_panel_with_a_parent_of_no_agency_is_not_single_sector():
    result = run(
        people=[person("sw1"), person("sw2"), person("parent", agency=None, service_user_rep=True)],
        groups=[group("panel", "panel", ["sw1", "sw2", "parent"])],
    )
    assert not [f for f in result.by_code("LABEL_MISMATCH") if "one sector" in f.message]
    near_miss = run(people=[person("sw1"), person("sw2")], groups=[group("panel", "panel", ["sw1", "sw2"])])
    assert "all its members come from one sector" in only(near_miss, "LABEL_MISMATCH").message


def test_an_isolated_principal_group_does_not_detach_the_rest():
    result = run(
        groups=[
            group("steer", "steering_group", ["z"]),
            group("g1", members=["a", "b"]),
            group("g2", members=["b", "c"]),
            group("g3", members=["c"]),
        ],
    )
    assert [f.subjects for f in result.by_code("ISOLATED_GROUP")] == [("steer",)]
    assert "FRAGMENTED_SYSTEM" not in result.codes()
    assert "ISOLATED_AGENCY" not in result.codes()
