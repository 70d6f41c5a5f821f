"""The pseudonymised export re-identifies nobody: names, ids, order and posts.

Each test tries to re-identify people in the export of the six samples and
a synthetic locality as an attacker would: by a name (or a part of one) left
in free text or an id, by an original id, by position, and by a (role,
agency) pair held by one person.  The samples name people by post, so a
copy of each is also given personal names ("Yvonne Bright"), planted in
every free-text field and in group ids as a careless file would hold them.
"""

from __future__ import annotations

import copy
import json
import random
import re
import unicodedata
from collections import Counter

import pytest

from analysis.audit import audit
from app.formats.pseudonym import pseudonymise
from app.samples import SAMPLE_SLUGS, sample_paths
from app.synth import DEFECTS, synth_locality
from models.document import LocalityDocument
from models.validation import dump_document, load_path, validate_data

KEY = b"k" * 32
OTHER_KEY = b"o" * 32

#: First names and surnames, short, common and written with accents or apostrophes.
FIRST_NAMES = (
    "Yvonne Zoë Łukasz Siobhán Al José Ann Björn Aoife Mehmet "
    "Priya Kwame Ngozi Dylan Mirela Tomasz Oluwaseun Saoirse Ikaika Farida"
).split()
SURNAMES = (
    "Bright|Wójcik|O'Neill|Ng|Müller|Lee|Strauß|Quaye|Okonkwo|Kowalczyk|"
    "Ferreira|Nakamura|Abernethy|Dunleavy|Oyelaran|Ní Bhriain|Żółkiewski|Haddad|Varga|Ó Dálaigh"
).split("|")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> set[str]:
    """Folded words: letters and digits, everything else (including - _ . ') separates."""
    return set(re.findall(r"[^\W_]+", fold(text)))


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def output_text(document: LocalityDocument) -> str:
    """Every string of the export, and the export as YAML and JSON (unicode kept)."""
    data = document.to_data()
    return "\n".join([*strings(data), dump_document(document, ".yaml"), json.dumps(data, ensure_ascii=False)])


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).replace("ł", "l")).strip("-")


