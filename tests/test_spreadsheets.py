"""Locality documents as XLSX workbooks and zips of CSV files (app.formats.spreadsheets)."""

from __future__ import annotations

import copy
import csv
import datetime
import inspect
import io
import random
import zipfile

import openpyxl
import pytest

from app.formats import spreadsheets as S
from app.formats.spreadsheets import SheetProblem, WorkbookError, limits, xlsx_adapter
from models.validation import canonical, load_path, validate_data
from tests.conftest import MINIMAL, SAMPLE_PATHS, SAMPLES_DIR

SAMPLES = {p.stem: load_path(p) for p in SAMPLE_PATHS}
FORMATS = {
    "xlsx": (S.write_xlsx, S.read_xlsx),
    "csv": (S.write_csv_zip, S.read_csv_zip),
}

# ------------------------------------------------------------ helpers


def make_xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook holding exactly these rows (header first), written by openpyxl."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        ws = workbook.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_csv_zip(sheets: dict[str, list[list]], *, bom: bool = False, delimiter: str = ",") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in sheets.items():
            out = io.StringIO()
            writer = csv.writer(out, delimiter=delimiter)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
            archive.writestr(f"{name}.csv", ("\ufeff" if bom else "") + out.getvalue())
    return buffer.getvalue()


MAKERS = {"xlsx": (make_xlsx, S.read_xlsx), "csv": (make_csv_zip, S.read_csv_zip)}


def base_sheets() -> dict[str, list[list]]:
    """A small valid locality, written as sheet rows (row numbers in comments)."""
    return copy.deepcopy(
        {
            "locality": [
                ["field", "value"],
                ["format", "locmap/1"],  # 2
                ["id", "testville"],  # 3
                ["name", "Testville"],  # 4
                ["authority", "Testshire"],  # 5
                ["boundary", "clear"],  # 6
                ["sources", "Minutes"],  # 7
                ["sources", "Interviews"],  # 8
            ],
            "agencies": [
                ["id", "name", "sector", "school"],
                ["school-a", "School A", "education", "TRUE"],  # 2
                ["shc", "Social and Health Care", "social_care", None],  # 3
            ],
            "people": [
                ["id", "name", "role", "agency", "systems_minder", "hours_per_week"],
                ["head-a", "Head teacher, School A", "head_teacher", "school-a", None, None],  # 2
                ["sw", "Social worker", "social_worker", "shc", "yes", "37"],  # 3
                ["senco-a", "SENCO, School A", "senco", "school-a", None, None],  # 4
            ],
            "groups": [
                ["id", "name", "type", "meets", "hours", "school", "area"],
                ["steering", "Steering group", "steering_group", "half_termly", "2", None, None],  # 2
                ["panel", "Panel", "panel", None, None, "school-a", None],  # 3
                ["network", "Network", "network", "termly", "1.5", None, "testville; elsewhere"],  # 4
                ["forum", "Forum", "forum", None, None, None, None],  # 5
            ],
            "members": [
                ["group", "person", "role", "attendance"],
                ["steering", "head-a", "chair", None],  # 2
                ["steering", "sw", None, None],  # 3
                ["panel", "sw", None, "0.5"],  # 4
                ["network", "senco-a", "coordinator", None],  # 5
                ["network", "sw", None, None],  # 6
                ["forum", "senco-a", None, None],  # 7
            ],
            "links": [
                ["from", "to", "kind"],
                ["panel", "steering", "reports_to"],  # 2
            ],
        }
    )


def problems(maker: str, sheets: dict[str, list[list]]) -> list[dict]:
    make, read = MAKERS[maker]
    with pytest.raises(WorkbookError) as info:
        read(make(sheets))
    return [p.as_dict() for p in info.value.problems]


def only_problem(read, data: bytes) -> SheetProblem:
    with pytest.raises(WorkbookError) as info:
        read(data)
    assert info.value.problems, "a WorkbookError lists its problems"
    return info.value.problems[0]


