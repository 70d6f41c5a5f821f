"""Small localities made to trip the audit: each trap that must raise, and the near miss that must not.

The traps are those of issue 11: a locality that is one open forum, identical
groups joined by oversight, schools not marked as schools, minders who attend
nothing or sit nowhere, attendance counted by some rules and not others, and
flame-holders nobody declared.
"""

from __future__ import annotations

from analysis.audit import audit
from analysis.findings import Basis, Severity
from analysis.settings import AuditSettings
from models.validation import school_warnings, validate_data
from tests.test_audit_checks import assert_not_raised, data, group, only, person, run

# ------------------------------------------------------------ one open forum


def forum_only(*members: str) -> dict:
    return dict(
        people=[person("head", "school-a"), person("vol", "vol"), person("sw", "shc")],
        groups=[group("forum", "forum", list(members), name="Forum", membership="open")],
    )


def test_a_locality_of_one_open_forum_has_nowhere_for_children_to_go():
    result = run(**forum_only("head", "vol"))
    assert_not_raised(result, "ISOLATED_GROUP")  # one group is not isolated from anything
    f = only(result, "MISSING_DOWNSTREAM_PATH")
    assert (f.subjects, f.severity) == ((), Severity.medium)
    assert "nowhere to go" in f.message


def test_a_forum_with_a_panel_to_refer_to_is_not_a_dead_end():
    parts = forum_only("head", "vol")
    parts["groups"].append(group("panel", "panel", ["sw", "head"]))
    parts["links"] = [("forum", "refers_cases_to", "panel")]
    assert_not_raised(run(**parts), "MISSING_DOWNSTREAM_PATH")


def test_a_forum_where_social_care_attends_can_take_a_case_up_but_says_who_takes_it_on_is_unrecorded():
    f = only(run(**forum_only("head", "vol", "sw")), "MISSING_DOWNSTREAM_PATH")
    assert (f.subjects, f.severity) == ((), Severity.low)


# ------------------------------------------------------------- overlap


def test_identical_groups_stay_high_when_one_oversees_the_other():
    result = run(
        groups=[group("steer", "steering_group", ["a", "b", "c"]), group("wg", "working_group", ["a", "b", "c"])],
        links=[("steer", "oversees", "wg")],
    )
    f = only(result, "OVERLAPPING_GROUPS")
    assert f.severity == Severity.high
    assert "oversight does not make two meetings of the same people less of a burden" in f.message


def test_overlap_with_a_link_but_the_same_purpose_stays_medium():
    result = run(
        groups=[group("g1", "working_group", ["a", "b", "c"]), group("g2", "working_group", ["a", "b", "c", "d"])],
        links=[("g1", "oversees", "g2")],
    )
    assert only(result, "OVERLAPPING_GROUPS").severity == Severity.medium


def test_a_small_core_overseeing_a_network_is_low():
    result = run(
        groups=[
            group("core", "core_group", ["a", "b"]),
            group("net", "network", ["a", "b", "c", "d", "e"], membership="open"),
        ],
        links=[("core", "oversees", "net")],
        settings=AuditSettings(overlap_threshold=0.3),
    )
    assert only(result, "OVERLAPPING_GROUPS").severity == Severity.low


def test_overlap_counts_seats_by_attendance():
    # The same three people, but two of them come to one group a tenth of the time.
    rare = [("a", "member"), ("b", "member", 0.1), ("c", "member", 0.1)]
    result = run(groups=[group("g1", members=["a", "b", "c"]), group("g2", members=rare)])
    assert_not_raised(result, "OVERLAPPING_GROUPS")  # weighted Jaccard 1.2 / 3 = 0.4


# ------------------------------------------------------------- schools


def unmarked_schools() -> dict:
    agencies = [
        {"id": "larkrise", "name": "Larkrise Primary School", "sector": "education"},
        {"id": "eps", "name": "Educational Psychology Service", "sector": "education"},
        {"id": "shc", "name": "Social and Health Care", "sector": "social_care"},
    ]
    return dict(
        agencies=agencies,
        people=[person("head", "larkrise"), person("ep", "eps"), person("sw", "shc")],
        groups=[group("forum", "forum", ["head", "ep", "sw"], membership="open")],
    )


def test_unmarked_schools_are_inferred_from_their_names_and_said_so():
    document = validate_data(data(**unmarked_schools()))
    result = audit(document)
    entry = result.profile["support_inclusive_schools"]
    assert entry["level"] is not None and entry["basis"] == "inferred"
    assert "1 of 1 schools" in entry["evidence"] and "read from agency names" in entry["evidence"]
    (warning,) = school_warnings(document)
    assert warning.loc == "agencies[0].school" and "Larkrise Primary School" in warning.msg


def test_marked_schools_are_declared_and_services_are_never_schools():
    parts = unmarked_schools()
    parts["agencies"][0]["school"] = True
    document = validate_data(data(**parts))
    assert school_warnings(document) == []
    assert audit(document).profile["support_inclusive_schools"]["basis"] == "declared"


def test_a_school_inferred_from_its_name_carries_an_inferred_downstream_finding():
    parts = unmarked_schools()
    parts["groups"] = [
        group("steer", "steering_group", ["ep"]),
        group("heads", "partnership", ["head"]),
        group("panel", "panel", ["sw"]),
    ]
    parts["links"] = [("steer", "oversees", "panel"), ("heads", "reports_to", "steer")]
    result = run(**parts)
    gaps = {f.subjects: f for f in result.by_code("MISSING_DOWNSTREAM_PATH")}
    assert gaps[("larkrise",)].basis == Basis.inferred


