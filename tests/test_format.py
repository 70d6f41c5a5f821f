"""The locmap/1 format: vocabularies, field checks and located, complete error reports."""

from __future__ import annotations

import json

import pydantic
import pytest

from models import vocab
from models.document import LocalityDocument, json_schema
from models.validation import DocumentError, canonical, dump_document, load_text, parse_text, validate_data


def problems_of(data) -> list[str]:
    with pytest.raises(DocumentError) as info:
        validate_data(data)
    return [str(p) for p in info.value.problems]


def test_minimal_document_is_valid(minimal):
    document = validate_data(minimal)
    assert document.locality.id == "testville"
    assert document.groups[0].members[0].role == vocab.MemberRole.chair
    assert document.links[0].id == "panel--reports_to--steering"


# ------------------------------------------------------------ vocabularies


def _set(data: dict, path: str, value) -> None:
    """Set ``value`` at a path such as ``groups.0.members.0.role``."""
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value


VOCAB_FIELDS = [
    ("locality.boundary", vocab.Boundary),
    ("locality.devolved_funding", vocab.DevolvedFunding),
    ("agencies.1.sector", vocab.Sector),
    ("groups.0.type", vocab.GroupType),
    ("groups.0.focus", vocab.Focus),
    ("groups.0.membership", vocab.MembershipRule),
    ("groups.0.meets", vocab.Meets),
    ("groups.0.members.1.role", vocab.MemberRole),
    ("links.0.kind", vocab.LinkKind),
]


@pytest.mark.parametrize(("path", "enum"), VOCAB_FIELDS, ids=[p for p, _ in VOCAB_FIELDS])
def test_every_word_of_every_vocabulary_is_accepted(minimal, path, enum):
    for word in enum:
        _set(minimal, path, word.value)
        document = validate_data(minimal)
        assert word.value in json.dumps(document.to_data()) or word.value in ("none", "member", "clear")


@pytest.mark.parametrize(("path", "enum"), VOCAB_FIELDS, ids=[p for p, _ in VOCAB_FIELDS])
def test_a_word_outside_the_vocabulary_is_named(minimal, path, enum):
    _set(minimal, path, "wibble")
    messages = problems_of(minimal)
    dotted = path.split(".")
    expected_loc = dotted[0] + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in dotted[1:])
    assert any(m.startswith(f"{expected_loc}: 'wibble' is not one of") for m in messages), messages


def test_vocabularies_cover_the_issue_lists():
    assert {s.value for s in vocab.Sector} == {
        "education",
        "social_care",
        "health",
        "mental_health",
        "voluntary",
        "police",
        "youth",
        "community",
        "local_authority",
        "housing",
        "other",
    }
    assert {t.value for t in vocab.GroupType} == {
        "steering_group",
        "network",
        "forum",
        "core_group",
        "working_group",
        "panel",
        "school_consultation_team",
        "multi_agency_support_team",
        "partnership",
        "hub",
        "strategic_centre",
        "other",
    }
    assert {k.value for k in vocab.LinkKind} == {
        "reports_to",
        "feeds_issues_to",
        "refers_cases_to",
        "commissions",
        "oversees",
        "consults",
    }
    assert set(vocab.DEFAULT_FOCUS) == set(vocab.GroupType)
    assert set(vocab.MEETINGS_PER_YEAR) == set(vocab.Meets)


def test_focus_and_meetings_default_from_type_and_frequency(minimal):
    document = validate_data(minimal)
    steering, panel = document.groups
    assert steering.effective_focus == vocab.Focus.strategic
    assert panel.effective_focus == vocab.Focus.downstream
    assert steering.yearly_meetings == 6  # half-termly
    assert panel.yearly_meetings is None  # not stated
    minimal["groups"][1]["meets"] = "monthly"
    minimal["groups"][1]["meetings_per_year"] = 4
    assert validate_data(minimal).groups[1].yearly_meetings == 4  # the explicit count wins


# ------------------------------------------------------------ each kind of error