# ------------------------------------------------------------ round trips


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("slug", SAMPLES)
def test_samples_round_trip(slug, fmt):
    write, read = FORMATS[fmt]
    document = SAMPLES[slug]
    back = read(write(document))
    assert canonical(back) == canonical(document)
    # Entry order and member order are kept, so the written file is the same too.
    assert back.to_data() == document.to_data()
    for section in ("agencies", "people", "groups", "links"):
        assert [e.id for e in getattr(back, section)] == [e.id for e in getattr(document, section)]
    for mine, theirs in zip(back.groups, document.groups):
        assert [m.person for m in mine.members] == [m.person for m in theirs.members]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_every_field(fmt):
    data = copy.deepcopy(MINIMAL)
    data["locality"].update(
        devolved_funding="small", description="Line one\nline two", note="A note", sources=["a", "b", "c"]
    )
    data["agencies"][1]["note"] = "- a dash-led note"
    data["people"][0].update(local=False, service_user_rep=True, hours_per_week=18.5, note="+ plus")
    data["groups"][0].update(
        focus="both",
        membership="open",
        meetings_per_year=7,
        external=True,
        area=["b-area", "a-area"],
        purpose="@mention",
        venue="Hall",
        note="#N/A",
    )
    data["groups"][0]["members"][1].update(role="secretary", attendance=0.25, note="=1+1")
    data["links"][0].update(id="custom-link", note="\tindented")
    document = validate_data(data)
    write, read = FORMATS[fmt]
    back = read(write(document))
    assert back.to_data() == document.to_data()
    assert back.groups[0].area == ["b-area", "a-area"]


def test_csv_zip_layout():
    archive = zipfile.ZipFile(io.BytesIO(S.write_csv_zip(SAMPLES["thame"])))
    names = archive.namelist()
    assert [n for n in names if n.endswith(".csv")] == [f"{s}.csv" for s in S.SHEETS]
    people = archive.read("people.csv").decode("utf-8-sig")
    assert people.splitlines()[0] == ",".join(S.COLUMNS["people"])
    locality = list(csv.reader(io.StringIO(archive.read("locality.csv").decode("utf-8-sig"))))
    assert locality[0] == ["field", "value"]
    assert ["format", "locmap/1"] in locality
    assert sum(1 for row in locality if row[0] == "sources") == len(SAMPLES["thame"].locality.sources)


def test_xlsx_layout_is_pleasant():
    workbook = openpyxl.load_workbook(io.BytesIO(S.write_xlsx(SAMPLES["city"])))
    assert workbook.sheetnames == [*S.SHEETS, "README"]
    people = workbook["people"]
    assert [c.value for c in people[1]] == list(S.COLUMNS["people"])
    assert people["A1"].font.bold and people.freeze_panes == "A2"
    assert people.column_dimensions["B"].width > 20
    # Numbers are numbers and booleans are booleans, not text.
    row = next(r for r in people.iter_rows(min_row=2, values_only=True) if r[7] is not None)
    assert isinstance(row[7], (int, float))
    assert any(isinstance(v, bool) for r in people.iter_rows(min_row=2, values_only=True) for v in r)
    # Vocabulary dropdowns.
    lists = {
        (name, str(dv.sqref).split(":")[0][0]): dv.formula1
        for name in S.SHEETS
        for dv in workbook[name].data_validations.dataValidation
    }
    assert "social_care" in lists[("agencies", "C")]
    assert "school_consultation_team" in lists[("groups", "C")]
    assert "half_termly" in lists[("groups", "F")]
    assert "key_worker" in lists[("members", "C")]
    assert "refers_cases_to" in lists[("links", "D")]
    boundary = [dv.formula1 for dv in workbook["locality"].data_validations.dataValidation if "unclear" in dv.formula1]
    assert boundary and [
        dv for dv in workbook["locality"].data_validations.dataValidation if "substantial" in dv.formula1
    ]


# ------------------------------------------------------------ located problems


