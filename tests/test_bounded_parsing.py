"""Hostile locality files: refused plainly, in bounded memory, and never drawn or written unsafely (issue 18)."""

from __future__ import annotations

import copy
import csv
import io
import json
import resource
import subprocess
import sys
import zipfile

import pytest
import yaml

from analysis.audit import audit
from analysis.charts import comparison_figure, findings_chart, meeting_load_chart, png_bytes, profile_bars
from analysis.settings import DEFAULT_SETTINGS
from app.cli import main
from app.formats.report import html_report, markdown_report
from app.formats.spreadsheets import neutralise, read_csv_zip, read_xlsx, unneutralise, write_csv_zip, write_xlsx
from app.samples import samples_dir
from models.validation import DocumentError, load_text, validate_data
from tests.conftest import LOCMAP_SCRIPT


def billion_laughs() -> str:
    """Nine levels of nine aliases: a few hundred bytes that expand to 9**9 strings."""
    lines = [
        "format: locmap/1",
        "locality: {id: laughs, name: Laughs, authority: Testshire, boundary: clear}",
        "agencies: []",
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for level, previous in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("people: *i")
    return "\n".join(lines) + "\n"


def problems(text: str, suffix: str = ".yaml") -> list[str]:
    with pytest.raises(DocumentError) as info:
        load_text(text, suffix=suffix)
    return [str(p) for p in info.value.problems]


def yaml_of(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False)


# ---------------------------------------------------------------- YAML aliases, merge keys, tags, nesting


def test_a_yaml_alias_is_refused_with_the_line_of_its_anchor(minimal):
    text = yaml_of(minimal).replace("name: Testville", "name: &n Testville") + "note_copy: *n\n"
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("line 4: ") and "anchors" in found[0] and "never needs them" in found[0]


def test_a_yaml_merge_key_is_refused_with_its_line():
    text = "format: locmap/1\nlocality:\n  <<: {id: merged, name: Merged, authority: Testshire}\n  boundary: clear\n"
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("line 3: ") and "merge key" in found[0]


def test_a_yaml_tag_other_than_the_plain_kinds_is_refused():
    found = problems("format: locmap/1\nlocality: {id: t, name: !!binary aGVsbG8=, authority: x, boundary: clear}\n")
    assert len(found) == 1 and found[0].startswith("line 2: ") and "!!binary" in found[0]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_refused_before_validation(suffix):
    text = '{"format": "locmap/1", "locality": ' + "[" * 200 + "]" * 200 + "}"
    found = problems(text, suffix)
    assert len(found) == 1 and "nested more than" in found[0]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_enormous_string_is_refused_before_validation(suffix):
    text = json.dumps({"format": "locmap/1", "locality": {"note": "x" * 1_000_000}})
    found = problems(text, suffix)
    assert len(found) == 1 and "characters long" in found[0]


def test_a_refused_json_value_is_located_by_its_path():
    long_text = json.dumps({"format": "locmap/1", "groups": [{"id": "a"}, {"purpose": "x" * 50_000}]})
    assert problems(long_text, ".json")[0].startswith("groups[1].purpose: a string 50000 characters long")
    long_key = json.dumps({"format": "locmap/1", "groups": [{"id": "a"}, {"k" * 50_000: 1}]})
    assert problems(long_key, ".json")[0].startswith("groups[1]: a string 50000 characters long")
    deep: list = []
    inner = deep
    for _ in range(40):
        inner.append([])
        inner = inner[0]
    found = problems(json.dumps({"format": "locmap/1", "groups": deep}), ".json")
    assert found == [f"groups{'[0]' * 31}: nested more than 32 levels deep"]


def test_the_line_map_never_walks_a_shared_node_twice():
    from models import yaml_text

    node = yaml.compose("[a, b]")
    shared = yaml.SequenceNode("tag:yaml.org,2002:seq", [node] * 9, node.start_mark, node.end_mark)
    for _ in range(4):  # 9**5 paths if expanded: enough to see, too few to hurt
        shared = yaml.SequenceNode("tag:yaml.org,2002:seq", [shared] * 9, node.start_mark, node.end_mark)
    assert len(yaml_text._line_map(shared)) < 100


HOSTILE_YAML = {
    "alias": "format: locmap/1\nlocality: {id: a, name: &n A}\nnote: *n\n",
    "merge key": "format: locmap/1\nlocality:\n  <<: {id: m}\n",
    "tag": "format: locmap/1\nlocality: !!binary aGVsbG8=\n",
    "nesting": "x: " + "[" * 40 + "]" * 40 + "\n",
    "long string": "x: " + "y" * 50_000 + "\n",
    "syntax": "format: locmap/1\nlocality: [unclosed\n",
    "duplicate key": "format: locmap/1\nformat: locmap/1\n",
    "norway": "country: no\nflag: true\n",
}


def _parsed_both_ways(text: str, monkeypatch) -> list:
    """What libyaml's loader and the pure-Python one make of ``text``: data and lines, or the problems."""
    from models import validation, yaml_text

    out = []
    for fast in (yaml_text._FastStrictLoader, None):
        monkeypatch.setattr(yaml_text, "_FastStrictLoader", fast)
        try:
            parsed = validation.parse_text(text, suffix=".yaml")
            out.append((parsed.data, parsed.lines))
        except DocumentError as exc:
            out.append([(p.line, p.msg.split(":")[0]) for p in exc.problems])
    return out


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", ["thame", "city", *HOSTILE_YAML])
def test_libyaml_and_pure_python_loaders_agree(name, monkeypatch):
    text = (samples_dir() / f"{name}.yaml").read_text() if name in ("thame", "city") else HOSTILE_YAML[name]
    fast, slow = _parsed_both_ways(text, monkeypatch)
    assert fast == slow


# ---------------------------------------------------------------- numbers, ids, duplicate keys


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_number_of_thousands_of_digits_is_a_clear_problem(minimal, suffix):
    minimal["groups"][0]["hours"] = 12345
    text = json.dumps(minimal, indent=1).replace("12345", "9" * 5000)
    found = problems(text, suffix)
    assert len(found) == 1 and "5000 digits" in found[0]
    assert found[0].startswith("line ")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_an_integer_beyond_2_63_is_a_clear_problem(minimal, suffix):
    minimal["groups"][0]["hours"] = 2**64
    found = problems(json.dumps(minimal, indent=1), suffix)
    assert len(found) == 1 and "too large" in found[0] and "18446744073709551616" in found[0]


@pytest.mark.parametrize(
    ("section", "value"), [("agencies", {"a": 1}), ("agencies", ["a"]), ("people", {"a": 1}), ("groups", [1])]
)
def test_an_id_that_is_an_object_or_list_is_a_clear_problem(minimal, section, value):
    minimal[section][0]["id"] = value
    with pytest.raises(DocumentError) as info:
        validate_data(minimal)
    expected = f"{section}[0].id: input should be a valid string"
    assert any(str(p).startswith(expected) for p in info.value.problems), info.value.problems


def test_duplicate_keys_in_json_are_refused(minimal):
    text = json.dumps(minimal)[:-1] + ', "people": []}'
    found = problems(text, ".json")
    assert len(found) == 1 and "duplicate key 'people'" in found[0]


def test_json_nan_and_infinity_are_refused(minimal):
    text = json.dumps(minimal).replace('"hours": 2', '"hours": NaN')
    found = problems(text, ".json")
    assert len(found) == 1 and "NaN" in found[0]


STRICT_CASES = [
    ("groups.0.members.0.attendance", True, "a valid number"),
    ("agencies.1.school", 0.0, "a valid boolean"),
    ("agencies.1.school", 1, "a valid boolean"),
    ("groups.0.external", "yes", "a valid boolean"),
    ("groups.0.hours", "2", "a valid number"),
    ("people.0.hours_per_week", False, "a valid number"),
    ("groups.1.school", 0.0, "a valid string"),
    ("groups.0.name", b"bytes", "a valid string"),
]


def _set(data: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value


@pytest.mark.parametrize(("path", "value", "expected"), STRICT_CASES, ids=[f"{p}={v!r}" for p, v, _ in STRICT_CASES])
def test_booleans_numbers_and_strings_are_not_coerced(minimal, path, value, expected):
    _set(minimal, path, value)
    with pytest.raises(DocumentError) as info:
        validate_data(minimal)
    found = [str(p) for p in info.value.problems]
    loc = path.split(".")
    where = f"{loc[0]}[{loc[1]}]" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[2:])
    assert any(line.startswith(f"{where}: ") and expected in line for line in found), found


def test_whole_numbers_still_fill_number_fields(minimal):
    minimal["groups"][0]["members"][0]["attendance"] = 1
    minimal["people"][0]["hours_per_week"] = 37
    document = validate_data(minimal)
    assert document.groups[0].members[0].attendance == 1.0


# ---------------------------------------------------------------- charts


MATH = r"$\frac{a}$"


def _hostile_names(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["locality"]["name"] = f"Town {MATH}"
    for entry in data["people"] + data["groups"]:
        entry["name"] = f"{entry['name']} {MATH}"
    return data


def test_names_holding_mathtext_draw_in_every_chart(minimal):
    document = validate_data(_hostile_names(minimal))
    other = copy.deepcopy(document)
    other.locality.id = "other"
    results = [audit(document, DEFAULT_SETTINGS), audit(other, DEFAULT_SETTINGS)]
    names = {"testville": document.locality.name, "other": f"{MATH} $x$ $$"}
    figures = [
        profile_bars(results[0], document.locality.name),
        findings_chart(results[0], document.locality.name),
        meeting_load_chart(results[0], [(p.name, 10.0) for p in document.people], document.locality.name),
        comparison_figure(results, names),
    ]
    for figure in figures:
        assert png_bytes(figure).startswith(b"\x89PNG")


# ---------------------------------------------------------------- reports


LINKS = [
    "[x](javascript:alert(1))",
    "![](http://evil.example/t.png)",
    "<http://evil.example>",
    "[y][1]\n\n[1]: javascript:x",
]


def _linking(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["locality"]["name"] = LINKS[0]
    data["locality"]["sources"] = LINKS
    data["people"][0]["name"] = LINKS[1]
    data["groups"][0]["name"] = "Steering " + LINKS[0]
    data["groups"][1]["name"] = LINKS[1]
    return data


def test_the_markdown_report_lets_no_user_text_form_a_link_or_image(minimal):
    from markdown_it import MarkdownIt

    document = validate_data(_linking(minimal))
    text = markdown_report([(document, audit(document, DEFAULT_SETTINGS))], chart_file="chart (1).png")
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert 'href="javascript' not in rendered and "<a " not in rendered
    assert rendered.count("<img ") == 1 and 'src="chart%20%281%29.png"' in rendered
    assert "[x](javascript:alert(1))" in rendered.replace("\\", "")  # shown as text


def test_the_markdown_report_links_no_chart_outside_http_or_relative(minimal):
    document = validate_data(minimal)
    text = markdown_report([(document, audit(document, DEFAULT_SETTINGS))], chart_file="javascript:alert(1)")
    assert "javascript:" not in text


def test_the_html_report_lets_no_user_text_form_a_link_or_image(minimal):
    document = validate_data(_linking(minimal))
    page = html_report([(document, audit(document, DEFAULT_SETTINGS))])
    assert "<a " not in page and '<img src="http' not in page and "&lt;http://evil.example&gt;" in page
    assert all(src.startswith("data:image/png;base64,") for src in page.split('src="')[1:])


# ---------------------------------------------------------------- spreadsheet formulas


FORMULAS = [" =1+2", "\n=cmd|' /C calc'!A0", "\r\n+1", " \t@SUM(A1)", "  -2", "\t=1", "\r=1", "'' =1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_after_leading_whitespace_are_neutralised_and_undone(text):
    assert neutralise(text).startswith("'") and unneutralise(neutralise(text)) == text


def test_plain_text_is_left_alone():
    for text in ("Steering group", " a=b", "'quoted", "1-2"):
        assert neutralise(text) == text and unneutralise(text) == text


def _with_formula_notes(minimal) -> dict:
    minimal["groups"][0]["note"] = ' =HYPERLINK("http://evil")'
    minimal["groups"][1]["purpose"] = "\n=cmd|' /C calc'!A0"
    minimal["agencies"][0]["note"] = "\n\t+1"
    return minimal


def test_the_csv_zip_neutralises_formulas_after_whitespace_and_reads_back(minimal):
    document = validate_data(_with_formula_notes(minimal))
    content = write_csv_zip(document)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        groups = list(csv.DictReader(io.StringIO(archive.read("groups.csv").decode("utf-8-sig"))))
    assert groups[0]["note"] == '\' =HYPERLINK("http://evil")'
    assert groups[1]["purpose"].startswith("'\n=")
    assert read_csv_zip(content).groups[0].note == document.groups[0].note


def test_the_xlsx_neutralises_formulas_after_whitespace(minimal):
    from openpyxl import load_workbook

    document = validate_data(_with_formula_notes(minimal))
    content = write_xlsx(document)
    sheet = load_workbook(io.BytesIO(content))["groups"]
    values = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert '\' =HYPERLINK("http://evil")' in values
    assert not any(v.lstrip().startswith(("=", "+", "@")) for v in values)
    assert read_xlsx(content).groups[1].purpose == document.groups[1].purpose


# ---------------------------------------------------------------- the command line


def _hostile_files(minimal) -> dict[str, tuple[str, str]]:
    """name -> (file text, words its one problem line holds)."""
    big = json.dumps(minimal, indent=1).replace('"hours": 2', '"hours": ' + "9" * 5000)
    object_id = copy.deepcopy(minimal)
    object_id["agencies"].append({"id": {"a": 1}, "name": "Unused school", "sector": "education", "school": True})
    attendance = copy.deepcopy(minimal)
    attendance["groups"][0]["members"][0]["attendance"] = True
    school = copy.deepcopy(minimal)
    school["agencies"][1]["school"] = 0.0
    return {
        "alias.yaml": ("format: &f locmap/1\nlocality: *f\n", "aliases"),
        "merge.yaml": ("format: locmap/1\nlocality:\n  <<: {id: m}\n", "merge key"),
        "digits.json": (big, "5000 digits"),
        "digits.yaml": (big, "5000 digits"),
        "huge.yaml": (json.dumps(minimal).replace('"hours": 2', f'"hours": {2**64}'), "too large"),
        "object-id.json": (json.dumps(object_id), "agencies[2].id: input should be a valid string"),
        "duplicate.json": (json.dumps(minimal)[:-1] + ', "people": []}', "duplicate key 'people'"),
        "attendance.json": (json.dumps(attendance), "attendance"),
        "school.yaml": (yaml_of(school), "agencies[1].school"),
    }


@pytest.mark.parametrize("command", ["validate", "import", "audit"])
def test_the_cli_refuses_each_hostile_file_in_one_line(tmp_path, capsys, minimal, command):
    for name, (text, words) in _hostile_files(minimal).items():
        path = tmp_path / name
        path.write_text(text)
        args = [command, str(path)] + (["--db", f"sqlite:///{tmp_path / 'x.db'}"] if command == "import" else [])
        code = main(args)
        captured = capsys.readouterr()
        lines = [line for line in captured.err.splitlines() if line.startswith(str(path))]
        assert code != 0, name
        assert len(lines) == 1 and words in lines[0], (name, captured.err)
        assert "Traceback" not in captured.err + captured.out and "internal error" not in captured.err


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


@pytest.mark.parametrize("command", ["validate", "import", "audit"])
def test_the_billion_laughs_is_refused_by_the_cli_in_bounded_memory(tmp_path, command):
    # Never parsed in the test process: on a regression it would take gigabytes.
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    assert len(path.read_bytes()) < 700
    executable = [str(LOCMAP_SCRIPT)] if LOCMAP_SCRIPT.exists() else [sys.executable, "-m", "app.cli"]
    args = [command, str(path)] + (["--db", f"sqlite:///{tmp_path / 'x.db'}"] if command == "import" else [])
    done = subprocess.run([*executable, *args], capture_output=True, text=True, check=False, preexec_fn=_limit_memory)
    assert done.returncode not in (0, 70) and done.returncode > 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith(f"{path}: ")]
    assert len(lines) == 1 and lines[0].startswith(f"{path}: line 4: ") and "aliases" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
