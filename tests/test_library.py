"""The Python API (:mod:`app.library`): documented, light to import, and the same answers as the analyses.

Each function is checked against the analysis it wraps on the samples, and
on a small hand-built locality (:data:`tests.conftest.MINIMAL`) whose graphs
are known; bad input gives the plain errors the command line gives.
"""

from __future__ import annotations

import doctest
import inspect
import re
import subprocess
import sys

import networkx as nx
import pytest

import app
from analysis.audit import audit as analysis_audit
from analysis.compare import comparison
from analysis.graphs import build_graphs
from analysis.routes import RouteQuestionError, concern_route
from analysis.settings import DEFAULT_SETTINGS
from analysis.whatif import what_if as analysis_what_if
from app import library as locmap
from app.errors import UserError
from models.validation import DocumentError, canonical, load_path
from tests.conftest import ROOT, SAMPLE_PATHS, SAMPLE_SLUGS, SAMPLES_DIR

THAME = SAMPLES_DIR / "thame.yaml"
MINDERS = ["person:senco-lws", "person:counsellor-lws"]
TO_CENTRE = {
    "links": [
        {
            "id": "to-county",
            "from": "thame-network-steering-group",
            "to": "county-iss-steering-group",
            "kind": "reports_to",
        }
    ]
}


@pytest.fixture(scope="module")
def thame():
    return load_path(THAME)


# ---------------------------------------------------------------- the surface


def _sections(doc: str) -> set[str]:
    """The numpydoc section headings of a docstring (a title underlined with dashes)."""
    return set(re.findall(r"^\s*(\w[\w ]*)\n\s*-{3,}$", doc, re.MULTILINE))


def test_every_public_name_is_documented_with_its_parameters_and_returns():
    assert sorted(locmap.__all__) == locmap.__all__ and len(locmap.__all__) >= 11
    for name in locmap.__all__:
        thing = getattr(locmap, name)
        doc = inspect.getdoc(thing) or ""
        sections = _sections(doc)
        if inspect.isclass(thing):
            assert sections & {"Parameters", "Attributes"}, f"{name}: no Parameters or Attributes"
            continue
        missing = {"Returns", "Examples"} - sections
        assert not missing, f"{name}: no {', '.join(sorted(missing))} section"
        wanted = [p for p in inspect.signature(thing).parameters if p != "thresholds"]
        if wanted:
            assert "Parameters" in sections, f"{name}: no Parameters section"
            parameters = doc.split("Parameters", 1)[1].split("Returns", 1)[0]
            assert all(re.search(rf"^{p}\b", parameters, re.MULTILINE) for p in wanted), f"{name}: {wanted}"


def test_the_section_reader_sees_a_missing_section():
    # Near miss for the test above: a docstring without a Returns heading.
    assert _sections("Do it.\n\nParameters\n----------\nx : int\n    A number.\n") == {"Parameters"}