@pytest.mark.parametrize("maker", MAKERS)
def test_valid_base_sheets_read(maker):
    make, read = MAKERS[maker]
    document = read(make(base_sheets()))
    assert document.people[1].systems_minder is True and document.people[1].hours_per_week == 37
    assert document.agencies[0].school is True and document.agencies[1].school is False
    assert document.groups[2].area == ["testville", "elsewhere"] and document.groups[2].hours == 1.5
    assert [m.person for m in document.groups[0].members] == ["head-a", "sw"]
    assert document.groups[1].members[0].attendance == 0.5
    assert document.locality.sources == ["Minutes", "Interviews"]


@pytest.mark.parametrize("maker", MAKERS)
def test_problems_on_three_rows_are_all_reported(maker):
    sheets = base_sheets()
    sheets["people"][2][3] = "nowhere"  # people row 3
    sheets["groups"][4][2] = "committee"  # groups row 5
    sheets["members"][6][1] = "p99"  # members row 7
    assert problems(maker, sheets) == [
        {"sheet": "people", "row": 3, "column": "agency", "message": "unknown agency 'nowhere'"},
        {
            "sheet": "groups",
            "row": 5,
            "column": "type",
            "message": "'committee' is not one of 'steering_group', 'network', 'forum', 'core_group', "
            "'working_group', 'panel', 'school_consultation_team', 'multi_agency_support_team', "
            "'partnership', 'hub', 'strategic_centre' or 'other'",
        },
        {"sheet": "members", "row": 7, "column": "person", "message": "unknown person 'p99'"},
    ]


def test_sheet_problem_text():
    problem = SheetProblem("people", 5, "agency", "unknown agency 'x'")
    assert str(problem) == "people row 5, column agency: unknown agency 'x'"
    assert problem.as_dict() == {"sheet": "people", "row": 5, "column": "agency", "message": "unknown agency 'x'"}
    assert str(SheetProblem("links", None, None, "missing sheet")) == "links: missing sheet"
    assert str(SheetProblem("", None, None, "not a zip")) == "not a zip"
    error = WorkbookError([problem])
    assert error.lines() == [str(problem)] and "unknown agency" in str(error)


@pytest.mark.parametrize("maker", MAKERS)
def test_conversion_and_validation_problems_together(maker):
    sheets = base_sheets()
    sheets["people"][1][4] = "maybe"  # people row 2 systems_minder
    sheets["people"][3][5] = "lots"  # people row 4 hours_per_week
    sheets["groups"][1][4] = "30"  # groups row 2 hours: out of range (validation)
    sheets["members"].append(["nonexistent", "sw", None, None])  # members row 8
    sheets["members"][3][3] = "2"  # members row 4 attendance > 1
    sheets["locality"][5][1] = "fuzzy"  # locality row 6 boundary
    found = problems(maker, sheets)
    where = [(p["sheet"], p["row"], p["column"]) for p in found]
    assert where == [
        ("locality", 6, "value"),
        ("people", 2, "systems_minder"),
        ("people", 4, "hours_per_week"),
        ("groups", 2, "hours"),
        ("members", 4, "attendance"),
        ("members", 8, "group"),
    ]
    messages = [p["message"] for p in found]
    assert messages[1] == "expected TRUE or FALSE (or yes/no, 1/0), got 'maybe'"
    assert messages[2] == "expected a number, got 'lots'"
    assert messages[5] == "unknown group 'nonexistent'"
    assert "fuzzy" in messages[0] and "24" in messages[3]


@pytest.mark.parametrize("maker", MAKERS)
def test_duplicates_and_missing_required_cells_are_located(maker):
    sheets = base_sheets()
    sheets["people"].append(["sw", "Another social worker", None, None, None, None])  # people row 5
    sheets["members"].append(["steering", "head-a", None, None])  # members row 8: head-a twice
    sheets["agencies"][2][1] = None  # agencies row 3: name blank
    sheets["links"].append(["panel", "panel", "consults"])  # links row 3
    sheets["locality"][3] = ["name", "   "]  # locality row 4: name blank
    found = problems(maker, sheets)
    assert {(p["sheet"], p["row"], p["column"]): p["message"] for p in found} == {
        ("locality", 4, "value"): "required field is missing",
        ("agencies", 3, "name"): "required field is missing",
        ("people", 5, "id"): "duplicate id 'sw' (first used at people[1])",
        ("members", 8, "person"): "person 'head-a' is already a member (members[0])",
        ("links", 3, "to"): "a link cannot go from group 'panel' to itself",
    }


