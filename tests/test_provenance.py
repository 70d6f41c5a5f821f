"""Provenance on audit and compare outputs (CLI and API), and their determinism.

Determinism is tested in process (``app.cli.main`` and the test client),
running each output twice: identical apart from the ``generated`` line, and
byte-identical with ``SOURCE_DATE_EPOCH`` set.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from app import __version__
from app.cli import main
from app.formats.provenance import content_hash
from app.storage.sources import read_file
from tests.conftest import SAMPLE_PATHS, SAMPLES_DIR, auth

THAME = SAMPLES_DIR / "thame.yaml"
CITY = SAMPLES_DIR / "city.yaml"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_ok(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def without_time(text: str) -> str:
    """An output with its generated time taken out (the JSON key, and the comment or footer line)."""
    text = re.sub(r'"generated_at": "[^"]*"', '"generated_at": ""', text)
    return re.sub(r"^# generated: .*$", "# generated:", text, flags=re.M)


# ---------------------------------------------------------------- the command line


def test_audit_json_names_the_file_by_hash_version_and_settings(capsys):
    data = json.loads(run_ok(capsys, "audit", str(THAME), "--json", "--set", "overlap_threshold=0.3"))
    made = data["provenance"]
    assert made["tool"] == "locmap" and made["version"] == __version__
    assert made["sources"] == [
        {"locality": "thame", "sha256": content_hash(read_file(THAME)), "revision": None, "snapshot": None}
    ]
    assert made["settings"] == {"overlap_threshold": 0.3}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", made["generated_at"])
    default = json.loads(run_ok(capsys, "audit", str(THAME), "--json"))
    assert default["provenance"]["settings"] == {}  # only what was changed is listed


def test_a_stored_locality_gives_its_revision(capsys, db_url, tmp_path):
    run_ok(capsys, "import", str(THAME), "--db", db_url)
    first = json.loads(run_ok(capsys, "audit", "thame", "--json", "--db", db_url))["provenance"]["sources"][0]
    assert first["revision"] == 1 and first["sha256"] == content_hash(read_file(THAME))
    changed = tmp_path / "thame.yaml"
    changed.write_text(THAME.read_text().replace("meets: half_termly", "meets: monthly", 1))
    run_ok(capsys, "import", str(changed), "--db", db_url)
    second = json.loads(run_ok(capsys, "audit", "thame", "--json", "--db", db_url))["provenance"]["sources"][0]
    assert second["revision"] == 2 and second["sha256"] == content_hash(read_file(changed)) != first["sha256"]


def test_compare_names_every_input_in_column_order_with_snapshots(capsys, db_url):
    run_ok(capsys, "import", str(THAME), "--db", db_url)
    run_ok(capsys, "snapshot", "thame", "--label", "before", "--db", db_url)
    data = json.loads(run_ok(capsys, "compare", str(CITY), "thame", "thame@1", "--json", "--db", db_url))
    sources = data["provenance"]["sources"]
    digest = content_hash(read_file(THAME))
    assert sources == [
        {"locality": "city", "sha256": content_hash(read_file(CITY)), "revision": None, "snapshot": None},
        {"locality": "thame", "sha256": digest, "revision": 1, "snapshot": None},
        {"locality": "thame", "sha256": digest, "revision": 1, "snapshot": 1},
    ]
    assert data["localities"] == ["city", "thame", "thame@1"]


def test_audit_of_a_folder_gives_each_audit_and_the_comparison_their_provenance(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    folder = tmp_path / "county"
    folder.mkdir()
    for path in (THAME, CITY):
        (folder / path.name).write_text(path.read_text())
    data = json.loads(run_ok(capsys, "audit", str(folder), "--json"))
    assert [a["provenance"]["sources"][0]["locality"] for a in data["localities"]] == ["city", "thame"]
    assert [s["locality"] for s in data["comparison"]["provenance"]["sources"]] == ["city", "thame"]
    assert data["localities"][1] == json.loads(run_ok(capsys, "audit", str(THAME), "--json"))
    assert data["comparison"]["provenance"]["generated_at"] == "2026-01-01T00:00:00Z"


def test_the_wide_csv_has_provenance_and_one_number_format(capsys, tmp_path):
    pd = pytest.importorskip("pandas")
    table = tmp_path / "wide.csv"
    run_ok(capsys, "compare", *map(str, SAMPLE_PATHS), "--csv", str(table), "--set", "meeting_load_share=0.4")
    text = table.read_text()
    lines = text.splitlines()
    assert lines[0] == f"# made by locmap {__version__}"
    assert lines[1].startswith("# input: abingdon sha256:") and "thame sha256:" in lines[1]
    assert lines[2] == "# settings: meeting_load_share=0.4" and lines[3].startswith("# generated: ")
    assert not re.search(r"\b\d+\.0\b", "\n".join(lines[4:]))  # 18, never 18.0
    frame = pd.read_csv(io.StringIO(text), comment="#").set_index("measure")
    assert frame.loc["meeting_hours_per_year", "thame"] == 30  # Thame: 30 group-hours a year
    assert frame.loc["systems_minding", "thame"] == 2


def test_the_chart_footer_carries_the_provenance(capsys, tmp_path, monkeypatch):
    from analysis import charts

    footers = []
    original = charts.add_footer
    monkeypatch.setattr(charts, "add_footer", lambda figure, text: footers.append(text) or original(figure, text))
    run_ok(capsys, "compare", str(THAME), str(CITY), "--chart", str(tmp_path / "c.svg"), "--set", "brokers=3")
    assert len(footers) == 1
    assert f"made by locmap {__version__}" in footers[0] and "settings: brokers=3" in footers[0]
    assert f"thame sha256:{content_hash(read_file(THAME))[:12]}" in footers[0]


# ---------------------------------------------------------------- determinism


def test_audit_json_is_the_same_twice_and_byte_identical_with_source_date_epoch(capsys, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = run_ok(capsys, "audit", str(THAME), "--json")
    second = run_ok(capsys, "audit", str(THAME), "--json")
    assert without_time(first) == without_time(second)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    fixed = run_ok(capsys, "audit", str(THAME), "--json")
    assert fixed == run_ok(capsys, "audit", str(THAME), "--json")
    assert '"generated_at": "2026-01-01T00:00:00Z"' in fixed


def test_long_csv_and_chart_svg_are_byte_identical_with_source_date_epoch(capsys, tmp_path, monkeypatch, db_url):
    run_ok(capsys, "import", str(THAME), "--db", db_url)
    run_ok(capsys, "snapshot", "thame", "--label", "before", "--db", db_url)

    def outputs(name: str) -> tuple[str, bytes]:
        table, chart = tmp_path / f"{name}.csv", tmp_path / f"{name}.svg"
        args = ["compare", str(CITY), "thame", "thame@1", "--long-csv", str(table), "--chart", str(chart)]
        run_ok(capsys, *args, "--db", db_url)
        return table.read_text(), chart.read_bytes()

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (table_a, _), (table_b, _) = outputs("a"), outputs("b")
    assert without_time(table_a) == without_time(table_b)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    fixed, again = outputs("c"), outputs("d")
    assert fixed == again
    assert "# generated: 2026-01-01T00:00:00Z\n" in fixed[0]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    assert outputs("e")[1] != fixed[1]  # the footer's time is drawn in the chart


def test_svg_clip_ids_are_numbered_by_first_use_not_by_a_hash():
    from analysis.charts import stable_svg_ids

    def chart(first: str, second: str) -> bytes:
        return (
            f'<g clip-path="url(#{first})"/><g clip-path="url(#{second})"/><g clip-path="url(#{first})"/>'
            f'<clipPath id="{first}"/><clipPath id="{second}"/><g id="patch_1"/>'
        ).encode()

    one = stable_svg_ids(chart("p94968c8e97", "p25bab8158c"))
    assert one == stable_svg_ids(chart("p1df086fc49", "p7bca97cd37"))  # the same drawing, other hashes
    assert b'url(#clip1)"/><g clip-path="url(#clip2)' in one and b'<clipPath id="clip2"/>' in one
    assert b'id="patch_1"' in one  # other ids are left as they are
    assert stable_svg_ids(chart("p94968c8e97", "p94968c8e97")) != one  # one clip used thrice is not two


# ---------------------------------------------------------------- the API


def test_the_api_audit_names_the_stored_revision(service):
    client, tokens = service
    viewer = auth(tokens, "viewer")
    made = client.get("/api/localities/thame/audit", headers=viewer).json()["provenance"]
    assert made["sources"] == [
        {"locality": "thame", "sha256": content_hash(read_file(THAME)), "revision": 1, "snapshot": None}
    ]
    response = client.patch(
        "/api/localities/thame/groups/thame-network",
        json={"meets": "monthly"},
        headers={**auth(tokens, "admin"), "If-Match": "*"},
    )
    assert response.status_code == 200, response.text
    client.app.state.audit_cache.settle()
    client.get("/api/localities/thame/audit", headers=viewer)  # may still be the cached one meanwhile
    client.app.state.audit_cache.settle()
    after = client.get("/api/localities/thame/audit", headers=viewer).json()["provenance"]["sources"][0]
    assert after["revision"] == 2 and after["sha256"] != made["sources"][0]["sha256"]


def take_snapshot(client, tokens) -> int:
    response = client.post("/api/localities/thame/snapshots", json={"label": "before"}, headers=auth(tokens, "admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_api_compare_names_localities_and_snapshots(service):
    client, tokens = service
    number = take_snapshot(client, tokens)
    params = [("locality", "city"), ("locality", "thame"), ("snapshot", str(number))]
    data = client.get("/api/compare", params=params, headers=auth(tokens, "viewer")).json()
    assert data["localities"] == ["city", "thame", f"thame@{number}"]
    assert [(s["locality"], s["revision"], s["snapshot"]) for s in data["provenance"]["sources"]] == [
        ("city", 1, None),
        ("thame", 1, None),
        ("thame", 1, number),
    ]


def test_the_api_long_csv_holds_the_columns_shown_with_provenance(service):
    pd = pytest.importorskip("pandas")
    client, tokens = service
    number = take_snapshot(client, tokens)
    response = client.get(
        "/api/compare/long.csv",
        params=[("locality", "city"), ("locality", "thame"), ("snapshot", str(number))],
        headers=auth(tokens, "viewer"),
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith(f"# made by locmap {__version__}\n# input: city revision 1 sha256:")
    frame = pd.read_csv(io.StringIO(response.text), comment="#", dtype={"snapshot": "Int64"})
    assert frame.groupby(["locality", "snapshot"], dropna=False).ngroups == 3
    assert set(frame.snapshot.dropna()) == {number}
    viewer = auth(tokens, "viewer")
    again = client.get(response.url, headers={**viewer, "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("locality=nowhere", 404, "no locality 'nowhere'"),
        ("locality=thame&snapshot=999999", 404, "no snapshot 999999"),
        ("locality=thame&snapshot=first", 422, "snapshot"),
        ("", 400, "name at least one locality or snapshot"),
    ],
)
def test_the_api_long_csv_refuses_bad_columns_in_plain_words(service, query, status, words):
    client, tokens = service
    response = client.get(f"/api/compare/long.csv?{query}", headers=auth(tokens, "viewer"))
    assert response.status_code == status and words in response.text


def test_every_chart_has_a_pdf_and_a_provenance_footer(service, monkeypatch):
    from app.web.api import analysis as api

    footers = []
    original = api.add_footer
    monkeypatch.setattr(api, "add_footer", lambda figure, text: footers.append(text) or original(figure, text))
    client, tokens = service
    viewer = auth(tokens, "viewer")
    paths = [f"/api/localities/thame/charts/{c}.pdf" for c in ("profile", "findings", "load")]
    paths.append("/api/compare/chart.pdf?locality=thame&locality=city")
    for path in paths:
        response = client.get(path, headers=viewer)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert len(footers) == 4 and all(f"made by locmap {__version__}" in f for f in footers)
    assert all("thame revision 1 sha256:" in f for f in footers)
    assert "city revision 1" in footers[-1]


def test_the_compare_page_offers_the_tidy_table_and_chart_downloads_for_its_columns(service):
    import html as htmllib

    client, tokens = service
    number = take_snapshot(client, tokens)
    viewer = auth(tokens, "viewer")
    page = client.get(f"/compare?locality=thame&locality=city&snapshot={number}", headers=viewer).text
    links = {htmllib.unescape(h) for h in re.findall(r'href="(/api/compare/[^"]+)"', page)}
    query = f"locality=thame&locality=city&snapshot={number}"
    assert {
        f"/api/compare/long.csv?{query}",
        f"/api/compare/chart.svg?{query}",
        f"/api/compare/chart.pdf?{query}",
    } <= links
    table = client.get(f"/api/compare/long.csv?{query}", headers=viewer)
    assert table.status_code == 200 and f'"thame",{number},' in table.text
    assert client.get(f"/api/compare/long.csv?{query}").status_code == 401  # not signed in, not a demo
