"""Folders on the command line: every locality file inside, non-locality files skipped with a word, all or nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from app.cli import main
from tests.conftest import ROOT

INDEX = {"format": "locmap-synth/1", "scale": "county", "localities": [{"id": "northville"}]}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _locality(minimal: dict, slug: str, name: str) -> dict:
    data = json.loads(json.dumps(minimal))
    data["locality"]["id"], data["locality"]["name"] = slug, name
    return data


@pytest.fixture
def county(tmp_path, minimal):
    """A folder with two localities (YAML and JSON), a synthetic index and a note that is not YAML at all."""
    folder = tmp_path / "county"
    folder.mkdir()
    (folder / "b-south.json").write_text(json.dumps(_locality(minimal, "southville", "Southville")))
    (folder / "a-north.yaml").write_text(yaml.safe_dump(_locality(minimal, "northville", "Northville")))
    (folder / "index.json").write_text(json.dumps(INDEX))
    (folder / "README.txt").write_text("not a locality file, and not .yaml/.yml/.json either")
    return folder


@pytest.fixture
def broken_county(county, minimal):
    data = _locality(minimal, "brokenville", "Brokenville")
    data["groups"][0]["members"].append({"person": "p99"})
    (county / "c-broken.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return county


def test_validate_a_folder_checks_each_locality_and_skips_the_index(capsys, county):
    code, out, err = run(capsys, "validate", str(county))
    assert code == 0, err
    assert out.splitlines() == [
        f"{county / 'a-north.yaml'}: valid (2 groups, 2 people, 2 agencies, 1 links)",
        f"{county / 'b-south.json'}: valid (2 groups, 2 people, 2 agencies, 1 links)",
    ]
    skipped = [line for line in err.splitlines() if "skipped" in line]
    assert skipped == [
        f"locmap: skipped {county / 'index.json'}: not a locality document (format 'locmap-synth/1', not 'locmap/1')"
    ]
    assert "README" not in err


def test_a_file_named_explicitly_is_never_skipped(capsys, county):
    code, _, err = run(capsys, "validate", str(county / "index.json"))
    assert code == 1
    assert "not a supported format version" in err and "skipped" not in err


def test_a_mapping_without_format_in_a_folder_is_skipped_by_content_not_name(capsys, county, minimal):
    (county / "z-locality-looking.json").write_text(json.dumps({"locality": {"id": "x"}}))
    code, _, err = run(capsys, "validate", str(county))
    assert code == 0
    assert f"skipped {county / 'z-locality-looking.json'}: not a locality document (no 'format: locmap/1')" in err


def test_validate_a_folder_with_a_broken_file_names_it_and_fails(capsys, broken_county):
    code, out, err = run(capsys, "validate", str(broken_county))
    assert code == 1
    assert f"{broken_county / 'c-broken.yaml'}: line " in err
    assert "groups[0].members[2].person: unknown person 'p99'" in err
    assert "1 of 3 file(s) invalid" in err
    assert out.count(": valid (") == 2


def test_import_a_folder_stores_every_locality(capsys, county, db_url):
    code, out, err = run(capsys, "import", str(county), "--db", db_url)
    assert code == 0, err
    assert "imported northville" in out and "imported southville" in out
    assert "skipped" in err and "index.json" in err
    code, out, _ = run(capsys, "list", "--db", db_url, "--json")
    assert sorted(row["id"] for row in json.loads(out)) == ["northville", "southville"]


def test_import_a_folder_with_a_broken_file_imports_nothing(capsys, broken_county, db_url):
    code, out, err = run(capsys, "import", str(broken_county), "--db", db_url)
    assert code == 1
    assert str(broken_county / "c-broken.yaml") in err and "unknown person 'p99'" in err
    assert "nothing imported" in err and "imported " not in out
    code, out, _ = run(capsys, "list", "--db", db_url, "--json")
    assert code == 0 and json.loads(out) == []


def test_import_two_folders_holding_the_same_locality_imports_nothing(capsys, county, tmp_path, db_url, minimal):
    other = tmp_path / "other"
    other.mkdir()
    (other / "north-again.json").write_text(json.dumps(_locality(minimal, "northville", "Northville")))
    code, _, err = run(capsys, "import", str(county), str(other), "--db", db_url)
    assert code == 1
    assert "locality id 'northville' is also in" in err and "nothing imported" in err


def test_audit_a_folder_as_json_gives_every_audit_and_the_comparison(capsys, county, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the provenance's time, the same in each run
    code, out, err = run(capsys, "audit", str(county), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"localities", "comparison"}
    assert [audit["locality"] for audit in data["localities"]] == ["northville", "southville"]
    code, single, _ = run(capsys, "audit", str(county / "a-north.yaml"), "--json")
    assert data["localities"][0] == json.loads(single)
    code, compared, _ = run(capsys, "compare", str(county / "a-north.yaml"), str(county / "b-south.json"), "--json")
    assert data["comparison"] == json.loads(compared)
    assert "index.json" in err


def test_audit_a_folder_as_text_prints_each_audit_then_the_comparison(capsys, county):
    code, out, _ = run(capsys, "audit", str(county))
    assert code == 0
    assert out.index("Audit of Northville") < out.index("Audit of Southville") < out.index("Metrics")


def test_audit_a_folder_refuses_what_if(capsys, county):
    code, _, err = run(capsys, "audit", str(county), "--without", "person:p1")
    assert code == 1 and "take one locality, not a folder" in err


def test_audit_a_folder_with_a_broken_file_names_it(capsys, broken_county):
    code, out, err = run(capsys, "audit", str(broken_county), "--json")
    assert code == 1 and out == ""
    assert str(broken_county / "c-broken.yaml") in err and "unknown person 'p99'" in err


def test_compare_and_report_take_folders(capsys, county, tmp_path):
    code, out, err = run(capsys, "compare", str(county), "--json")
    assert code == 0, err
    assert json.loads(out)["localities"] == ["northville", "southville"]
    report = tmp_path / "county.html"
    code, _, err = run(capsys, "report", str(county), "-o", str(report))
    assert code == 0, err
    text = report.read_text()
    assert "Northville" in text and "Southville" in text


def test_an_empty_folder_is_a_clear_error(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ("validate", "audit", "compare"):
        code, _, err = run(capsys, command, str(empty))
        assert code == 1, command
        assert f"{empty}: is a directory with no locality files" in err


def test_a_folder_of_nothing_but_an_index_is_a_clear_error(capsys, tmp_path):
    folder = tmp_path / "only-index"
    folder.mkdir()
    (folder / "index.json").write_text(json.dumps(INDEX))
    code, _, err = run(capsys, "compare", str(folder))
    assert code == 1 and "no locality documents to read" in err


def test_no_progress_bar_when_standard_error_is_not_a_terminal(county):
    # As scripts run it: standard error is a pipe, so only the one-line word about the index reaches it.
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "compare", str(county), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"locmap: skipped {county / 'index.json'}: not a locality document (format 'locmap-synth/1', not 'locmap/1')"
    ]
    assert "\x1b[" not in result.stdout + result.stderr
    json.loads(result.stdout)


def test_progress_bar_is_drawn_on_a_terminal(monkeypatch):
    # The other side of the test above: on a terminal the bar is drawn, and the items all come through.
    import io

    from rich.console import Console

    from app.cli import app as cli_app

    screen = io.StringIO()
    monkeypatch.setattr(cli_app, "err", Console(file=screen, force_terminal=True, width=80))
    assert list(cli_app.progress(range(3), "auditing")) == [0, 1, 2]
    assert "auditing" in screen.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr(cli_app, "err", Console(file=plain, force_terminal=False))
    assert list(cli_app.progress(range(3), "auditing")) == [0, 1, 2]
    assert plain.getvalue() == ""