def test_unknown_references_are_each_reported(minimal):
    minimal["people"][0]["agency"] = "nowhere"
    minimal["groups"][0]["members"].append({"person": "p99"})
    minimal["groups"][1]["school"] = "no-school"
    minimal["links"].append({"from": "ghost", "to": "steering", "kind": "consults"})
    messages = problems_of(minimal)
    assert "people[0].agency: unknown agency 'nowhere'" in messages
    assert "groups[0].members[2].person: unknown person 'p99'" in messages
    assert "groups[1].school: unknown agency 'no-school'" in messages
    assert "links[1].from: unknown group 'ghost'" in messages
    assert len(messages) == 4


def test_school_must_be_a_school_agency(minimal):
    minimal["groups"][1]["school"] = "shc"
    assert problems_of(minimal) == ["groups[1].school: agency 'shc' is not marked as a school (school: true)"]


@pytest.mark.parametrize("section", ["agencies", "people", "groups"])
def test_duplicate_ids_in_each_section(minimal, section):
    minimal[section].append({**minimal[section][0]})
    if section == "groups":
        minimal[section][-1]["members"] = []
    messages = problems_of(minimal)
    first_id = minimal[section][0]["id"]
    index = len(minimal[section]) - 1
    assert f"{section}[{index}].id: duplicate id '{first_id}' (first used at {section}[0])" in messages


def test_repeated_member_self_link_and_duplicate_link(minimal):
    minimal["groups"][0]["members"].append({"person": "sw", "role": "secretary"})
    minimal["links"].append({"from": "steering", "to": "steering", "kind": "oversees"})
    minimal["links"].append({"from": "panel", "to": "steering", "kind": "reports_to"})
    messages = problems_of(minimal)
    assert "groups[0].members[2].person: person 'sw' is already a member (members[1])" in messages
    assert "links[1].to: a link cannot go from group 'steering' to itself" in messages
    assert "links[2]: duplicate link 'panel' reports_to 'steering' (links[0])" in messages


def test_two_links_of_different_kinds_between_the_same_groups_are_fine(minimal):
    minimal["links"].append({"from": "steering", "to": "panel", "kind": "oversees"})
    minimal["links"].append({"from": "steering", "to": "panel", "kind": "refers_cases_to"})
    assert len(validate_data(minimal).links) == 3


def test_format_version(minimal):
    minimal["format"] = "locmap/2"
    assert problems_of(minimal) == ["format: 'locmap/2' is not a supported format version; expected 'locmap/1'"]
    del minimal["format"]
    assert any(m.startswith("format: required field is missing") for m in problems_of(minimal))


def test_wrong_types_name_the_value(minimal):
    minimal["people"][0]["hours_per_week"] = "lots"
    minimal["groups"][0]["members"] = "everyone"
    minimal["agencies"][0]["school"] = "yes please"
    messages = problems_of(minimal)
    assert any(m.startswith("people[0].hours_per_week: ") and "'lots'" in m for m in messages)
    assert any(m.startswith("groups[0].members: ") and "'everyone'" in m for m in messages)
    assert any(m.startswith("agencies[0].school: ") and "'yes please'" in m for m in messages)


def test_numbers_out_of_range(minimal):
    minimal["groups"][0]["members"][0]["attendance"] = 1.5
    minimal["groups"][0]["hours"] = 0
    minimal["people"][1]["hours_per_week"] = -3
    messages = problems_of(minimal)
    assert any(m.startswith("groups[0].members[0].attendance: ") and "1.5" in m for m in messages)
    assert any(m.startswith("groups[0].hours: ") for m in messages)
    assert any(m.startswith("people[1].hours_per_week: ") and "-3" in m for m in messages)


def test_unknown_fields_and_missing_fields(minimal):
    minimal["groups"][0]["colour"] = "red"
    del minimal["agencies"][1]["sector"]
    messages = problems_of(minimal)
    assert "groups[0].colour: unknown field" in messages
    assert "agencies[1].sector: required field is missing" in messages


@pytest.mark.parametrize("bad_id", ["Upper", "has space", "-leading", "trailing-", "", "x" * 65, "ünï"])
def test_bad_ids(minimal, bad_id):
    minimal["agencies"][1]["id"] = bad_id
    minimal["people"][1]["agency"] = bad_id
    messages = problems_of(minimal)
    assert any(m.startswith("agencies[1].id: ") and "not a valid id" in m for m in messages), messages