@pytest.mark.parametrize("maker", MAKERS)
def test_locality_sheet_problems(maker):
    sheets = base_sheets()
    sheets["locality"] = [
        ["field", "value"],
        ["id", "testville"],  # 2
        ["boundry", "clear"],  # 3
        ["id", "again"],  # 4
        [None, "orphan value"],  # 5
    ]
    found = problems(maker, sheets)
    missing, found = found[:3], found[3:]
    assert {p["message"] for p in missing} == {
        "field 'name': required field is missing",
        "field 'authority': required field is missing",
        "field 'boundary': required field is missing",
    }
    assert all(p["sheet"] == "locality" and p["row"] is None for p in missing)
    assert found == [
        {
            "sheet": "locality",
            "row": 3,
            "column": "field",
            "message": "unknown field 'boundry': the fields are " + ", ".join(S.LOCALITY_FIELDS),
        },
        {"sheet": "locality", "row": 4, "column": "field", "message": "field 'id' appears twice (first in row 2)"},
        {
            "sheet": "locality",
            "row": 5,
            "column": "field",
            "message": "value without a field name: name the field in column 'field'",
        },
    ]


@pytest.mark.parametrize("maker", MAKERS)
def test_friendly_cells(maker):
    """Whitespace, empty rows, header case and order, yes/no and 1/0, blank = default."""
    make, read = MAKERS[maker]
    sheets = base_sheets()
    sheets["people"] = [
        ["  Name ", "ID", "Local", "Service user rep", "hours per week", "agency"],
        ["  Head teacher  ", " head-a ", "no", "1", " 37.5 ", "school-a"],  # 2
        [None, None, None, None, None, None],  # 3: empty, ignored
        ["Social worker", "sw", "FALSE", "0", None, "shc"],  # 4
        ["SENCO", "senco-a", "", "", "", ""],  # 5
    ]
    document = read(make(sheets))
    head, sw, senco = document.people
    assert (head.id, head.name, head.local, head.service_user_rep, head.hours_per_week) == (
        "head-a",
        "Head teacher",
        False,
        True,
        37.5,
    )
    assert (sw.local, sw.service_user_rep, sw.hours_per_week) == (False, False, None)
    assert (senco.local, senco.agency) == (True, None)
    # Row numbers still count the empty row.
    sheets["people"][4][4] = "lots"
    found = problems(maker, sheets)
    assert [(p["row"], p["column"]) for p in found] == [(5, "hours_per_week")]
    sheets["people"][4][4] = None
    sheets["members"][3] = [None, None, None, None]  # an empty member row is ignored
    assert [m.person for m in read(make(sheets)).groups[1].members] == []


def test_xlsx_native_cells():
    sheets = base_sheets()
    sheets["people"][1][4] = True  # boolean cell
    sheets["people"][1][5] = 18.5  # numeric cell
    sheets["agencies"][1][3] = 1  # 1 for TRUE
    sheets["groups"][1][4] = 2  # numeric hours
    sheets["people"][2][2] = 2024  # a number in a text column becomes text
    document = S.read_xlsx(make_xlsx(sheets))
    assert document.people[0].systems_minder is True and document.people[0].hours_per_week == 18.5
    assert document.agencies[0].school is True and document.groups[0].hours == 2
    assert document.people[1].role == "2024"
    sheets["people"][3][5] = True  # TRUE is not a number
    assert problems("xlsx", sheets) == [
        {"sheet": "people", "row": 4, "column": "hours_per_week", "message": "expected a number, got TRUE"}
    ]


