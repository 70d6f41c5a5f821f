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


def test_only_banbury_and_thame_have_systems_minders(audits):
    # 3.8 (line 206): "Where it was working well, for example in Banbury and Thame".
    minded = {slug for slug, a in audits.items() if "NO_SYSTEMS_MINDER" not in a.codes()}
    assert minded == {"banbury", "thame"}


def test_abingdon_is_the_pilot_in_collaborative_inertia(audits):
    # 5.1: "in one pilot, the majority of people were experiencing some degree of 'collaborative inertia'"
    # (Abingdon, Appendix 2c).  Its profile is the weakest of the four official pilots.
    def total(slug):
        return sum(v["level"] or 0 for v in audits[slug].profile.values())

    assert total("abingdon") == min(total(s) for s in ("abingdon", "banbury", "bicester", "city"))