@pytest.mark.parametrize("hidden", ["\u202e", "\u200f", "\x07", "\n", "\u2066", "\x00"])
def test_control_and_bidirectional_characters_in_names(minimal, hidden):
    minimal["people"][0]["name"] = f"Head{hidden}teacher"
    messages = problems_of(minimal)
    assert len(messages) == 1 and messages[0].startswith("people[0].name: ")
    assert f"U+{ord(hidden):04X}" in messages[0]


def test_blank_names_are_refused(minimal):
    minimal["groups"][0]["name"] = "   "
    assert problems_of(minimal)[0].startswith("groups[0].name: ")


def test_newlines_are_allowed_in_free_text(minimal):
    minimal["groups"][0]["purpose"] = "Line one.\nLine two."
    assert validate_data(minimal).groups[0].purpose == "Line one.\nLine two."


def test_every_problem_is_reported_not_just_the_first(minimal):
    minimal["locality"]["boundary"] = "fuzzy"
    minimal["agencies"][0]["sector"] = "schools"
    minimal["people"][0]["agency"] = "nowhere"
    minimal["groups"][1]["type"] = "committee"
    minimal["links"][0]["kind"] = "talks_to"
    assert len(problems_of(minimal)) == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty document"),
        ("   \n# only a comment\n", "empty document"),
        ("- a\n- b\n", "got a list"),
        ("just words", "got str"),
        ("a: [1\n", "invalid YAML"),
        ('{"format": "locmap/1",', "invalid JSON"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        (b"\xff\xfe\x00x", "not UTF-8 text"),
        ("key: !!python/object:os.system ls\n", "the YAML tag !!python/object:os.system is not allowed"),
    ],
)
def test_unreadable_input(text, expected):
    with pytest.raises(DocumentError) as info:
        load_text(text)
    assert expected in str(info.value.problems[0])


def test_yaml_problems_carry_line_numbers(minimal):
    text = dump_document(validate_data(minimal), ".yaml").replace("sector: social_care", "sector: social")
    with pytest.raises(DocumentError) as info:
        load_text(text, suffix=".yaml", source="x.yaml")
    (problem,) = info.value.problems
    assert problem.loc == "agencies[1].sector"
    assert text.splitlines()[problem.line - 1].strip() == "sector: social"
    assert info.value.lines()[0].startswith("x.yaml: line ")


def test_yaml_words_are_not_turned_into_booleans_or_dates(minimal):
    minimal["agencies"][1]["id"] = "no"
    minimal["people"][1]["agency"] = "no"
    text = dump_document(validate_data(minimal), ".yaml")
    # A hand-written file would say `id: no` without quotes: it must stay a string.
    text = text.replace("'no'", "no")
    assert "id: no\n" in text
    document = load_text(text, suffix=".yaml")
    assert document.agencies[1].id == "no"
    parsed = parse_text("when: 2005-11-01\nflag: yes\n")
    assert parsed.data == {"when": "2005-11-01", "flag": "yes"}


def test_json_and_yaml_read_the_same(minimal):
    document = validate_data(minimal)
    as_json = load_text(dump_document(document, ".json"), suffix=".json")
    as_yaml = load_text(dump_document(document, ".yaml"), suffix=".yaml")
    assert canonical(as_json) == canonical(as_yaml) == canonical(document)


def test_json_schema_accepts_valid_and_rejects_invalid(minimal):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(minimal, schema)
    minimal["groups"][0]["type"] = "committee"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(minimal, schema)


def test_committed_json_schema_is_current():
    from tests.conftest import ROOT

    committed = json.loads((ROOT / "docs" / "locmap-1.schema.json").read_text())
    assert committed == json_schema(), "regenerate with: locmap schema -o docs/locmap-1.schema.json"


def test_documents_are_not_built_from_unvalidated_data():
    with pytest.raises(pydantic.ValidationError):
        LocalityDocument.model_validate({"format": "locmap/1", "locality": {"id": "x"}})


def test_format_documentation_lists_every_vocabulary_word():
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "format.md").read_text()
    for field, enum in vocab.VOCABULARIES.items():
        for word in enum:
            assert f"`{word.value}`" in doc, f"docs/format.md does not mention {field} value {word.value!r}"