def test_the_examples_in_the_docstrings_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(locmap, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


def test_the_version_is_the_package_version():
    assert locmap.__version__ == app.__version__


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_app_stays_light_and_library_is_there_on_first_use():
    done = _run(
        "import sys, app\n"
        "assert 'app.library' not in sys.modules, 'import app loaded the library'\n"
        "assert 'analysis' not in sys.modules, 'import app loaded the analyses'\n"
        "assert app.library.samples()['thame'].locality.name == 'Thame'\n"
        "try:\n    app.nonsense\nexcept AttributeError as e:\n    print(e)\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no attribute 'nonsense'" in done.stdout


def test_importing_the_library_loads_neither_networkx_nor_pandas_nor_the_database():
    heavy = ("networkx", "pandas", "sqlalchemy", "sqlmodel", "fastapi", "openpyxl", "matplotlib")
    done = _run(f"import sys\nfrom app import library\nprint([m for m in {heavy!r} if m in sys.modules])")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- reading


def test_read_gives_the_document_the_analyses_read(thame):
    assert locmap.read(THAME) == thame
    assert locmap.read(str(THAME)) == thame
    assert locmap.read(THAME.read_bytes(), suffix=".yaml") == thame


@pytest.mark.parametrize("suffix", [".xlsx", ".zip"])
def test_read_takes_spreadsheets_as_bytes_and_files(thame, tmp_path, suffix):
    from app.formats.exchange import render

    content = render(thame, suffix[1:])
    assert canonical(locmap.read(content, suffix=suffix)) == canonical(thame)
    path = tmp_path / f"thame{suffix}"
    path.write_bytes(content)
    assert canonical(locmap.read(path)) == canonical(thame)


def test_samples_are_the_six_pilot_files():
    found = locmap.samples()
    assert list(found) == SAMPLE_SLUGS
    assert [found[s] for s in SAMPLE_SLUGS] == [load_path(p) for p in SAMPLE_PATHS]


def test_a_bad_file_gives_every_problem_with_its_line(tmp_path):
    text = THAME.read_text(encoding="utf-8").replace("- {person: la-county-officer", "- {person: p99", 1)
    path = tmp_path / "thame.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(locmap.LocalityError) as caught:
        locmap.read(path)
    assert isinstance(caught.value, DocumentError)
    message = str(caught.value)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "p99" in row)
    assert f"{path}: line {line}: groups[0].members[0].person: unknown person 'p99'" in message
    assert "Traceback" not in message


def test_a_missing_file_and_an_unknown_format_are_said_plainly(tmp_path):
    with pytest.raises(locmap.LocalityError, match="no such file"):
        locmap.read(tmp_path / "nowhere.yaml")
    with pytest.raises(UserError, match=r"unsupported extension '\.txt'"):
        locmap.read(b"format: locmap/1", suffix=".txt")
    with pytest.raises(UserError, match=r"unsupported extension '\(none\)'"):
        locmap.read(b"format: locmap/1")


def test_a_broken_workbook_names_its_sheet():
    with pytest.raises(locmap.LocalityError) as caught:
        locmap.read(b"not a workbook", suffix=".xlsx")
    assert str(caught.value).count("\n") >= 1  # the summary, then each problem


def test_from_dict_checks_like_a_file(minimal):
    assert locmap.from_dict(minimal).locality.id == "testville"
    minimal["groups"][0]["members"][1]["person"] = "nobody"
    with pytest.raises(locmap.LocalityError, match=r"groups\[0\]\.members\[1\]\.person: unknown person 'nobody'"):
        locmap.from_dict(minimal)


# ---------------------------------------------------------------- audit and compare


def test_the_audit_is_the_analysis_audit(thame):
    assert locmap.audit(thame).as_dict() == analysis_audit(thame).as_dict()


def test_thresholds_are_changed_by_name(thame):
    assert "OVERLAPPING_GROUPS" not in locmap.audit(thame).codes()
    stricter = locmap.audit(thame, overlap_threshold=0.2)
    assert "OVERLAPPING_GROUPS" in stricter.codes()
    assert stricter.settings == DEFAULT_SETTINGS.with_values(overlap_threshold=0.2)
    assert stricter.as_dict() == analysis_audit(thame, stricter.settings).as_dict()


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"overlap": 0.2}, r"unknown threshold 'overlap'; known: overlap_threshold, "),
        ({"overlap_threshold": "0.2"}, r"threshold overlap_threshold needs a number, got '0.2'"),
        ({"overlap_threshold": True}, r"threshold overlap_threshold needs a number, got True"),
        ({"brokers": 2.5}, r"threshold brokers needs a whole number, got 2.5"),
    ],
)
def test_a_wrong_threshold_is_a_plain_value_error(thame, thresholds, message):
    with pytest.raises(ValueError, match=message):
        locmap.audit(thame, **thresholds)


def test_a_whole_number_threshold_takes_a_whole_number(thame):
    assert (
        locmap.audit(thame, brokers=2).metrics == analysis_audit(thame, DEFAULT_SETTINGS.with_values(brokers=2)).metrics
    )


def test_compare_is_the_comparison_of_the_audits():
    docs = locmap.samples()
    expected = comparison([analysis_audit(d) for d in docs.values()])
    assert locmap.compare(docs) == expected
    assert locmap.compare(list(docs.values())) == expected
    with pytest.raises(ValueError, match="unknown threshold 'nope'"):
        locmap.compare(docs, nope=1)


def test_compare_frame_holds_the_comparison_a_row_per_locality():
    pytest.importorskip("pandas")
    docs = locmap.samples()
    data = locmap.compare(docs)
    frame = locmap.compare_frame(docs)
    assert frame.index.tolist() == SAMPLE_SLUGS and frame.index.name == "locality"
    assert list(frame.columns.names) == ["section", "measure"]
    assert frame.shape == (6, len(data["metrics"]) + len(data["profile"]) + 4)
    assert frame.loc["city", ("metric", "local_groups")] == data["metrics"]["local_groups"]["city"]
    assert frame["profile"]["links_to_centre"].to_dict() == data["profile"]["links_to_centre"]
    assert frame["findings"].loc["abingdon"].to_dict() == data["findings"]["abingdon"]


def test_compare_frame_without_pandas_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"compare_frame needs pandas \(pip install pandas\)"):
        locmap.compare_frame(locmap.samples())


# ---------------------------------------------------------------- what-if


def test_what_if_the_minders_leave_is_the_analysis_what_if(thame):
    change = locmap.what_if(thame, without=MINDERS)
    assert [f.code for f in change.appeared] == ["NO_SYSTEMS_MINDER"] and change.resolved == []
    assert change.as_dict() == analysis_what_if(thame, without=MINDERS).as_dict()
    assert "Systems minding: strongly evident → not evident (level 3 → level 0 of 3, down 3 levels)" in (
        change.profile_words()
    )


