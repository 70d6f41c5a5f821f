"""Synthetic localities: sizes, validity, determinism, heavy tails, planted defects and files."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from analysis.audit import audit
from app.synth import DEFECTS, SCALES, iter_synth, planted, synth, synth_locality, write
from models.validation import load_path, validate_data

#: Codes a locality built without planted defects must not raise.  (SCTs of different
#: schools may overlap at low severity, sharing visiting professionals, as in the City sample.)
PLANTED_CODES = {code for code, _ in DEFECTS.values()}
STRUCTURAL = (PLANTED_CODES - {"OVERLAPPING_GROUPS", "MEETING_LOAD"}) | {
    "FRAGMENTED_SYSTEM",
    "NO_KEY_COMMUNICATION_GROUP",
    "MISSING_DOWNSTREAM_PATH",
    "MISSING_FEEDBACK_PATH",
    "NO_USER_INVOLVEMENT",
    "CASEWORK_WITHOUT_KEY_WORKERS",
}


def totals(docs) -> Counter:
    out = Counter()
    for doc in docs:
        out["groups"] += len(doc.groups)
        out["people"] += len(doc.people)
        out["memberships"] += sum(len(g.members) for g in doc.groups)
    return out


def near(value: int, target: int, tolerance: float = 0.10) -> bool:
    return abs(value - target) <= tolerance * target


@pytest.fixture(scope="module")
def county():
    return list(iter_synth("county", 1))


# ---------------------------------------------------------------- locality scale


def test_locality_scale_sizes_and_validity():
    docs = synth("locality", 1)
    assert len(docs) == 1
    got = totals(docs)
    target = SCALES["locality"]
    assert near(got["groups"], target.groups)
    assert near(got["people"], target.people)
    assert near(got["memberships"], target.memberships)
    validate_data(docs[0].to_data())


def test_locality_scale_is_deterministic():
    first = synth("locality", 5)[0].to_data()
    assert synth("locality", 5)[0].to_data() == first
    assert synth("locality", 6)[0].to_data() != first


def test_synth_locality_takes_its_randomness_from_rng_only():
    a = synth_locality("loc-042", random.Random(9), groups=50, people=300)
    random.seed(12345)  # global state must not matter
    b = synth_locality("loc-042", random.Random(9), groups=50, people=300)
    assert a.to_data() == b.to_data()
    validate_data(a.to_data())


def test_unknown_scale_and_defect_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown scale"):
        synth("planet", 1)
    with pytest.raises(ValueError, match="unknown defect"):
        synth_locality("x", random.Random(1), groups=40, people=200, defects=["gremlins"])
    with pytest.raises(ValueError, match="yaml or .json"):
        write("locality", 1, tmp_path / "out.txt")


# ---------------------------------------------------------------- county scale


def test_county_sizes_validity_and_shared_authority(county):
    docs = [doc for doc, _ in county]
    target = SCALES["county"]
    assert 16 <= len(docs) <= 20
    got = totals(docs)
    assert near(got["groups"], target.groups)
    assert near(got["people"], target.people)
    assert near(got["memberships"], target.memberships)
    for doc in docs:
        validate_data(doc.to_data())
    assert len({doc.locality.authority for doc in docs}) == 1
    assert len({doc.locality.id for doc in docs}) == len(docs)


def test_county_cross_locality_people_keep_their_id(county):
    seen: dict[str, list] = {}
    for doc, _ in county:
        for p in doc.people:
            seen.setdefault(p.id, []).append((doc.locality.id, p))
    shared = {pid: entries for pid, entries in seen.items() if len(entries) > 1}
    officers = [
        pid for pid in shared if not pid.startswith("p-") and "director" not in pid and "head-of-service" not in pid
    ]
    assert len(officers) >= 20
    for pid in officers:
        entries = shared[pid]
        assert 2 <= len(entries) <= 3
        assert len({p.name for _, p in entries}) == 1
        assert all(not p.local for _, p in entries)
        # They sit on groups in each locality they appear in.
        for slug, _ in entries:
            doc = next(d for d, _ in county if d.locality.id == slug)
            assert any(m.person == pid for g in doc.groups for m in g.members)
    # Ordinary people belong to one locality.
    assert all(len(entries) == 1 for pid, entries in seen.items() if pid.startswith("p-"))


def test_county_heavy_tails(county):
    seats: Counter = Counter()
    people: set[str] = set()
    sizes = []
    for doc, _ in county:
        people.update(p.id for p in doc.people)
        for g in doc.groups:
            sizes.append(len(g.members))
            seats.update(m.person for m in g.members)
    counts = [seats.get(p, 0) for p in people]
    assert sum(1 for k in counts if 1 <= k <= 3) / len(counts) >= 0.60
    assert sum(1 for k in counts if k >= 8) >= 100
    assert max(sizes) >= 30
    assert sum(1 for s in sizes if 4 <= s <= 15) / len(sizes) >= 0.5  # most groups are small


def test_county_key_groups_link_to_the_centre_with_realistic_kinds(county):
    doc = next(doc for doc, defects in county if not defects)
    types = Counter(g.type.value for g in doc.groups)
    for kind in ("strategic_centre", "school_consultation_team", "panel", "partnership", "working_group"):
        assert types[kind] >= 1
    centre = next(g for g in doc.groups if g.external)
    assert centre.type.value == "strategic_centre"
    assert any(link.to == centre.id and link.kind.value == "reports_to" for link in doc.links)
    for g in doc.groups:
        if g.type.value == "school_consultation_team":
            assert g.school and g.meets.value == "termly"
    assert all(p.hours_per_week for p in doc.people if not p.service_user_rep)


# ---------------------------------------------------------------- planted defects


def test_every_defect_is_planted_somewhere_in_a_county(county):
    codes = {code for _, defects in county for _, code, _ in defects}
    assert codes == PLANTED_CODES
    planted_localities = sum(1 for _, defects in county if defects)
    assert 0.25 * len(county) <= planted_localities <= 0.6 * len(county)


def test_county_planted_defects_are_found_by_the_audit(county):
    for doc, defects in county:
        if not defects:
            continue
        result = audit(doc)
        assert [(code, subjects) for _, code, subjects in defects] == planted(doc)
        for _, code, subjects in defects:
            found = result.by_code(code)
            assert found, f"{doc.locality.id}: {code} planted but not found"
            if subjects:
                assert any(set(subjects) <= set(f.subjects) for f in found), (doc.locality.id, code, subjects)


def test_county_unplanted_localities_audit_clean(county):
    for doc, defects in county:
        if defects:
            continue
        result = audit(doc)
        assert not (result.codes() & STRUCTURAL), (doc.locality.id, result.codes() & STRUCTURAL)
        assert not [f for f in result.findings if f.severity.value == "high"], doc.locality.id
        assert all(f.severity.value == "low" for f in result.by_code("OVERLAPPING_GROUPS")), doc.locality.id
        assert "No planted defects" in doc.locality.note


def test_all_defects_in_one_locality():
    doc = synth_locality("loc-099", random.Random(3), groups=70, people=400, defects=list(DEFECTS))
    validate_data(doc.to_data())
    result = audit(doc)
    assert PLANTED_CODES <= result.codes()
    by_code = dict(planted(doc))
    assert set(by_code) == PLANTED_CODES
    high = {f.code for f in result.findings if f.severity.value == "high"}
    assert {"OVERLAPPING_GROUPS", "MEETING_LOAD", "NO_SYSTEMS_MINDER", "NO_LINK_TO_CENTRE"} <= high


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", ["one.yaml", "one.json"])
def test_write_locality_is_one_file(tmp_path, name):
    files = write("locality", 2, tmp_path / name)
    assert files == [tmp_path / name]
    doc = load_path(files[0])
    assert doc.to_data() == synth("locality", 2)[0].to_data()


def test_write_county_is_a_folder_with_an_index(tmp_path):
    out = tmp_path / "county"
    files = write("county", 3, out)
    index = json.loads((out / "index.json").read_text())
    assert index["scale"] == "county" and index["seed"] == 3
    localities = index["localities"]
    assert len(files) == len(localities) + 1
    assert sorted(p.name for p in out.iterdir()) == sorted(["index.json"] + [f"{e['id']}.json" for e in localities])
    total = Counter()
    for entry in localities:
        doc = load_path(out / entry["file"])
        assert doc.locality.id == entry["id"]
        assert len(doc.groups) == entry["counts"]["groups"]
        total.update(entry["counts"])
    for key in ("groups", "people", "memberships"):
        assert index["counts"][key] == total[key]
    assert index["counts"]["unique_people"] < index["counts"]["people"]
    # Byte for byte the same a second time.
    again = write("county", 3, tmp_path / "again")
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again]


# ---------------------------------------------------------------- national (slow)


@pytest.mark.slow
def test_national_scale():
    got = Counter()
    authorities: Counter = Counter()
    n = 0
    for doc, _ in iter_synth("national", 1):
        n += 1
        authorities[doc.locality.authority] += 1
        got.update(totals([doc]))
    target = SCALES["national"]
    assert 170 <= n <= 200
    assert all(10 <= k <= 15 for k in authorities.values())
    for key in ("groups", "people", "memberships"):
        assert near(got[key], getattr(target, key))
