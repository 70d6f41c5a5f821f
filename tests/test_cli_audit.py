"""The audit, compare and report commands, and the layering of the analysis package."""

from __future__ import annotations

import ast
import csv
import json

import yaml

from app.cli import main
from tests.conftest import ROOT, SAMPLE_PATHS, SAMPLES_DIR

THAME = str(SAMPLES_DIR / "thame.yaml")
ABINGDON = str(SAMPLES_DIR / "abingdon.yaml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_audit_json_has_exactly_the_documented_shape(capsys):
    code, out, err = run(capsys, "audit", THAME, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"locality", "metrics", "findings", "profile", "provenance"}
    assert data["locality"] == "thame"
    for finding in data["findings"]:
        assert set(finding) == {"code", "severity", "subjects", "message", "principle", "suggestion", "basis"}
        assert finding["basis"] in {"declared", "inferred"}
        assert finding["severity"] in {"high", "medium", "low", "info"}
    assert {f["code"] for f in data["findings"]} >= {"NO_LINK_TO_CENTRE", "CROSS_BOUNDARY_GROUP"}
    assert all(set(v) == {"level", "evidence", "basis", "margin"} for v in data["profile"].values())
    assert all(v["margin"] is None or v["margin"]["cutoff"] is not None for v in data["profile"].values())


def test_audit_human_report(capsys):
    code, out, _ = run(capsys, "audit", ABINGDON)
    assert code == 0
    assert "Audit of Abingdon" in out and "SINGLE_POINT_OF_FAILURE" in out and "Collaborative-advantage profile" in out


def test_audit_prints_the_margin_of_levels_rated_on_a_figure(capsys):
    code, out, _ = run(capsys, "audit", str(SAMPLES_DIR / "kidlington.yaml"))
    assert code == 0
    margins = out.split("Margins")[1]
    # Kidlington's network: 95% of attended seats held by local people against the 67% cut-off
    assert "Local ownership (strongly evident)" in margins and "falls below 67%" in margins
    assert "local_ownership" not in margins  # words, not dimension keys
    assert "inferred" in out  # the de facto minder is labelled as inferred


def test_validate_warns_of_schools_not_marked_as_schools(capsys, tmp_path):
    text = (SAMPLES_DIR / "thame.yaml").read_text().replace("school: true", "school: false")
    path = tmp_path / "unmarked.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0 and "valid" in out
    assert "warning" in err and "Lord Williams" in err and "not marked" in err
    code, _, err = run(capsys, "validate", str(SAMPLES_DIR / "thame.yaml"))
    assert code == 0 and "warning" not in err


def test_audit_of_a_stored_locality_matches_the_file(capsys, db_url):
    assert run(capsys, "import", THAME, "--db", db_url)[0] == 0
    _, from_db, _ = run(capsys, "audit", "thame", "--json", "--db", db_url)
    _, from_file, _ = run(capsys, "audit", THAME, "--json")
    stored, read = json.loads(from_db), json.loads(from_file)
    assert stored.pop("provenance")["sources"][0]["sha256"] == read.pop("provenance")["sources"][0]["sha256"]
    assert stored == read


def test_what_if_the_coordinator_leaves(capsys):
    code, out, _ = run(capsys, "audit", ABINGDON, "--without", "person:coordinator", "--json")
    assert code == 0
    data = json.loads(out)
    assert "ISOLATED_GROUP" in {f["code"] for f in data["appeared"]}
    assert "SINGLE_POINT_OF_FAILURE" in {f["code"] for f in data["resolved"]}
    assert data["metric_changes"]["components"] == {"before": 1, "after": 2}


def test_what_if_a_new_forum_is_added(capsys, tmp_path):
    patch = {
        "people": [{"id": "minder", "name": "Locality co-ordinator", "systems_minder": True}],
        "groups": [
            {
                "id": "abingdon-forum",
                "name": "Abingdon children's forum",
                "type": "forum",
                "membership": "open",
                "meets": "half_termly",
                "members": [
                    {"person": "minder", "role": "coordinator"},
                    {"person": "head-primary-a"},
                    {"person": "youth-worker"},
                ],
            }
        ],
        "links": [
            {"from": "abingdon-panel", "to": "abingdon-forum", "kind": "feeds_issues_to"},
            {"from": "abingdon-forum", "to": "abingdon-steering-group", "kind": "reports_to"},
        ],
    }
    path = tmp_path / "forum.yaml"
    path.write_text(yaml.safe_dump(patch))
    code, out, err = run(capsys, "audit", ABINGDON, "--with", str(path), "--json")
    assert code == 0, err
    resolved = {f["code"] for f in json.loads(out)["resolved"]}
    assert {"NO_KEY_COMMUNICATION_GROUP", "NO_SYSTEMS_MINDER", "SINGLE_POINT_OF_FAILURE"} <= resolved


def test_what_if_errors_are_clear(capsys, tmp_path):
    bad_patch = tmp_path / "bad.yaml"
    bad_patch.write_text("links:\n  - {from: nowhere, to: abingdon-panel, kind: reports_to}\n")
    cases = [
        (["audit", ABINGDON, "--without", "person:nobody"], "unknown person 'nobody'"),
        (["audit", ABINGDON, "--without", "coordinator"], "expected person:ID, group:ID or agency:ID"),
        (["audit", ABINGDON, "--with", str(bad_patch)], "unknown group 'nowhere'"),
        (["audit", ABINGDON, "--with", str(tmp_path / "missing.yaml")], "cannot read"),
        (["audit", ABINGDON, "--set", "overlap_threshold=lots"], "needs a number"),
        (["audit", ABINGDON, "--set", "colour=red"], "unknown setting 'colour'"),
        (
            ["audit", "no-such-locality", "--db", f"sqlite:///{tmp_path / 'x.db'}"],
            "no locality 'no-such-locality' is stored",
        ),
    ]
    for args, expected in cases:
        code, out, err = run(capsys, *args)
        assert code != 0 and expected in err, (args, err)
        assert "Traceback" not in out + err


def test_set_changes_a_threshold(capsys):
    _, default, _ = run(capsys, "audit", THAME, "--json")
    _, strict, _ = run(capsys, "audit", THAME, "--json", "--set", "overlap_threshold=0.3")
    count = lambda out: sum(f["code"] == "OVERLAPPING_GROUPS" for f in json.loads(out)["findings"])  # noqa: E731
    assert count(strict) > count(default)


def test_compare_json_csv_and_png(capsys, tmp_path):
    png, table = tmp_path / "out.png", tmp_path / "out.csv"
    code, out, err = run(capsys, "compare", *map(str, SAMPLE_PATHS), "--json", "--png", str(png), "--csv", str(table))
    assert code == 0, err
    data = json.loads(out)
    assert data["localities"] == ["abingdon", "banbury", "bicester", "city", "kidlington", "thame"]
    assert data["profile"]["systems_minding"]["thame"] == 2
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    rows = list(csv.reader(line for line in table.read_text().splitlines() if not line.startswith("#")))
    assert rows[0] == ["section", "measure", *data["localities"]]
    # Bicester, City and Kidlington's minders are inferred (report 3.8, 5.2), so at most evident
    assert ["profile", "systems_minding", "0", "2", "1", "1", "1", "2"] in rows


def test_compare_refuses_the_same_locality_twice(capsys):
    code, _, err = run(capsys, "compare", THAME, THAME)
    assert code != 0 and "same locality" in err


def test_reports_in_markdown_and_html_escape_names(capsys, tmp_path, minimal):
    minimal["groups"][0]["name"] = "<script>alert(1)</script>"
    minimal["people"][0]["name"] = '"><img src=x onerror=alert(1)>'
    evil = tmp_path / "evil.yaml"
    evil.write_text(yaml.safe_dump(minimal))
    html_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    assert run(capsys, "report", str(evil), THAME, "-o", str(html_path))[0] == 0
    page = html_path.read_text()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<svg ") == 3  # comparison + two profile charts, inline
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    assert run(capsys, "report", str(evil), THAME, "-o", str(md_path))[0] == 0
    text = md_path.read_text()
    assert "<script>" not in text and "](r.png)" in text and (tmp_path / "r.png").exists()
    assert "## Testville" in text and "#### " in text


def test_analysis_never_imports_the_web_or_database_layers():
    forbidden = (
        "app",
        "fastapi",
        "sqlmodel",
        "sqlalchemy",
        "starlette",
        "uvicorn",
        "matplotlib.pyplot",
        "models.tables",
    )
    for path in (ROOT / "analysis").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{path.name} imports {name}"


def test_models_document_does_not_pull_in_the_database():
    import subprocess
    import sys

    code = "import sys, models.document, models.validation, analysis.audit; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "False"
