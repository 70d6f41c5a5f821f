"""The locmap command line: exit statuses, messages, no tracebacks, all-or-nothing import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from app.cli import main
from models.validation import canonical, load_path
from tests.conftest import LOCMAP_SCRIPT, SAMPLE_PATHS


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def good_file(tmp_path, minimal):
    path = tmp_path / "testville.yaml"
    path.write_text(yaml.safe_dump(minimal))
    return path


@pytest.fixture
def bad_file(tmp_path, minimal):
    minimal["locality"]["id"] = "badville"
    minimal["groups"][0]["members"].append({"person": "p99"})
    path = tmp_path / "badville.yaml"
    path.write_text(yaml.safe_dump(minimal, sort_keys=False))
    return path


def test_validate_good_and_bad(capsys, good_file, bad_file):
    code, out, _ = run(capsys, "validate", str(good_file))
    assert code == 0 and "valid (2 groups, 2 people" in out
    code, out, err = run(capsys, "validate", str(good_file), str(bad_file))
    assert code == 1
    assert "groups[0].members[2].person: unknown person 'p99'" in err
    assert f"{bad_file}: line " in err
    assert "1 of 2 file(s) invalid" in err


def test_validate_every_sample(capsys):
    code, out, err = run(capsys, "validate", *map(str, SAMPLE_PATHS))
    assert code == 0, err
    assert out.count(": valid (") == 6


def test_import_list_export_round_trip(capsys, tmp_path, db_url, good_file):
    code, out, _ = run(capsys, "import", str(good_file), "--db", db_url)
    assert code == 0 and "imported testville" in out
    code, out, _ = run(capsys, "list", "--db", db_url, "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert (row["id"], row["groups"], row["people"], row["agencies"], row["links"]) == ("testville", 2, 2, 2, 1)
    for suffix in (".yaml", ".json"):
        target = tmp_path / f"out{suffix}"
        code, _, err = run(capsys, "export", "testville", "-o", str(target), "--db", db_url)
        assert code == 0, err
        assert canonical(load_path(target)) == canonical(load_path(good_file))


def test_import_is_all_or_nothing_across_files(capsys, db_url, good_file, bad_file):
    code, _, err = run(capsys, "import", str(good_file), str(bad_file), "--db", db_url)
    assert code == 1
    assert "unknown person 'p99'" in err and "nothing imported" in err
    code, out, _ = run(capsys, "list", "--db", db_url, "--json")
    assert json.loads(out) == []


def test_a_file_with_one_bad_row_leaves_the_stored_locality_unchanged(capsys, tmp_path, db_url, good_file, minimal):
    assert run(capsys, "import", str(good_file), "--db", db_url)[0] == 0
    minimal["groups"].append({"id": "new", "name": "New forum", "type": "forum"})
    minimal["links"].append({"from": "new", "to": "steering", "kind": "reports_too"})
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(minimal))
    code, _, err = run(capsys, "import", str(changed), "--db", db_url)
    assert code == 1 and "links[1].kind: 'reports_too' is not one of" in err
    out_path = tmp_path / "after.yaml"
    run(capsys, "export", "testville", "-o", str(out_path), "--db", db_url)
    assert [g.id for g in load_path(out_path).groups] == ["steering", "panel"]


def test_duplicate_locality_ids_across_files_are_refused(capsys, tmp_path, db_url, good_file):
    copy = tmp_path / "copy.yaml"
    copy.write_text(good_file.read_text())
    code, _, err = run(capsys, "import", str(good_file), str(copy), "--db", db_url)
    assert code == 1 and "locality id 'testville' is also in" in err


def test_database_url_from_the_environment(capsys, monkeypatch, tmp_path, good_file):
    from app.config import get_settings

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("LOCMAP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert run(capsys, "import", str(good_file))[0] == 0
        assert (tmp_path / "env.db").exists()
        code, out, _ = run(capsys, "list", "--json")
        assert [row["id"] for row in json.loads(out)] == ["testville"]
    finally:
        get_settings.cache_clear()


def test_clear_errors_without_tracebacks(capsys, tmp_path, db_url):
    cases = [
        (["export", "nowhere", "-o", str(tmp_path / "x.yaml"), "--db", db_url], "no locality 'nowhere' is stored"),
        (["export", "nowhere", "-o", str(tmp_path / "x.txt"), "--db", db_url], "cannot tell the format from '.txt'"),
        (["list", "--db", "nosuchdb://x"], "cannot use database URL"),
        (["list", "--db", "not a url"], "invalid database URL"),
        (["validate", str(tmp_path / "missing.yaml")], "no such file"),
        (["import", str(tmp_path), "--db", db_url], "is a directory"),
        (["list", "--frobnicate"], "No such option"),
    ]
    for args, expected in cases:
        code, out, err = run(capsys, *args)
        assert code != 0, args
        assert expected in err, (args, err)
        assert "Traceback" not in out + err


def test_console_script_help_and_exit_status(tmp_path):
    exe = LOCMAP_SCRIPT
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    for sub in ("validate", "import", "export", "list", "schema"):
        done = subprocess.run([*command, sub, "--help"], capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "Usage:" in done.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: locmap/1\nlocality: 3\n")
    done = subprocess.run([*command, "validate", str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "locality:" in done.stderr and "Traceback" not in done.stderr


def test_schema_command_prints_the_generated_schema(capsys):
    from models.document import json_schema

    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out) == json_schema()
