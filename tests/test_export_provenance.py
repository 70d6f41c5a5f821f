"""Every export says where it came from, still reads back, and is the same bytes apart from its time.

``SOURCE_DATE_EPOCH`` fixes the time (:mod:`app.formats.provenance`): two
runs at one epoch must give identical bytes, and runs at two epochs may
differ only on lines holding the time (or, in GEXF's meta, its date).
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import jsonschema
import networkx as nx
import openpyxl
import pytest

from app.cli import main
from app.formats.exchange import OUTPUTS, read, render
from app.formats.graph_exports import export_graph, validate_kumu
from app.formats.provenance import content_hash, provenance, source_of
from app.formats.pseudonym import pseudonymise, pseudonymise_export
from models.document import json_schema
from models.validation import DocumentError, canonical, load_path, validate_data
from tests.conftest import SAMPLES_DIR, auth

THAME = SAMPLES_DIR / "thame.yaml"
KEY = b"k" * 32
#: Two moments: 2005-03-01T00:00:00Z (the pilot report's year) and a day and an hour later.
EPOCHS = ("1109635200", "1109725200")
TIMES = ("2005-03-01T00:00:00Z", "2005-03-02T01:00:00Z")


@pytest.fixture
def thame():
    return load_path(THAME)


def made_at(monkeypatch, epoch: str, document, revision: int | None = 3):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    return provenance([source_of(document, revision=revision)])


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def differing_lines(first: bytes, second: bytes) -> list[bytes]:
    """The lines of ``first`` that differ from ``second``'s (both must have the same number of lines)."""
    a, b = first.splitlines(), second.splitlines()
    assert len(a) == len(b)
    return [x for x, y in zip(a, b, strict=True) if x != y]


def only_time_differs(fmt: str, first: bytes, second: bytes) -> None:
    """``first`` (made at TIMES[0]) and ``second`` (at TIMES[1]) differ only where they hold the time."""
    if fmt in ("xlsx", "zip"):
        one, two = members(first), members(second)
        assert one.keys() == two.keys()
        for name in one:
            # inside the workbook the time sits in cells and properties, not on lines of its own
            assert one[name].replace(TIMES[0].encode(), b"T") == two[name].replace(TIMES[1].encode(), b"T"), name
        return
    changed = differing_lines(first, second)
    assert changed, "the time line must differ"
    for line in changed:
        assert TIMES[0].encode() in line or TIMES[0][:10].encode() in line, line


@pytest.mark.parametrize("fmt", list(OUTPUTS))
def test_the_same_input_gives_the_same_bytes_apart_from_the_time(monkeypatch, thame, fmt):
    first = render(thame, fmt, made_at(monkeypatch, EPOCHS[0], thame))
    assert render(thame, fmt, made_at(monkeypatch, EPOCHS[0], thame)) == first
    second = render(thame, fmt, made_at(monkeypatch, EPOCHS[1], thame))
    only_time_differs(fmt, first, second)


@pytest.mark.parametrize("fmt", ["yaml", "json", "xlsx", "zip"])
def test_every_readable_export_reads_back_exactly(monkeypatch, thame, fmt):
    content = render(thame, fmt, made_at(monkeypatch, EPOCHS[0], thame))
    assert canonical(read(content, OUTPUTS[fmt][0], "export")) == canonical(thame)


def test_yaml_opens_with_the_provenance_as_comments(monkeypatch, thame, tmp_path):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    text = render(thame, "yaml", made).decode()
    assert text.startswith(made.comment())
    assert text.splitlines()[:4] == [
        "# made by locmap " + made.version,
        f"# input: thame revision 3 sha256:{content_hash(thame)[:12]}",
        "# settings: defaults",
        f"# generated: {TIMES[0]}",
    ]
    path = tmp_path / "thame.yaml"
    path.write_text(text)
    assert canonical(load_path(path)) == canonical(thame)  # as `locmap import` reads it