def planted(document: LocalityDocument) -> tuple[LocalityDocument, list[tuple[str, str]]]:
    """A copy of ``document`` whose people have personal names, written into its free text and ids."""
    data = copy.deepcopy(document.to_data())
    names = [
        (FIRST_NAMES[i % len(FIRST_NAMES)], SURNAMES[(i // len(FIRST_NAMES) + i) % len(SURNAMES)])
        for i in range(len(data["people"]))
    ]
    full = [f"{first} {last}" for first, last in names]
    for i, person in enumerate(data["people"]):
        person["name"] = full[i]
        person["note"] = f"{full[i].upper()}, personal mobile"
        if i % 7 == 3:
            person["role"] = f"assistant to {names[i][1]}"
    renamed = {}
    for j, group in enumerate(data["groups"]):
        i = j % len(full)
        first, last = names[i]
        group["purpose"] = f"Chaired by {full[i]}; {first.lower()} takes the minutes for {last}'s team."
        group["venue"] = f"{last}'s office"
        group["note"] = f"Ask {first}-{last} ({slug(first)}.{slug(last)}@example.org)."
        if j % 3 == 0:
            group["name"] = f"{full[i]}'s {group['name']}"
            renamed[group["id"]] = f"{slug(full[i])}-{j}"
        for member in group.get("members", []):
            member["note"] = f"Deputy for {full[(i + 1) % len(full)]}"
    data["groups"][0]["note"] = f"Write to {names[0][0]}{names[0][1]}@example.org"  # run together
    for group in data["groups"]:
        group["id"] = renamed.get(group["id"], group["id"])
    for k, link in enumerate(data["links"]):
        link.pop("id", None)
        link["from"], link["to"] = renamed.get(link["from"], link["from"]), renamed.get(link["to"], link["to"])
        link["note"] = f"Set up by {full[k % len(full)]}"
    for k, agency in enumerate(data["agencies"]):
        agency["note"] = f"Contact: {full[k % len(full)]}"
    data["locality"]["description"] = f"Interviews with {full[0]} and {names[1][0]}."
    data["locality"]["sources"] = [*data["locality"].get("sources", []), f"Interview with {full[-1]}, 2005"]
    return validate_data(data), names


def synthetic() -> LocalityDocument:
    return synth_locality("loc-042", random.Random(9), groups=50, people=300, defects=list(DEFECTS))


@pytest.fixture(scope="module")
def localities() -> dict[str, LocalityDocument]:
    out = {path.stem: load_path(path) for path in sample_paths()}
    out["synthetic"] = synthetic()
    return out


every_locality = pytest.mark.parametrize("name", [*SAMPLE_SLUGS, "synthetic"])


# ---------------------------------------------------------------- names


@every_locality
def test_no_planted_name_or_name_part_survives(localities, name):
    document, names = planted(localities[name])
    organisational = words(" ".join([document.locality.name, document.locality.authority]))
    organisational |= words(" ".join(a.name for a in document.agencies))
    parts = {w for first, last in names for w in words(f"{first} {last}") if len(w) >= 2}
    assert not parts & organisational  # the planted names are names, not the locality's words
    before = words(output_text(document))
    assert parts <= before  # the check can fail
    text = output_text(pseudonymise(document, KEY))
    assert not parts & words(text), sorted(parts & words(text))
    squeezed = fold(text)
    for first, last in names:
        assert fold(first + last) not in squeezed  # nor run together
        assert slug(f"{first} {last}") not in squeezed  # nor as an id ("yvonne-bright-3")


@every_locality
def test_no_post_name_survives(localities, name):
    # The samples name people by post ("SENCO, Larkrise School"): no such name
    # may appear whole, in any case, except one that is also an agency's name.
    document = localities[name]
    official = {fold(a.name) for a in document.agencies}
    names = [p.name for p in document.people if fold(p.name) not in official]
    original, text = fold(output_text(document)), fold(output_text(pseudonymise(document, KEY)))
    assert all(fold(n) in original for n in names)
    assert [n for n in names if fold(n) in text] == []


# ---------------------------------------------------------------- ids


def original_ids(document: LocalityDocument) -> set[str]:
    return {e.id for section in ("agencies", "people", "groups", "links") for e in getattr(document, section)}


def without_ids(document: LocalityDocument) -> set[str]:
    """The strings of a document outside its ids and references to them."""
    data = document.to_data()
    for section in ("agencies", "people", "groups", "links"):
        for entry in data[section]:
            for key in ("id", "agency", "school", "from", "to"):
                entry.pop(key, None)
    for group in data["groups"]:
        for member in group.get("members", []):
            member.pop("person")
    return set(strings(data))


@every_locality
def test_no_original_id_survives(localities, name):
    document, _ = planted(localities[name])
    result = pseudonymise(document, KEY)
    ids = original_ids(document) - without_ids(document)  # 'hsclw' may also be a role
    assert ids
    assert not ids & set(strings(result.to_data()))
    for section, prefix in (("agencies", "a"), ("people", "p"), ("groups", "g"), ("links", "l")):
        assert all(re.fullmatch(rf"{prefix}-\d{{3,}}", e.id) for e in getattr(result, section))
    assert all(p.name == p.id for p in result.people)


# ---------------------------------------------------------------- order


def signatures(document: LocalityDocument) -> list[tuple]:
    """What each person looks like without their name or id, in list order."""
    seats = Counter(m.person for g in document.groups for m in g.members)
    return [(seats[p.id], p.systems_minder, p.service_user_rep, p.local, p.hours_per_week) for p in document.people]


@every_locality
def test_people_are_not_in_their_original_order(localities, name):
    document = localities[name]
    result = pseudonymise(document, KEY)
    assert Counter(signatures(result)) == Counter(signatures(document))
    assert signatures(result) != signatures(document)
    from app.formats.pseudonym import pseudonymise_export

    export = pseudonymise_export(document, KEY)
    for section in ("people", "groups"):
        new = [export.ids[section][e.id] for e in getattr(document, section) if e.id in export.ids[section]]
        assert new != sorted(new), section


def test_same_key_same_export_other_key_other_order(localities):
    document = localities["city"]
    first = dump_document(pseudonymise(document, KEY), ".yaml")
    assert dump_document(pseudonymise(document, KEY), ".yaml") == first
    other = pseudonymise(document, OTHER_KEY)
    assert signatures(other) != signatures(pseudonymise(document, KEY))
    # Without a key, each export draws its own.
    assert signatures(pseudonymise(document)) != signatures(pseudonymise(document))


# ---------------------------------------------------------------- posts


@every_locality
@pytest.mark.parametrize("k", [2, 3, 5])
def test_every_role_and_agency_is_held_by_k_people(localities, name, k):
    document = localities[name]
    before = Counter((p.role, p.agency) for p in document.people)
    assert min(before.values()) < k  # the check can fail
    result = pseudonymise(document, KEY, k=k)
    held = Counter((p.role, p.agency) for p in result.people if p.role is not None or p.agency is not None)
    assert all(n >= k for n in held.values()), {pair: n for pair, n in held.items() if n < k}


def test_default_k_is_3(localities):
    result = pseudonymise(localities["thame"], KEY)
    held = Counter((p.role, p.agency) for p in result.people if p.role is not None or p.agency is not None)
    assert min(held.values()) >= 3
    assert "at least 3 people" in (result.locality.note or "")


def test_posts_held_by_k_are_kept(minimal):
    # Three SENCOs at one school share a post: they keep it, role and agency.
    minimal["people"] += [
        {"id": f"senco-{n}", "name": f"SENCO {n}", "role": "senco", "agency": "school-a"} for n in range(3)
    ]
    for n in range(3):
        minimal["groups"][0]["members"].append({"person": f"senco-{n}"})
    result = pseudonymise(validate_data(minimal), KEY)
    school = next(a for a in result.agencies if a.name == "School A")
    assert Counter((p.role, p.agency) for p in result.people)[("senco", school.id)] == 3


# ---------------------------------------------------------------- structure


#: Figures that count agencies or weigh groups by the sectors they seat (the
#: principal and key group): they may change where agencies are generalised.
AGENCY_FIGURES = {"agencies", "agencies_in_groups", "agencies_in_principal_group_share", "key_group", "principal_group"}
#: Findings that read agencies, their sectors or schools (the rest read groups, seats and links).
AGENCY_FINDINGS = {
    "ISOLATED_AGENCY",
    "NO_KEY_COMMUNICATION_GROUP",
    "MISSING_UPSTREAM_PATH",
    "MISSING_DOWNSTREAM_PATH",
    "LABEL_MISMATCH",
    "CASEWORK_WITHOUT_KEY_WORKERS",
}


def _figures(document: LocalityDocument, groups: dict[str, str]) -> tuple[dict, Counter]:
    result = audit(document)
    metrics = dict(result.metrics)
    for key in ("key_group", "principal_group"):
        metrics[key] = groups.get(metrics[key], metrics[key])
    # Brokers tied on betweenness are listed by id, so only the scores are compared.
    metrics["brokers"] = [b["betweenness"] for b in metrics["brokers"]]
    return metrics, Counter((f.code, f.severity.value) for f in result.findings)


@every_locality
def test_the_audit_sees_the_same_structure(localities, name):
    from app.formats.pseudonym import pseudonymise_export

    document = localities[name]
    export = pseudonymise_export(document, KEY)
    metrics, findings = _figures(document, export.ids["groups"])
    metrics_after, findings_after = _figures(export.document, {})
    assert {m: v for m, v in metrics.items() if m not in AGENCY_FIGURES} == {
        m: v for m, v in metrics_after.items() if m not in AGENCY_FIGURES
    }
    structural = Counter({key: n for key, n in findings.items() if key[0] not in AGENCY_FINDINGS})
    assert structural == Counter({key: n for key, n in findings_after.items() if key[0] not in AGENCY_FINDINGS})


@every_locality
def test_with_nothing_to_generalise_the_audit_is_the_same(localities, name):
    # k = 1 generalises nothing: every figure, finding and level is the original's.
    from app.formats.pseudonym import pseudonymise_export

    document = localities[name]
    export = pseudonymise_export(document, KEY, k=1)
    assert _figures(document, export.ids["groups"]) == _figures(export.document, {})
    before, after = audit(document), audit(export.document)
    assert {k: v["level"] for k, v in before.profile.items()} == {k: v["level"] for k, v in after.profile.items()}


# ---------------------------------------------------------------- scrubbing free text


def scrubber(*names: str, organisational: set[str] | None = None):
    from app.formats.scrub import NameScrubber

    return NameScrubber.for_names(names, organisational)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yvonne Bright's forum", "[name]'s forum"),
        ("yvonne-bright-forum", "[name]-forum"),
        ("chaired by MS BRIGHT", "chaired by MS [name]"),
        ("yvonne_bright", "[name]"),
        (
            "Brightwell and Brighton are not names; nor is bright",
            "Brightwell and Brighton are not names; nor is [name]",
        ),
    ],
)
def test_names_are_scrubbed_as_whole_words_in_any_case(text, expected):
    assert scrubber("Yvonne Bright").scrub(text) == expected


def test_short_names_never_take_part_words():
    scrub = scrubber("Al Ng", "Ann Lee").scrub
    assert (
        scrub("Al's and Ng's annual plan, with Anne and Lee")
        == "[name]'s and [name]'s annual plan, with Anne and [name]"
    )
    assert scrub("Alan, Angela and Leeds") == "Alan, Angela and Leeds"


def test_unicode_names_with_and_without_accents():
    scrub = scrubber("Zoë Strauß", "Siobhán O'Neill", "Łukasz Żółkiewski").scrub
    assert scrub("ZOË and zoe and Zoe\u0308") == "[name] and [name] and [name]"
    assert scrub("Strauss, STRAUSS and Strauß") == "[name], [name] and [name]"
    assert scrub("Siobhan O\u2019Neill and o-neill") == "[name] and o-[name]"
    assert scrub("lukasz zolkiewski") == "[name]"
    assert scrubber("Zoe Quaye").scrub("Zoë Quaye's") == "[name] [name]'s"  # word by word


def test_names_run_together_cannot_be_scrubbed():
    scrub = scrubber("Yvonne Bright").scrub
    assert scrub("write to yvonnebright@example.org") is None
    assert scrub("YvonneBright") is None
    assert scrub("ybright@example.org") is None
    assert scrub("y.bright@example.org") == "y.[name]@example.org"


def test_posts_and_organisational_words_are_not_name_parts():
    organisational = {"rose", "hill", "primary", "school"}
    scrub = scrubber("Rose Hill", "SENCO, Rose Hill primary school", organisational=organisational).scrub
    # The full names go; "Hill" alone cannot be told from the school's name and stays.
    assert scrub("Rose Hill chairs; Rose Hill primary school hosts; Hill Road") == (
        "[name] chairs; [name] primary school hosts; Hill Road"
    )
    assert scrub("the SENCO, Rose Hill primary school, attends") == "the [name], attends"
    assert scrub("SENCO training") == "SENCO training"  # an acronym is not a name part


def test_a_text_that_cannot_be_scrubbed_is_dropped(localities):
    from app.formats.pseudonym import pseudonymise_export

    document, _ = planted(localities["thame"])
    export = pseudonymise_export(document, KEY)
    assert "groups[0].note" in export.dropped  # "Write to YvonneBright@example.org"
    assert f"{len(export.dropped)} text(s) that could not be scrubbed dropped" in export.document.locality.note
    assert not any("example.org" in (g.note or "") and "[name]" not in g.note for g in export.document.groups)


def test_required_names_that_cannot_be_scrubbed_are_replaced(minimal):
    minimal["people"][0]["name"] = "Yvonne Bright"
    minimal["groups"][1]["name"] = "YvonneBright panel"
    minimal["agencies"][0]["name"] = "School A (head: YvonneBright)"
    result = pseudonymise(validate_data(minimal), KEY)
    assert {g.name for g in result.groups} == {"Steering group", f"Panel {result.groups[1].id}"} or {
        g.name for g in result.groups
    } == {"Steering group", f"Panel {result.groups[0].id}"}
    assert not any("Bright" in a.name for a in result.agencies)


# ---------------------------------------------------------------- generalisation


@pytest.mark.parametrize(
    ("role", "family"),
    [
        ("senco", "school_staff"),
        ("head_teacher", "school_staff"),
        ("Head of Year 7", "school_staff"),
        ("school_nurse", "health"),
        ("camhs_clinician", "mental_health"),
        ("primary_mental_health_worker", "mental_health"),
        ("educational_psychologist", "education_support"),
        ("social_care_manager", "social_care_and_family_support"),
        ("tenancy_support_officer", "housing"),
        ("parent_rep", "representative"),
        ("police_liaison_officer", "police_and_justice"),
        ("la_lead_officer", "management_and_coordination"),
        ("astronaut", "other"),
        (None, None),
    ],
)
def test_role_family(role, family):
    from app.formats.anonymity import role_family

    assert role_family(role) == family


def test_generalisation_is_reported(localities):
    from app.formats.anonymity import LEVELS, generalise

    document = localities["city"]
    result = generalise(document, 3)
    assert set(result.people) == {p.id for p in document.people}
    assert list(result.levels) == list(LEVELS) and sum(result.levels.values()) == len(document.people)
    assert result.summary() in (pseudonymise(document, KEY).locality.note or "")
    assert "Residual risks" in (pseudonymise(document, KEY).locality.note or "")


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_k_must_be_a_whole_number_of_at_least_1(localities, k):
    with pytest.raises(ValueError, match="k must be a whole number of at least 1"):
        pseudonymise(localities["thame"], KEY, k=k)


def test_short_key_is_refused(localities):
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonymise(localities["thame"], b"short")


def test_the_input_is_not_changed_and_the_export_reloads(localities, tmp_path):
    document = localities["city"]
    before = document.model_dump()
    result = pseudonymise(document, KEY)
    assert document.model_dump() == before
    path = tmp_path / "city.yaml"
    path.write_text(dump_document(result, ".yaml"), encoding="utf-8")
    assert load_path(path) == result


def test_each_locality_is_numbered_apart(localities):
    # One key, two localities: the same person id ('la-lead') gets unrelated numbers.
    from app.formats.pseudonym import pseudonymise_export

    a = pseudonymise_export(localities["abingdon"], KEY).ids["people"]["la-lead"]
    b = pseudonymise_export(localities["banbury"], KEY).ids["people"]["la-lead"]
    c = pseudonymise_export(localities["bicester"], KEY).ids["people"]["la-lead"]
    assert len({a, b, c}) > 1


# ---------------------------------------------------------------- the command line


def test_cli_pseudonymised_export_with_k_and_without_a_key(capsys, tmp_path, db_url):
    from app.cli import main

    thame = next(path for path in sample_paths() if path.stem == "thame")
    assert main(["import", str(thame), "--db", db_url]) == 0
    target = tmp_path / "thame.yaml"
    for k in ("3", "5"):
        assert main(["export", "thame", "-o", str(target), "--pseudonymise", "--k", k, "--db", db_url]) == 0
        result = load_path(target)
        held = Counter((p.role, p.agency) for p in result.people if p.role is not None or p.agency is not None)
        assert min(held.values()) >= int(k)
        assert f"at least {k} people" in (result.locality.note or "")
    assert "(pseudonymised)" in capsys.readouterr().out
    assert main(["export", "thame", "-o", str(target), "--pseudonymise", "--k", "0", "--db", db_url]) != 0
    assert "--k must be at least 1, not 0" in capsys.readouterr().err
    assert main(["export", "thame", "-o", str(target), "--k", "3", "--db", db_url]) != 0
    assert "--k needs --pseudonymise" in capsys.readouterr().err