# ------------------------------------------------------------- minders


def minded(attendance: float | None, *, extra_minder: bool = False) -> dict:
    people = [person("m", name="Minder", systems_minder=True), person("a"), person("b")]
    if extra_minder:
        people.append(person("m2", name="Second minder", systems_minder=True))
    seat = ("m", "coordinator") if attendance is None else ("m", "coordinator", attendance)
    return dict(
        people=people,
        groups=[group("g1", members=[seat, "a"], name="One"), group("g2", members=["a", "b"], name="Two")],
        links=[("g1", "reports_to", "g2")],
    )


def test_a_minder_who_attends_nothing_is_named_and_minds_nothing():
    result = run(**minded(0))
    f = only(result, "ABSENT_SYSTEMS_MINDER")
    assert f.subjects == ("m",) and "attends none of their meetings" in f.message
    assert only(result, "NO_SYSTEMS_MINDER").severity == Severity.high
    assert result.profile["systems_minding"]["level"] == 0


def test_a_minder_who_attends_some_meetings_counts_in_proportion():
    result = run(**minded(0.6))
    assert_not_raised(result, "ABSENT_SYSTEMS_MINDER")
    assert result.metrics["systems_minder_reach"] == 0.6
    assert result.profile["systems_minding"]["level"] == 1  # 60%: evident, not strongly (80%)


def test_a_declared_minder_with_no_seat_is_named():
    result = run(**minded(None, extra_minder=True))
    f = only(result, "ABSENT_SYSTEMS_MINDER")
    assert f.subjects == ("m2",) and "holds no seat" in f.message
    assert result.profile["systems_minding"]["level"] == 2  # the seated minder still minds


def flame_holder(local: bool, second_link: bool = True) -> dict:
    links = [("steer", "oversees", "panel"), ("panel", "reports_to", "steer"), ("forum", "feeds_issues_to", "steer")]
    people = [person("lead", "school-a", local=local), person("a"), person("b"), person("c")]
    groups = [
        group("steer", "steering_group", [("lead", "chair"), "a"], name="Steering"),
        group("panel", "panel", [("lead", "coordinator"), "b"] if second_link else ["b"], name="Panel"),
        group("forum", "partnership", ["c", "b"] if second_link else ["c", "a"], name="Heads"),
    ]
    return dict(people=people, groups=groups, links=links)


def test_a_local_lead_of_the_principal_group_and_another_is_an_inferred_minder():
    result = run(**flame_holder(local=True))
    f = only(result, "NO_SYSTEMS_MINDER")
    assert (f.severity, f.basis) == (Severity.low, Basis.inferred)
    entry = result.profile["systems_minding"]
    assert (entry["level"], entry["basis"]) == (1, "inferred")


def test_an_outsider_leading_the_groups_is_not_inferred_to_mind_them():
    result = run(**flame_holder(local=False))
    assert only(result, "NO_SYSTEMS_MINDER").severity == Severity.high


def test_an_inferred_minder_who_is_a_single_point_of_failure_earns_less():
    parts = flame_holder(local=True)
    parts["groups"][1]["members"] = [{"person": "lead", "role": "coordinator"}, {"person": "b"}]
    parts["groups"][2]["members"] = [{"person": "c"}, {"person": "b"}]
    parts["links"] = [("forum", "feeds_issues_to", "panel")]
    result = run(**parts)
    assert "lead" in {f.subjects[0] for f in result.by_code("SINGLE_POINT_OF_FAILURE")}
    assert result.profile["systems_minding"]["level"] == 0.5


# ------------------------------------------------------------- routes through members


def heads_and_network(head_attendance: float) -> dict:
    return dict(
        people=[person("head", "school-a"), person("sw", "shc"), person("h2", "school-b")],
        groups=[
            group("network", "network", [("head", "chair", head_attendance), "sw"], membership="open"),
            group("heads", "partnership", ["head", "h2"], name="Heads"),
        ],
    )


def test_a_heads_group_reaches_casework_through_its_chair_on_the_network():
    gaps = run(**heads_and_network(1)).by_code("MISSING_DOWNSTREAM_PATH")
    assert ("heads",) not in [f.subjects for f in gaps]


def test_a_heads_group_whose_only_link_rarely_attends_has_no_route():
    gaps = run(**heads_and_network(0.3)).by_code("MISSING_DOWNSTREAM_PATH")
    assert ("heads",) in [f.subjects for f in gaps]


def test_a_project_group_that_takes_no_cases_needs_no_route():
    result = run(
        people=[person("nurse", "health"), person("yp", "parents")],
        groups=[
            group("project", "working_group", ["nurse", "yp"], focus="upstream"),
            group("steer", "steering_group", ["nurse"]),
        ],
    )
    assert ("project",) not in [f.subjects for f in result.by_code("MISSING_DOWNSTREAM_PATH")]


# ------------------------------------------------------------- boundary


def test_welcoming_neighbours_does_not_lower_a_clear_boundary_but_a_hot_spot_does():
    wide = run(groups=[group("net", "network", ["a"], area=["testville", "next-county"])])
    hot = run(groups=[group("net", "network", ["a"], area=["estate"])])
    assert wide.profile["clear_bounded_locality"]["level"] == 2
    assert only(wide, "CROSS_BOUNDARY_GROUP").severity == Severity.low
    assert hot.profile["clear_bounded_locality"]["level"] == 1
    assert only(hot, "CROSS_BOUNDARY_GROUP").severity == Severity.medium
