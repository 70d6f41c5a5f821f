"""What the audit says of each Oxfordshire pilot must agree with the evaluation report.

Line numbers cite ../shared/seeds/004_9d3d462b1681b467.txt (Glenny 2005).
"""

from __future__ import annotations

import pytest

from analysis.audit import audit
from analysis.whatif import what_if
from models.validation import load_path
from tests.conftest import SAMPLE_SLUGS, SAMPLES_DIR


@pytest.fixture(scope="module")
def audits():
    return {slug: audit(load_path(SAMPLES_DIR / f"{slug}.yaml")) for slug in SAMPLE_SLUGS}


def subjects(result, code):
    return [f.subjects for f in result.by_code(code)]


def level(result, dimension):
    return result.profile[dimension]["level"]


def test_every_sample_audits_without_error(audits):
    for slug, result in audits.items():
        assert result.locality == slug
        assert set(result.as_dict()) == {"locality", "metrics", "findings", "profile"}


# ---- Abingdon (Appendix 2c)


def test_abingdon_depends_on_its_coordinator(audits):
    # Line 535: "as he had been doing much of the link work, he took a lot of that knowledge with him".
    assert ("coordinator",) in subjects(audits["abingdon"], "SINGLE_POINT_OF_FAILURE")
    change = what_if(load_path(SAMPLES_DIR / "abingdon.yaml"), without=["person:coordinator"])
    appeared = {f.code for f in change.appeared}
    assert "ISOLATED_GROUP" in appeared  # the services day falls away
    assert change.after.metrics["components"] == 2


def test_abingdon_lacks_ownership_minding_and_a_clear_boundary(audits):
    a = audits["abingdon"]
    # Lines 526-530: "a lack of local ownership"; "not well bounded"; leads changed.
    assert level(a, "local_ownership") <= 0.5
    assert level(a, "clear_bounded_locality") <= 0.5
    assert level(a, "links_to_centre") < 2  # "The LA leads changed a number of times" (line 528)
    assert "NO_SYSTEMS_MINDER" in a.codes()
    assert "NO_KEY_COMMUNICATION_GROUP" in a.codes()


# ---- Banbury (Appendix 2a)


def test_banbury_hub_minder_and_user_involvement(audits):
    b = audits["banbury"]
    # Line 431: the Sunshine Centre co-ordinator is "a classic example of a 'systems minder'".
    assert "NO_SYSTEMS_MINDER" not in b.codes()
    assert level(b, "systems_minding") == 2
    # Line 178: "only the Banbury pilot currently involves the community in the shaping of services".
    assert "NO_USER_INVOLVEMENT" not in b.codes()
    assert level(b, "user_involvement") == 2
    assert all(level(audits[s], "user_involvement") < 2 for s in SAMPLE_SLUGS if s != "banbury")
    # Line 418: "the most integrated, elaborated and coherent example of interagency working".
    assert not [f for f in b.findings if f.severity.value == "high"]


# ---- Bicester (Appendix 2b)


def test_bicester_forum_is_a_panel_of_representatives(audits):
    b = audits["bicester"]
    # Line 467: "The ISS forum (effectively a panel)"; line 483: "Cases were not necessarily being
    # discussed by key workers ... the personnel at the meetings were representatives".
    assert ("bicester-iss-forum",) in subjects(b, "LABEL_MISMATCH")
    assert ("bicester-iss-forum",) in subjects(b, "CASEWORK_WITHOUT_KEY_WORKERS")


def test_bicester_school_council_runs_alongside(audits):
    b = audits["bicester"]
    # Line 182: the school council "runs alongside the interagency forums ... and does not directly relate to them".
    assert ("bicester-school-council",) in subjects(b, "ISOLATED_GROUP")
    assert level(b, "user_involvement") == 0.5
    assert "NO_USER_INVOLVEMENT" not in b.codes()


def test_bicester_steering_group_works_as_the_key_group(audits):
    b = audits["bicester"]
    # Line 110: the steering group structure "was perceived to work well in Bicester"; bounded (line 86).
    assert b.metrics["key_group"] == "bicester-steering-group"
    assert level(b, "clear_bounded_locality") == 2
    assert level(b, "links_to_centre") == 2


# ---- The City (Appendix 2d, section 2.2)


def test_city_cluster_cuts_across_localities(audits):
    c = audits["city"]
    # Line 94: the Excellence Cluster, "cutting across several localities"; MAST set up "to only serve
    # Blackbird Leys" (line 96).
    crossing = [s for (s,) in subjects(c, "CROSS_BOUNDARY_GROUP")]
    assert "city-iss-core-group" in crossing and "mast" in crossing
    assert level(c, "clear_bounded_locality") == 0  # "confusing definition of their boundaries" (line 84)


def test_city_has_flexible_funding_but_no_minder_or_user_voice(audits):
    c = audits["city"]
    # Line 328: "Only the City had such flexible funding".
    assert level(c, "locally_devolved_resources") >= 1
    assert all(level(audits[s], "locally_devolved_resources") < 1 for s in SAMPLE_SLUGS if s != "city")
    # Line 186: parents' involvement "has not yet been set up"; 3.8: minding not well developed.
    assert "NO_USER_INVOLVEMENT" in c.codes()
    assert "NO_SYSTEMS_MINDER" in c.codes()