def test_csv_zip_variants():
    # A byte-order mark, a ';' delimiter, files in a folder and macOS litter are all fine.
    document = S.read_csv_zip(make_csv_zip(base_sheets(), bom=True, delimiter=";"))
    assert document.locality.id == "testville"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in zipfile.ZipFile(io.BytesIO(make_csv_zip(base_sheets()))).namelist():
            data = zipfile.ZipFile(io.BytesIO(make_csv_zip(base_sheets()))).read(name)
            archive.writestr(f"export/{name}", data)
            archive.writestr(f"__MACOSX/export/._{name}", b"\x00\x05\x16\x07junk")
    assert S.read_csv_zip(buffer.getvalue()).locality.id == "testville"


# ------------------------------------------------------------ formula injection


DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def injected_document():
    data = copy.deepcopy(MINIMAL)
    for i, name in enumerate(DANGEROUS):
        data["people"].append({"id": f"p{i}", "name": name})
    data["people"][0]["note"] = "'=already quoted"
    return validate_data(data)


def test_neutralise():
    assert [S.neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert S.neutralise("\tx") == "'\tx" and S.neutralise("\rx") == "'\rx"
    for safe in ("plain", "", "'", "'quoted", "a=b", "#N/A"):
        assert S.neutralise(safe) == safe
    assert S.neutralise("'=x") == "''=x"
    for value in DANGEROUS + ["'=x", "''+y", "'plain", "'", "x"]:
        assert S.unneutralise(S.neutralise(value)) == value


def test_formula_injection_xlsx():
    document = injected_document()
    data = S.write_xlsx(document)
    people = openpyxl.load_workbook(io.BytesIO(data))["people"]
    cells = {row[0].value: row[1] for row in people.iter_rows(min_row=2)}
    for i, name in enumerate(DANGEROUS):
        assert cells[f"p{i}"].value == "'" + name
        assert cells[f"p{i}"].data_type == "s"
    assert S.read_xlsx(data).to_data() == document.to_data()


def test_formula_injection_csv():
    document = injected_document()
    data = S.write_csv_zip(document)
    text = zipfile.ZipFile(io.BytesIO(data)).read("people.csv").decode("utf-8-sig")
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(text))}
    for i, name in enumerate(DANGEROUS):
        assert rows[f"p{i}"] == "'" + name
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text
    assert S.read_csv_zip(data).to_data() == document.to_data()


# ------------------------------------------------------------ bad input


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GARBAGE = {
    "empty": b"",
    "random": random.Random(1).randbytes(4096),
    "text": b"format: locmap/1\n",
    "zip-without-csvs": _zip({"notes.txt": b"hello"}),
}


@pytest.mark.parametrize("read", [S.read_xlsx, S.read_csv_zip], ids=["xlsx", "csv"])
@pytest.mark.parametrize("name", GARBAGE)
def test_garbage_is_refused(read, name):
    problem = only_problem(read, GARBAGE[name])
    assert problem.message and problem.row is None


def test_garbage_messages():
    assert only_problem(S.read_xlsx, b"").message == "the file is empty: expected an XLSX workbook"
    assert "not a zip archive" in only_problem(S.read_xlsx, GARBAGE["random"]).message
    assert "none of the files locality.csv" in only_problem(S.read_csv_zip, GARBAGE["zip-without-csvs"]).message
    xlsx = S.write_xlsx(SAMPLES["thame"])
    assert "upload it as .xlsx" in only_problem(S.read_csv_zip, xlsx).message
    assert "no such file" in only_problem(S.read_workbook, SAMPLES_DIR / "nope.xlsx").message
    assert "unsupported file type" in only_problem(lambda d: S.read_workbook(d, ".ods"), xlsx).message


def test_zip_bomb_is_refused():
    bomb = _zip({"people.csv": b"id,name\n" + b"0" * (limits.MAX_UNCOMPRESSED_BYTES + 1)})
    assert len(bomb) < 1_000_000
    for read in (S.read_csv_zip, S.read_xlsx):
        assert "unpacks to more than 50 MB" in only_problem(read, bomb).message