def test_what_if_takes_one_removal_as_a_string(thame):
    one = locmap.what_if(thame, without="person:senco-lws")
    assert one.as_dict() == analysis_what_if(thame, without=["person:senco-lws"]).as_dict()
    # Near miss: the other co-ordinator still minds the system, reaching fewer groups.
    assert [f.code for f in one.appeared] == ["SYSTEMS_MINDER_GAP"]


def test_what_if_adding_a_link_to_the_centre_resolves_the_gap(thame, tmp_path):
    added = locmap.what_if(thame, add=TO_CENTRE)
    assert [f.code for f in added.resolved] == ["NO_LINK_TO_CENTRE"]
    patch = tmp_path / "link.yaml"
    patch.write_text(
        "links:\n  - {id: to-county, from: thame-network-steering-group, to: county-iss-steering-group, kind: reports_to}\n",
        encoding="utf-8",
    )
    assert locmap.what_if(thame, add=patch).as_dict() == added.as_dict()


@pytest.mark.parametrize(
    ("without", "message"),
    [
        (["person:nobody"], r"unknown person 'nobody' in locality 'thame'"),
        (["senco-lws"], r"'senco-lws': expected person:ID, group:ID or agency:ID"),
    ],
)
def test_what_if_of_something_not_there_is_a_plain_value_error(thame, without, message):
    with pytest.raises(ValueError, match=message):
        locmap.what_if(thame, without=without)


def test_what_if_with_a_bad_patch_names_the_problem(thame):
    bad = {"links": [{"id": "x", "from": "thame-network", "to": "nowhere", "kind": "reports_to"}]}
    with pytest.raises(locmap.LocalityError, match=r"after applying the patch: .*'nowhere'"):
        locmap.what_if(thame, add=bad)


# ---------------------------------------------------------------- graphs and routes


def test_the_graphs_of_a_hand_built_locality(minimal):
    membership, groups, links = locmap.graphs(locmap.from_dict(minimal))
    people = {"person:head-a", "person:sw"}
    assert set(membership) == people | {"group:steering", "group:panel"}
    assert {frozenset(e) for e in membership.edges} == {
        frozenset({"person:head-a", "group:steering"}),
        frozenset({"person:sw", "group:steering"}),
        frozenset({"person:sw", "group:panel"}),
    }
    assert {n for n, side in membership.nodes(data="bipartite") if side == 0} == people
    assert nx.bipartite.is_bipartite_node_set(membership, people)
    assert membership.edges["person:head-a", "group:steering"]["role"] == "chair"
    assert membership.nodes["person:sw"]["agency"] == "shc"
    # Steering and panel share one member (sw): one edge of weight 1.
    assert list(groups.edges(data="weight")) == [("steering", "panel", 1)]
    assert groups.nodes["panel"]["label"] == "Panel" and "bipartite" not in groups.nodes["panel"]
    assert list(links.edges(keys=True)) == [("panel", "steering", "reports_to")]
    assert links.nodes["steering"]["type"] == "steering_group"


def test_groups_sharing_nobody_are_not_joined(minimal):
    minimal["groups"][1]["members"] = [{"person": "head-a"}]  # panel now shares head-a, not sw
    minimal["groups"][0]["members"] = [{"person": "sw"}]
    _, groups, _ = locmap.graphs(locmap.from_dict(minimal))
    assert set(groups) == {"steering", "panel"} and groups.number_of_edges() == 0


def test_the_graphs_are_the_analysis_graphs_and_the_callers_own(thame):
    membership, _, links = locmap.graphs(thame)
    built = build_graphs(thame)
    assert nx.utils.graphs_equal(membership, built.membership)
    assert sorted(links.edges(keys=True)) == sorted(built.links.edges(keys=True))
    membership.remove_node("group:thame-network")
    assert "group:thame-network" in locmap.graphs(thame).membership


def test_route_is_the_analysis_route(thame):
    answer = locmap.route(thame, "lord-williams", "emotional difficulties")
    assert answer.as_dict() == concern_route(build_graphs(thame), "lord-williams", "emotional difficulties").as_dict()
    assert [s.group for s in answer.routes[0].steps] == ["thame-network"]
    assert answer.gap is not None and answer.gap.finding_code == "MISSING_DOWNSTREAM_PATH"


def test_a_route_from_a_mistyped_school_suggests_the_closest(thame):
    with pytest.raises(RouteQuestionError, match="'Lord Wiliams' is not a school or group of Thame") as caught:
        locmap.route(thame, "Lord Wiliams", "emotional")
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "from" and caught.value.suggestions == ("Lord Williams's School",)


def test_a_route_for_an_unknown_concern_lists_the_kinds(thame):
    with pytest.raises(RouteQuestionError, match="'astrology' is not a kind of concern") as caught:
        locmap.route(thame, "lord-williams", "astrology")
    assert "Emotional and mental health" in caught.value.suggestions