def test_city_scts_feed_the_core_group_and_commission_mast(audits):
    c = audits["city"]
    # Line 590: the core group "received information ... through reports from the School Consultation teams";
    # line 608: MAST referrals "come through the commissioning function of the School Consultation Teams".
    assert "MISSING_UPSTREAM_PATH" not in c.codes()
    assert not [s for s in subjects(c, "MISSING_FEEDBACK_PATH") if s[0].startswith("sct-")]
    assert level(c, "support_inclusive_schools") == 2


# ---- Kidlington and Thame (Appendices 2e, 2f)


@pytest.mark.parametrize("slug", ["kidlington", "thame"])
def test_networks_are_inclusive_key_groups_without_a_link_to_the_centre(audits, slug):
    result = audits[slug]
    # 3.3: "the open membership of the 'Networks' in Thame and Kidlington were most often addressing both
    # upstream and downstream approaches"; line 673: networks are "not connected to the levers of power".
    assert result.metrics["key_group"] == f"{slug}-network"
    assert level(result, "upstream_downstream") == 2
    assert level(result, "inclusive_access") == 2
    assert (f"{slug}-network",) in subjects(result, "NO_LINK_TO_CENTRE")
    assert level(result, "links_to_centre") == 0


def test_thame_network_is_minded_by_its_coordinators(audits):
    t = audits["thame"]
    # Line 671: "two very committed co-ordinators" (SENCO and School Counsellor at Lord Williams).
    assert level(t, "systems_minding") == 2
    assert t.metrics["systems_minders"] == 2
    assert "NO_SYSTEMS_MINDER" not in t.codes() and "SYSTEMS_MINDER_GAP" not in t.codes()
    assert level(t, "appreciative_system") == 2
    # Line 675: "one third of the children at Lord Williams come from Buckinghamshire".
    assert ("thame-network",) in subjects(t, "CROSS_BOUNDARY_GROUP")


def test_only_banbury_and_thame_declare_systems_minders(audits):
    # 3.8 (line 206): "Where it was working well, for example in Banbury and Thame".
    declared = {slug for slug, a in audits.items() if a.metrics["systems_minders"]}
    assert declared == {"banbury", "thame"}


@pytest.mark.parametrize("slug", ["bicester", "city", "kidlington"])
def test_the_flame_holders_of_the_successful_pilots_are_inferred_not_missing(audits, slug):
    # Line 218: "in each of the successful pilots there was somebody holding the flame"; line 334: the
    # Bicester, City, Kidlington and Thame projects drew on "experienced personnel who would carry the
    # interagency flame".  Nobody is declared, so the minder is inferred, labelled so, and capped.
    result = audits[slug]
    (f,) = result.by_code("NO_SYSTEMS_MINDER")
    assert (f.severity.value, f.basis.value) == ("low", "inferred")
    entry = result.profile["systems_minding"]
    assert (entry["level"], entry["basis"]) == (1, "inferred")


def test_abingdon_has_no_flame_holder(audits):
    # Line 512: "there was no local champion for interagency work"; line 218: "In the less successful
    # pilot, local ownership was noticeably absent".
    (f,) = audits["abingdon"].by_code("NO_SYSTEMS_MINDER")
    assert (f.severity.value, f.basis.value) == ("high", "declared")
    assert level(audits["abingdon"], "systems_minding") == 0


def test_abingdon_is_the_pilot_in_collaborative_inertia(audits):
    # 5.1: "in one pilot, the majority of people were experiencing some degree of 'collaborative inertia'"
    # (Abingdon, Appendix 2c).  Its profile is the weakest of the four official pilots.
    def total(slug):
        return sum(v["level"] or 0 for v in audits[slug].profile.values())

    assert total("abingdon") == min(total(s) for s in ("abingdon", "banbury", "bicester", "city"))


# ---- Every high and medium finding on the samples, with the line of the report that supports it.

#: (code, subjects) -> the report's line numbers supporting it, for each locality.
SUPPORTED = {
    "abingdon": {
        ("NO_KEY_COMMUNICATION_GROUP", ("abingdon-steering-group",)): (524, 531),
        ("NO_SYSTEMS_MINDER", ()): (218, 512),
        ("SINGLE_POINT_OF_FAILURE", ("coordinator",)): (535,),
        ("NO_USER_INVOLVEMENT", ()): (178,),
    },
    "banbury": {
        ("CROSS_BOUNDARY_GROUP", ("sunshine-centre-hub",)): (92, 352, 433),
        ("CROSS_BOUNDARY_GROUP", ("sunshine-centre-management",)): (92, 352, 415),
    },
    "bicester": {
        ("ISOLATED_GROUP", ("bicester-school-council",)): (182,),
    },
    "city": {
        ("OVERLAPPING_GROUPS", ("city-iss-core-group", "city-stakeholder-group")): (120, 599, 635),
        ("NO_USER_INVOLVEMENT", ()): (180,),
        ("CROSS_BOUNDARY_GROUP", ("city-iss-core-group",)): (84, 94),
        ("CROSS_BOUNDARY_GROUP", ("mast",)): (96, 635),
    },
    "kidlington": {
        ("NO_LINK_TO_CENTRE", ("kidlington-network",)): (650, 673),
        ("NO_USER_INVOLVEMENT", ()): (178,),
    },
    "thame": {
        ("NO_LINK_TO_CENTRE", ("thame-network",)): (673,),
    },
}