def test_too_many_zip_entries(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_ENTRIES", 5)
    data = make_csv_zip(base_sheets())
    assert "at most 5 are allowed" in only_problem(S.read_csv_zip, data).message


@pytest.mark.parametrize("maker", MAKERS)
def test_huge_sheet_is_refused(maker, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    sheets = base_sheets()
    found = problems(maker, sheets)
    assert {
        "sheet": "members",
        "row": 5,
        "column": None,
        "message": "too many rows: a sheet may hold at most 3 rows",
    } in found


@pytest.mark.parametrize("maker", MAKERS)
def test_missing_sheet(maker):
    sheets = base_sheets()
    del sheets["links"]
    assert problems(maker, sheets) == [
        {
            "sheet": "links",
            "row": None,
            "column": None,
            "message": "missing sheet 'links': a locality workbook has the sheets "
            "locality, agencies, people, groups, members, links",
        }
    ]
    sheets = base_sheets()
    del sheets["locality"]
    assert [p["sheet"] for p in problems(maker, sheets)] == ["locality"]


@pytest.mark.parametrize("maker", MAKERS)
def test_unknown_and_missing_columns(maker):
    sheets = base_sheets()
    sheets["agencies"][0].append("colour")  # unknown column
    sheets["agencies"][1].append("blue")
    sheets["groups"][0][2] = "kind"  # unknown, and so 'type' is missing
    found = problems(maker, sheets)
    assert found == [
        {
            "sheet": "agencies",
            "row": 1,
            "column": "colour",
            "message": "unknown column 'colour': the agencies sheet has the columns id, name, sector, school, note",
        },
        {"sheet": "groups", "row": 1, "column": "type", "message": "missing required column 'type'"},
        {
            "sheet": "groups",
            "row": 1,
            "column": "kind",
            "message": "unknown column 'kind': the groups sheet has the columns " + ", ".join(S.COLUMNS["groups"]),
        },
    ]


@pytest.mark.parametrize("maker", MAKERS)
def test_repeated_column_and_value_without_heading(maker):
    sheets = base_sheets()
    sheets["links"] = [["from", "to", "kind", "from"], ["panel", "steering", "reports_to", "x"]]
    sheets["agencies"][2].append("stray")  # agencies row 3, column E has no heading
    found = problems(maker, sheets)
    assert found == [
        {"sheet": "agencies", "row": 3, "column": "E", "message": "value in column E, which has no heading in row 1"},
        {"sheet": "links", "row": 1, "column": "from", "message": "column 'from' appears twice (columns A and D)"},
    ]


def test_date_cell():
    sheets = base_sheets()
    sheets["people"][2][2] = datetime.date(2024, 3, 1)  # people row 3, role typed as a date
    sheets["people"][3][5] = datetime.datetime(2024, 3, 1, 9, 30)  # people row 4, hours
    assert problems("xlsx", sheets) == [
        {
            "sheet": "people",
            "row": 3,
            "column": "role",
            "message": "expected text, got a date or time (2024-03-01): format the cell as Text and retype it",
        },
        {
            "sheet": "people",
            "row": 4,
            "column": "hours_per_week",
            "message": "expected a number, got a date or time (2024-03-01T09:30:00): format the cell as Text and retype it",
        },
    ]


def _patch_xlsx(data: bytes, sheet_xml: str, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == sheet_xml:
                assert old in content, content[:2000]
                content = content.replace(old, new)
            archive.writestr(info.filename, content)
    return buffer.getvalue()


def _sheet_part(data: bytes, title: str) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return workbook[title]._worksheet_path
    finally:
        workbook.close()


def test_formula_cells():
    sheets = base_sheets()
    sheets["groups"][1][4] = "=1+1"  # groups row 2, hours: a formula
    data = make_xlsx(sheets)
    part = _sheet_part(data, "groups")
    # openpyxl writes no cached value: the formula cannot be read.
    assert problems_of_bytes(data) == [
        {
            "sheet": "groups",
            "row": 2,
            "column": "hours",
            "message": "formula without a calculated value: type the value itself, or open and save the workbook "
            "in a spreadsheet program so it stores the result",
        }
    ]
    # A spreadsheet program stores the result: that value is read.
    cached = _patch_xlsx(data, part, b'<c r="E2"><f>1+1</f><v /></c>', b'<c r="E2"><f>1+1</f><v>2</v></c>')
    assert S.read_xlsx(cached).groups[0].hours == 2
    # An error result is reported.
    error = _patch_xlsx(data, part, b'<c r="E2"><f>1+1</f><v /></c>', b'<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    assert problems_of_bytes(error)[0]["message"] == "cell holds the spreadsheet error #DIV/0!; expected a number"


def test_openpyxl_internals_of_the_xlsx_adapter():
    """Fails when openpyxl changes an internal that xlsx_adapter relies on (see its docstring)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.worksheet import _reader

    changed = f"openpyxl {openpyxl.__version__} changed an internal that app/formats/spreadsheets/xlsx_adapter.py uses"
    assert hasattr(_reader, "WorkSheetParser"), f"{changed}: openpyxl.worksheet._reader.WorkSheetParser"
    parameters = set(inspect.signature(_reader.WorkSheetParser).parameters)
    wanted = {"src", "shared_strings", "data_only", "epoch", "date_formats", "timedelta_formats"}
    assert wanted <= parameters, f"{changed}: WorkSheetParser({', '.join(sorted(parameters))})"
    for method in ("parse", "parse_cell"):
        assert callable(getattr(_reader.WorkSheetParser, method, None)), f"{changed}: WorkSheetParser.{method}"

    source = openpyxl.Workbook()
    ws = source.active
    ws.title = "groups"
    ws.append(["text", 2.5, "=1+1", datetime.date(2005, 1, 1), "#N/A"])
    ws.merge_cells("A3:B3")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1))
    source.create_chartsheet("chart").add_chart(chart)
    buffer = io.BytesIO()
    source.save(buffer)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True, data_only=True)
    try:
        for name in ("_archive", "shared_strings", "epoch", "_date_formats", "_timedelta_formats"):
            assert hasattr(workbook, name), f"{changed}: read-only workbook.{name}"
        assert xlsx_adapter.is_worksheet(workbook["groups"]), f"{changed}: read-only worksheet._worksheet_path"
        assert not xlsx_adapter.is_worksheet(workbook["chart"])
        parsed = xlsx_adapter.ParsedSheet(workbook, workbook["groups"])
        try:
            rows = list(parsed.rows())
        except Exception as exc:  # noqa: BLE001 - any failure here means openpyxl changed
            pytest.fail(f"{changed}: parsing a sheet raised {exc!r}")
    finally:
        workbook.close()
    cells = [(c.column, c.value, c.data_type, c.formula) for c in rows[0][1]]
    assert rows[0][0] == 1 and cells == [
        (1, "text", "s", False),
        (2, 2.5, "n", False),
        (3, None, "n", True),  # no cached value: openpyxl writes none
        (4, datetime.datetime(2005, 1, 1), "d", False),
        (5, "#N/A", "e", False),
    ], f"{changed}: the cells WorkSheetParser hands back"
    assert parsed.merged_ranges == ["A3:B3"], f"{changed}: WorkSheetParser.merged_cells"


def problems_of_bytes(data: bytes) -> list[dict]:
    with pytest.raises(WorkbookError) as info:
        S.read_xlsx(data)
    return [p.as_dict() for p in info.value.problems]


def test_merged_cells():
    data = make_xlsx(base_sheets())
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook["members"].merge_cells("A2:A3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert problems_of_bytes(buffer.getvalue()) == [
        {
            "sheet": "members",
            "row": 2,
            "column": "A",
            "message": "merged cells A2:A3: unmerge them and fill in every cell",
        },
        {
            "sheet": "members",
            "row": 3,
            "column": "group",
            "message": "required field is missing: the id of a group on the groups sheet",
        },
    ]


def test_csv_not_utf8():
    sheets = base_sheets()
    data = make_csv_zip(sheets)
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {n: source.read(n) for n in source.namelist()}
    entries["people.csv"] = entries["people.csv"].replace(b"Social worker", "Social wörker".encode("cp1252"))
    problem = only_problem(S.read_csv_zip, _zip(entries))
    assert problem.sheet == "people" and "save the file as 'CSV UTF-8'" in problem.message


def test_corrupted_files_never_raise_anything_else():
    rng = random.Random(7)
    for write, read in FORMATS.values():
        good = write(SAMPLES["kidlington"])
        for _ in range(25):
            data = bytearray(good)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            cut = bytes(data[: rng.randrange(len(data))]) if rng.random() < 0.3 else bytes(data)
            try:
                read(cut)
            except WorkbookError as exc:
                assert exc.problems and all(isinstance(p, SheetProblem) for p in exc.problems)


def test_problem_count_is_capped(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PROBLEMS", 3)
    sheets = base_sheets()
    for row in sheets["people"][1:]:
        row[4] = "maybe"
    for row in sheets["groups"][1:]:
        row[2] = "committee"
    found = problems("csv", sheets)
    assert len(found) == 4 and found[-1]["message"].startswith("... and 4 more")


# ------------------------------------------------------------ read_workbook and the template


def test_read_workbook_dispatch(tmp_path):
    document = SAMPLES["abingdon"]
    xlsx, archive = tmp_path / "a.xlsx", tmp_path / "a.zip"
    xlsx.write_bytes(S.write_xlsx(document))
    archive.write_bytes(S.write_csv_zip(document))
    for path in (xlsx, archive, str(xlsx)):
        assert canonical(S.read_workbook(path)) == canonical(document)
    assert canonical(S.read_workbook(xlsx.read_bytes(), ".xlsx")) == canonical(document)
    assert canonical(S.read_workbook(archive.read_bytes(), "zip")) == canonical(document)
    assert "directory" in only_problem(S.read_workbook, tmp_path).message


@pytest.mark.parametrize("maker", MAKERS)
def test_more_locations(maker):
    sheets = base_sheets()
    sheets["locality"][1][1] = "locmap/2"  # locality row 2: another version is refused with that reason
    assert problems(maker, sheets) == [
        {
            "sheet": "locality",
            "row": 2,
            "column": "value",
            "message": "'locmap/2' is not a supported format version; expected 'locmap/1'",
        }
    ]
    sheets = base_sheets()
    sheets["groups"][3][6] = "testville; Not An Id"  # groups row 4, area
    sheets["links"][0].append("id")
    sheets["links"][1].append("Bad Link")  # links row 2, id
    sheets["locality"][7][1] = "bad\u202etext"  # locality row 8: the second source
    found = problems(maker, sheets)
    assert [(p["sheet"], p["row"], p["column"]) for p in found] == [
        ("locality", 8, "value"),
        ("groups", 4, "area"),
        ("links", 2, "id"),
    ]
    assert "U+202E" in found[0]["message"] and "'Not An Id' is not a valid id" in found[1]["message"]


def test_committed_template_is_current(tmp_path):
    path = tmp_path / "template.xlsx"
    S.write_template(path)
    assert path.read_bytes() == (SAMPLES_DIR / "template.xlsx").read_bytes(), (
        "regenerate with: python -m app.formats.spreadsheets"
    )


def test_template_reads_back_valid(tmp_path):
    committed = S.read_workbook(SAMPLES_DIR / "template.xlsx")
    assert committed.to_data() == S.template_document().to_data()
    path = tmp_path / "template.xlsx"
    S.write_template(path)
    document = S.read_workbook(path)
    assert document.locality.id == "example-locality"
    for section in ("agencies", "people", "groups", "links"):
        assert 2 <= len(getattr(document, section)) <= 3
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["README", *S.SHEETS]
    readme = [row[1] for row in workbook["README"].iter_rows(values_only=True)]
    for column in S.COLUMNS["groups"]:
        assert column in readme
    assert workbook["groups"].data_validations.dataValidation