def test_json_carries_the_provenance_in_a_key_reading_leaves_out(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    data = json.loads(render(thame, "json", made))
    assert list(data)[:2] == ["format", "provenance"] and data["provenance"] == made.as_dict()
    assert data["provenance"]["sources"][0]["sha256"] == content_hash(thame)
    read_back = validate_data(data)
    assert canonical(read_back) == canonical(thame) and content_hash(read_back) == content_hash(thame)
    jsonschema.validate(data, json_schema())  # the published schema admits it
    with pytest.raises(DocumentError) as refused:  # a provenance that is not a record is still refused
        validate_data({**data, "provenance": "made by hand"})
    assert [p.loc for p in refused.value.problems] == ["provenance"]


def test_xlsx_holds_the_provenance_in_its_readme_and_properties(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    book = openpyxl.load_workbook(io.BytesIO(render(thame, "xlsx", made)))
    readme = [row[0] for row in book["README"].iter_rows(values_only=True)]
    at = readme.index("Provenance")
    assert readme[at + 1 : at + 5] == made.lines()
    assert book.properties.description == "\n".join(made.lines())
    assert book.properties.creator == "locmap"
    assert book.properties.modified.isoformat() == TIMES[0].rstrip("Z")


def test_csv_zip_holds_a_provenance_file_that_reading_skips(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    files = members(render(thame, "zip", made))
    assert files["PROVENANCE.txt"].decode("utf-8-sig").splitlines() == made.lines()


def test_gexf_holds_the_provenance_in_its_meta(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    content = render(thame, "gexf", made)
    meta = re.search(rb"<meta lastmodifieddate=\"([^\"]+)\">(.*?)</meta>", content, re.DOTALL)
    assert meta is not None and meta.group(1) == TIMES[0][:10].encode()
    assert f"<creator>locmap {made.version}</creator>".encode() in meta.group(2)
    assert ("provenance:\n" + "\n".join(made.lines())).encode() in meta.group(2)
    graph = nx.read_gexf(io.BytesIO(content))
    assert graph.number_of_nodes() == export_graph(thame).number_of_nodes()


def test_graphml_holds_the_provenance_as_a_comment_its_readers_skip(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    content = render(thame, "graphml", made)
    assert content.splitlines()[1] == b"<!-- made by locmap " + made.version.encode()
    assert ("\n".join(made.lines()) + " -->").encode() in content
    graph = nx.read_graphml(io.BytesIO(content))
    original = export_graph(thame)
    assert graph.number_of_nodes() == original.number_of_nodes()
    assert graph.number_of_edges() == original.number_of_edges()
    assert "provenance" not in graph.graph and "locmap" not in graph.graph.get("name", "")


def test_graphml_comment_survives_text_xml_comments_cannot_hold(monkeypatch, minimal):
    minimal["locality"]["id"] = "a--b"
    document = validate_data(minimal)
    content = render(document, "graphml", made_at(monkeypatch, EPOCHS[0], document))
    comment = re.search(rb"<!--(.*?)-->", content, re.DOTALL)
    assert comment is not None and b"--" not in comment.group(1) and b"a- -b" in comment.group(1)
    nx.read_graphml(io.BytesIO(content))  # still well-formed XML


def test_kumu_holds_the_provenance_beside_elements_and_connections(monkeypatch, thame):
    made = made_at(monkeypatch, EPOCHS[0], thame)
    data = json.loads(render(thame, "kumu", made))
    assert data["provenance"] == made.as_dict() and data["provenance"]["sources"][0]["revision"] == 3
    assert validate_kumu(data) == []
    assert validate_kumu({**data, "provenance": "yes"}) == ["provenance: expected an object, got str"]


# ---------------------------------------------------------------- callers


def test_cli_export_names_the_stored_revision_and_repeats_byte_for_byte(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCHS[0])
    assert main(["import", str(THAME), "--db", db_url]) == 0
    for suffix in (".yaml", ".xlsx", ".zip", ".gexf", ".graphml"):
        first, second = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
        assert main(["export", "thame", "-o", str(first), "--db", db_url]) == 0
        assert main(["export", "thame", "-o", str(second), "--db", db_url]) == 0
        assert first.read_bytes() == second.read_bytes(), suffix
    header = (tmp_path / "one.yaml").read_text().splitlines()[1]
    assert header == f"# input: thame revision 1 sha256:{content_hash(load_path(THAME))[:12]}"


def test_pseudonymised_export_hashes_itself_never_the_original(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCHS[0])
    key = tmp_path / "research.key"
    key.write_bytes(KEY)
    assert main(["import", str(THAME), "--db", db_url]) == 0
    target = tmp_path / "research.yaml"
    assert main(["export", "thame", "-o", str(target), "--pseudonymise", "--key-file", str(key), "--db", db_url]) == 0
    text = target.read_text()
    exported = load_path(target)
    assert f"sha256:{content_hash(exported)[:12]}" in text.splitlines()[1]
    assert content_hash(load_path(THAME))[:12] not in text
    assert canonical(exported) == canonical(pseudonymise(load_path(THAME), KEY))


def test_api_download_names_the_stored_revision(service):
    client, tokens = service
    response = client.get("/api/localities/thame/download/kumu", headers=auth(tokens, "viewer"))
    assert response.status_code == 200
    source = response.json()["provenance"]["sources"][0]
    assert source["locality"] == "thame" and source["revision"] == 1
    yaml_text = client.get("/api/localities/thame/download/yaml", headers=auth(tokens, "viewer")).text
    assert yaml_text.splitlines()[1].startswith("# input: thame revision 1 sha256:")
    assert client.get("/api/localities/thame/download/yaml").status_code in (401, 303)  # names: readers only


def test_report_download_carries_its_provenance(service):
    client, tokens = service
    page = client.get("/localities/thame/report.html", headers=auth(tokens, "viewer")).text
    assert '<section class="provenance"' in page and "<li>input: thame revision 1 sha256:" in page


# ---------------------------------------------------------------- the HTML report


def test_html_report_opens_with_provenance_and_inlines_its_charts(monkeypatch, thame):
    from analysis.audit import audit
    from app.formats.report import html_report

    made = made_at(monkeypatch, EPOCHS[0], thame)
    page = html_report([(thame, audit(thame))], made)
    block = page[page.index('<section class="provenance"') : page.index("</section>")]
    assert [f"<li>{line}</li>" for line in made.lines()] == re.findall(r"<li>.*?</li>", block)
    assert page.count("<svg ") == 1 and "<img" not in page
    assert "http:" not in page and "https:" not in page  # nothing named that a browser could fetch
    assert html_report([(thame, audit(thame))], made_at(monkeypatch, EPOCHS[0], thame)) == page


def test_html_report_without_a_given_provenance_names_the_files(monkeypatch, thame):
    from analysis.audit import audit
    from app.formats.report import html_report, markdown_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCHS[0])
    line = f"input: thame sha256:{content_hash(thame)[:12]}"
    assert f"<li>{line}</li>" in html_report([(thame, audit(thame))])
    assert f"- input: thame sha256:{content_hash(thame)[:12]}" in markdown_report([(thame, audit(thame))])


# ---------------------------------------------------------------- the pseudonymised export's own header


def test_pseudonymised_header_states_the_generalisation_and_what_is_left(thame):
    result = pseudonymise_export(thame, KEY, 3)
    note = result.document.locality.note or ""
    levels = result.generalisation.levels
    assert "at least 3 people (k = 3)" in note and f"of {len(thame.people)} posts" in note
    for level, count in levels.items():
        if count:
            assert re.search(rf"\b{count} {re.escape(words_of(level))}", note), level
    assert sum(levels.values()) == len(thame.people)
    risks = note[note.index("Residual risks:") :]
    for what in ("seats", "size of each group", "hours", "systems-minder", "flag", f"with {len(thame.people)} people"):
        assert what in risks, what


def words_of(level: str) -> str:
    from app.formats.anonymity import LEVEL_WORDS

    return LEVEL_WORDS[level]


def test_header_names_a_group_smaller_than_k_and_only_then(minimal):
    small = pseudonymise(validate_data(minimal), KEY, 2).locality.note or ""
    assert "the smallest group has 1 member(s), fewer than k" in small  # the panel: one seat
    minimal["groups"][1]["members"].append({"person": "head-a"})
    enough = pseudonymise(validate_data(minimal), KEY, 2).locality.note or ""
    assert "smallest group" not in enough
    assert "1 person(s) carry a flag" in enough  # the social worker minds the system