@pytest.mark.parametrize("slug", SAMPLE_SLUGS)
def test_every_high_and_medium_finding_is_supported_by_the_report(audits, slug):
    serious = {(f.code, f.subjects) for f in audits[slug].findings if f.severity.value in ("high", "medium")}
    assert serious == set(SUPPORTED[slug])


#: Findings the report contradicts: none may be raised at high or medium severity.
CONTRADICTED = [
    # Lines 218, 334: a flame-holder in each successful pilot (Bicester, City, Kidlington, Thame).
    ("bicester", "NO_SYSTEMS_MINDER", ()),
    ("city", "NO_SYSTEMS_MINDER", ()),
    ("kidlington", "NO_SYSTEMS_MINDER", ()),
    # Line 433: the teenage pregnancy initiative is a project, not a group that raises cases.
    ("banbury", "MISSING_DOWNSTREAM_PATH", ("teenage-pregnancy-initiative",)),
    # Line 184: the Bodyzone evaluations shape provision; they bring no cases.
    ("thame", "MISSING_DOWNSTREAM_PATH", ("bodyzone-group",)),
    # Line 650: the partnership head chairs the Network, which discusses children (line 661).
    ("kidlington", "MISSING_DOWNSTREAM_PATH", ("kidlington-partnership-heads",)),
    # Lines 148, 336, 661: the Networks take forward conversations about vulnerable children.
    ("kidlington", "MISSING_DOWNSTREAM_PATH", ()),
    ("thame", "MISSING_DOWNSTREAM_PATH", ()),
    # Line 675: welcoming Buckinghamshire colleagues was the remedy, not a hot spot (recommendation i, line 352).
    ("thame", "CROSS_BOUNDARY_GROUP", ("thame-network",)),
    # Lines 667, 671, 336: a Network with a steering group is a robust, low-resource device.
    ("thame", "OVERLAPPING_GROUPS", ("thame-network", "thame-network-steering-group")),
    # Lines 110, 471: the steering group structure worked well; the forum was "worth the time spent".
    ("bicester", "OVERLAPPING_GROUPS", ("bicester-steering-group", "bicester-iss-forum")),
    ("bicester", "OVERLAPPING_GROUPS", ("bicester-isa-working-group", "bicester-iss-forum")),
    # Line 170 and Appendix ONE (line 400): SCTs in different schools share visiting professionals by design.
    ("city", "OVERLAPPING_GROUPS", ("sct-leys-primary-a", "sct-leys-primary-b")),
]


@pytest.mark.parametrize(("slug", "code", "subjects"), CONTRADICTED)
def test_findings_the_report_contradicts_are_not_serious(audits, slug, code, subjects):
    serious = [
        f for f in audits[slug].by_code(code) if f.subjects == subjects and f.severity.value in ("high", "medium")
    ]
    assert not serious


def test_corrected_facts_are_read_from_the_files(audits):
    # Appendix 2c (line 530): "The locality was not well bounded".
    assert level(audits["abingdon"], "clear_bounded_locality") == 0
    # Line 433: Banbury's pilot "has a wider brief than that of the Sunshine Centre": a hot spot (line 92).
    assert level(audits["banbury"], "clear_bounded_locality") == 1
    # Line 595: the City's Core Group "functioned much as before", on the SCTs' termly reports (line 591).
    assert audits["city"].metrics["key_group"] == "city-iss-core-group"
    # Lines 330, 346: project funding is emergent; only the City had flexible funding (line 328).
    assert level(audits["thame"], "locally_devolved_resources") == 0.5
    assert level(audits["banbury"], "locally_devolved_resources") == 0.5


def test_abingdon_link_to_the_centre_is_weak(audits):
    # Line 528: "The LA leads changed a number of times over the year, leaving the group rather unsupported".
    entry = audits["abingdon"].profile["links_to_centre"]
    assert entry["level"] == 0.5 and "weak link" in entry["evidence"]


def test_user_involvement_counts_widening_and_standing_groups(audits):
    # Line 178: "All the pilots had widened the forum for community involvement ... developing links with
    # voluntary agencies"; line 182: Bicester's school council "runs alongside the interagency forums".
    assert level(audits["kidlington"], "user_involvement") == 0.5
    assert level(audits["bicester"], "user_involvement") == 0.5
    assert level(audits["city"], "user_involvement") == 0  # line 180: "it has not yet been set up"


def test_sample_files_carry_no_comments():
    # Comments are lost on import and export: every assumption belongs in a note.
    for slug in SAMPLE_SLUGS:
        text = (SAMPLES_DIR / f"{slug}.yaml").read_text()
        assert not [line for line in text.splitlines() if line.lstrip().startswith("#")], slug
