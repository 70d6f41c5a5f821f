"""The tidy (long) comparison table: its rows, its CSV, and the CSV as pandas reads it."""

from __future__ import annotations

import dataclasses
import io
import json
import math
from collections import Counter
from pathlib import Path

import pytest

from analysis.audit import audit
from analysis.findings import Basis, Finding, Principle, Severity
from analysis.profile import DIMENSIONS, LEVEL_WORDS
from analysis.tidy import COLUMNS, Column, long_csv, number_text, tidy_rows
from app.cli import main
from app.storage.sources import read_file
from models.validation import validate_data
from tests.conftest import SAMPLE_PATHS, SAMPLE_SLUGS, SAMPLES_DIR

pd = pytest.importorskip("pandas")

THAME = SAMPLES_DIR / "thame.yaml"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def finding(code: str, severity: Severity = Severity.medium, basis: Basis = Basis.declared) -> Finding:
    return Finding(code, severity, (), "m", Principle.systems_minding, "s", basis=basis)


@pytest.fixture(scope="module")
def minimal_audit():
    from tests.conftest import MINIMAL

    return audit(validate_data(MINIMAL))


def rows_by(rows, kind: str) -> dict[str, tuple]:
    return {r.measure: r for r in rows if r.kind == kind}


# ---------------------------------------------------------------- the rows


def test_every_row_has_exactly_the_columns_and_every_kind(minimal_audit):
    rows = tidy_rows([Column("testville", "Testville", minimal_audit)])
    assert all(r._fields == COLUMNS for r in rows)
    assert COLUMNS == (
        "locality", "snapshot", "taken_at", "measure", "kind", "value", "level_words", "evidence",
        "declared_or_inferred",
    )  # fmt: skip
    assert [r.measure for r in rows if r.kind == "profile"] == list(DIMENSIONS)
    assert {r.kind for r in rows} == {"metric", "profile", "finding_count"}
    assert {(r.locality, r.snapshot, r.taken_at) for r in rows} == {("testville", None, None)}


def test_metrics_rules_for_booleans_text_none_mappings_and_lists(minimal_audit):
    metrics = {
        "count": 3,
        "share": 0.25,
        "flag": True,
        "off": False,
        "key_group": "steering",
        "balance": None,
        "focus": {"upstream": 2, "both": 0},
        "brokers": [{"person": "sw", "betweenness": 0.5}],
        "empty": [],
    }
    result = dataclasses.replace(minimal_audit, metrics=metrics)
    got = {
        m: (r.value, r.level_words, r.declared_or_inferred)
        for m, r in rows_by(tidy_rows([Column("t", "T", result)]), "metric").items()
    }
    assert got == {
        "count": (3, "", ""),
        "share": (0.25, "", ""),
        "flag": (1, "yes", ""),
        "off": (0, "no", ""),
        "key_group": (None, "steering", ""),
        "balance": (None, "", ""),
        "focus.upstream": (2, "", ""),
        "focus.both": (0, "", ""),
        "brokers.1.person": (None, "sw", ""),
        "brokers.1.betweenness": (0.5, "", ""),
    }
    assert type(got["flag"][0]) is int  # a number, never a bool that writes as "True"


def test_profile_rows_carry_level_words_evidence_and_basis(minimal_audit):
    profile = {d: dict(minimal_audit.profile[d]) for d in DIMENSIONS}
    profile["systems_minding"].update(level=None, evidence="no minder recorded", basis="inferred")
    profile["user_involvement"].update(level=0.5, basis="declared")
    result = dataclasses.replace(minimal_audit, profile=profile)
    rows = rows_by(tidy_rows([Column("t", "T", result)]), "profile")
    minding = rows["systems_minding"]
    assert (minding.value, minding.level_words, minding.evidence, minding.declared_or_inferred) == (
        None, "cannot tell", "no minder recorded", "inferred",
    )  # fmt: skip
    assert (rows["user_involvement"].value, rows["user_involvement"].level_words) == (0.5, LEVEL_WORDS[0.5])


def test_finding_counts_include_zeros_for_codes_raised_elsewhere_and_a_total(minimal_audit):
    first = dataclasses.replace(
        minimal_audit,
        locality="a",
        findings=[
            finding("MEETING_LOAD", Severity.high),
            finding("MEETING_LOAD", Severity.medium, Basis.inferred),
            finding("NO_SYSTEMS_MINDER", basis=Basis.inferred),
        ],
    )
    second = dataclasses.replace(minimal_audit, locality="b", findings=[finding("ISOLATED_GROUP", Severity.low)])
    rows = tidy_rows([Column("a", "A", first), Column("b", "B", second)])
    counts = {
        (r.locality, r.measure): (r.value, r.evidence, r.declared_or_inferred)
        for r in rows
        if r.kind == "finding_count"
    }
    assert counts == {
        ("a", "MEETING_LOAD"): (2, "1 high; 1 medium", "mixed"),
        ("a", "ISOLATED_GROUP"): (0, "", ""),
        ("a", "NO_SYSTEMS_MINDER"): (1, "1 medium", "inferred"),
        ("a", "total"): (3, "1 high; 2 medium", "mixed"),
        ("b", "MEETING_LOAD"): (0, "", ""),
        ("b", "ISOLATED_GROUP"): (1, "1 low", "declared"),
        ("b", "NO_SYSTEMS_MINDER"): (0, "", ""),
        ("b", "total"): (1, "1 low", "declared"),
    }
    # the audit's order of codes, and a code raised nowhere gets no row (a near miss)
    assert [m for (loc, m) in counts if loc == "a"] == ["MEETING_LOAD", "ISOLATED_GROUP", "NO_SYSTEMS_MINDER", "total"]
    assert ("a", "OVERLAPPING_GROUPS") not in counts


# ---------------------------------------------------------------- the CSV


@pytest.mark.parametrize(
    ("value", "text"),
    [(18.0, "18"), (67, "67"), (0, "0"), (-0.0, "0"), (0.125, "0.125"), (1 / 3, repr(1 / 3)), (None, ""),
     (math.nan, ""), (math.inf, "inf"), (2.5e-7, "2.5e-07")],
)  # fmt: skip
def test_numbers_are_written_one_way(value, text):
    assert number_text(value) == text


def test_a_hash_quote_comma_and_newline_in_text_survive_pandas_comment_option(minimal_audit):
    hostile = '# not a comment, "quoted", and\n# a second line'
    profile = {d: dict(minimal_audit.profile[d]) for d in DIMENSIONS}
    profile["local_ownership"]["evidence"] = hostile
    metrics = {"key_group": "#steering", "hours": 18.0}
    result = dataclasses.replace(minimal_audit, profile=profile, metrics=metrics)
    text = long_csv(tidy_rows([Column("testville", "T", result)]))
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert len(frame) == len(tidy_rows([Column("testville", "T", result)]))
    by_measure = frame.set_index("measure")
    assert by_measure.loc["local_ownership", "evidence"] == hostile
    assert by_measure.loc["key_group", "level_words"] == "#steering"
    assert by_measure.loc["hours", "value"] == 18
    assert ",18," in text and "18.0" not in text


def test_provenance_lines_head_the_csv_and_are_skipped_as_comments(minimal_audit):
    from app.formats.provenance import of_documents
    from tests.conftest import MINIMAL

    made = of_documents([validate_data(MINIMAL)])
    text = long_csv(tidy_rows([Column("testville", "T", minimal_audit)]), made)
    assert text.startswith(made.comment()) and text.splitlines()[4] == ",".join(COLUMNS)
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert list(frame.columns) == list(COLUMNS)


# ---------------------------------------------------------------- six samples and two snapshots, in pandas


@pytest.fixture(scope="module")
def stored_comparison(tmp_path_factory):
    """The six samples stored, Thame snapshotted before and after a change, and the long CSV of all eight."""
    folder = tmp_path_factory.mktemp("tidy")
    db = f"sqlite:///{folder / 'locmap.db'}"
    changed = folder / "thame.yaml"
    changed.write_text(THAME.read_text().replace("meets: half_termly", "meets: monthly", 1))
    commands = [
        ["import", "--samples", "--db", db],
        ["snapshot", "thame", "--label", "before # the change", "--db", db],
        ["import", str(changed), "--db", db],
        ["snapshot", "thame", "--label", "after", "--db", db],
    ]
    for args in commands:
        assert main(args) == 0, args
    table = folder / "long.csv"
    assert main(["compare", *SAMPLE_SLUGS, "thame@1", "thame@2", "--long-csv", str(table), "--db", db]) == 0
    return table, {None: read_file(changed), 1: read_file(THAME), 2: read_file(changed)}


def test_the_long_csv_loads_in_pandas_with_the_stated_dtypes(stored_comparison):
    table, _ = stored_comparison
    frame = pd.read_csv(table, comment="#", parse_dates=["taken_at"])
    assert list(frame.columns) == list(COLUMNS)
    assert frame["value"].dtype == "float64"
    assert frame["snapshot"].dtype == "float64"  # NaN for the localities as they are now
    assert str(frame["taken_at"].dtype).startswith("datetime64") and str(frame["taken_at"].dt.tz) == "UTC"
    for text in ("locality", "measure", "kind", "level_words", "evidence", "declared_or_inferred"):
        assert pd.api.types.is_string_dtype(frame[text]), text
    nullable = pd.read_csv(table, comment="#", dtype={"snapshot": "Int64"})
    assert nullable["snapshot"].dtype == "Int64"
    assert sorted(nullable["snapshot"].dropna().unique()) == [1, 2]
    assert frame.groupby(["locality", "snapshot"], dropna=False).ngroups == 8


def expected_metrics(metrics: dict) -> dict:
    """The audit's metrics flattened by hand, as docs/research.md states the rule."""
    out = {}

    def walk(name, value):
        if isinstance(value, dict):
            for key, v in value.items():
                walk(f"{name}.{key}", v)
        elif isinstance(value, list):
            for n, v in enumerate(value, start=1):
                walk(f"{name}.{n}", v)
        else:
            out[name] = value

    for name, value in metrics.items():
        walk(name, value)
    return out


def same(cell, expected) -> bool:
    if expected is None:
        return pd.isna(cell)
    if isinstance(expected, bool | str):
        return False
    return not pd.isna(cell) and cell == pytest.approx(expected, rel=1e-12)


def test_every_value_equals_the_audit(stored_comparison):
    """Metrics, profile levels and finding counts of all eight columns, against ``audit(doc).as_dict()``."""
    table, snapshot_documents = stored_comparison
    frame = pd.read_csv(table, comment="#", dtype={"snapshot": "Int64"}, keep_default_na=False, na_values=[""])
    checked = 0
    for (slug, snapshot), rows in frame.groupby(["locality", "snapshot"], dropna=False):
        snapshot = None if pd.isna(snapshot) else int(snapshot)
        document = snapshot_documents[snapshot] if slug == "thame" else read_file(SAMPLES_DIR / f"{slug}.yaml")
        expected = audit(document).as_dict()
        metrics = rows[rows.kind == "metric"].set_index("measure")
        flat = expected_metrics(expected["metrics"])
        assert set(metrics.index) == set(flat)
        for name, value in flat.items():
            cell = metrics.loc[name]
            if isinstance(value, str):
                assert pd.isna(cell["value"]) and cell["level_words"] == value, name
            else:
                assert same(cell["value"], value), (slug, snapshot, name, cell["value"], value)
        profile = rows[rows.kind == "profile"].set_index("measure")
        for dim, entry in expected["profile"].items():
            assert same(profile.loc[dim, "value"], entry["level"]), (slug, dim)
            assert profile.loc[dim, "level_words"] == LEVEL_WORDS[entry["level"]]
            assert profile.loc[dim, "evidence"] == entry["evidence"]
            assert profile.loc[dim, "declared_or_inferred"] == entry["basis"]
        counts = rows[rows.kind == "finding_count"].set_index("measure")["value"]
        raised = Counter(f["code"] for f in expected["findings"])
        assert counts["total"] == len(expected["findings"])
        assert all(counts[code] == raised.get(code, 0) for code in counts.index if code != "total")
        assert set(raised) <= set(counts.index)
        checked += 1
    assert checked == 8


def test_the_snapshots_differ_where_the_change_was_made(stored_comparison):
    table, _ = stored_comparison
    frame = pd.read_csv(table, comment="#", dtype={"snapshot": "Int64"})
    hours = frame[(frame.locality == "thame") & (frame.measure == "meetings_per_year")].set_index("snapshot")["value"]
    assert hours.loc[2] > hours.loc[1]  # half-termly to monthly
    assert (frame[frame.snapshot.isna() & (frame.locality == "thame")]["taken_at"].isna()).all()


def test_compare_of_files_gives_the_same_table_as_of_stored_copies(capsys, stored_comparison, tmp_path):
    table, _ = stored_comparison
    from_files = tmp_path / "files.csv"
    code, _, err = run(capsys, "compare", *map(str, SAMPLE_PATHS), "--long-csv", str(from_files))
    assert code == 0, err
    stored = pd.read_csv(table, comment="#")
    read = pd.read_csv(from_files, comment="#")
    current_thame = stored[stored.snapshot.isna()]
    # the current Thame was changed after its first snapshot: compare the five untouched samples
    untouched = [s for s in SAMPLE_SLUGS if s != "thame"]
    columns = [c for c in COLUMNS if c not in ("snapshot", "taken_at")]  # all empty for files, so typed apart
    pd.testing.assert_frame_equal(
        current_thame[current_thame.locality.isin(untouched)][columns].reset_index(drop=True),
        read[read.locality.isin(untouched)][columns].reset_index(drop=True),
    )


# ---------------------------------------------------------------- the command's errors


def test_compare_refuses_an_unknown_snapshot_and_a_bad_chart_suffix_in_plain_words(capsys, tmp_path, db_url):
    assert main(["import", str(THAME), "--db", db_url]) == 0
    cases = [
        (["compare", "thame@7", "--db", db_url], "locality 'thame' has no snapshot '7'"),
        (
            ["compare", "thame", "--chart", str(tmp_path / "c.gif"), "--db", db_url],
            "use a file name ending in .png, .svg, .pdf",
        ),
        (["compare", "thame", "--png", str(tmp_path / "c.svg"), "--db", db_url], "--png writes a PNG"),
        (["compare", "thame", str(THAME), "--db", db_url], "'thame' is named twice"),
    ]
    for args, expected in cases:
        code, out, err = run(capsys, *args)
        assert code != 0 and expected in err, (args, err)
        assert "Traceback" not in out + err
    assert not (tmp_path / "c.gif").exists()


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_the_chart_is_written_in_the_format_its_name_asks_for(capsys, tmp_path, suffix, magic):
    path = tmp_path / f"compare{suffix.upper()}"
    code, out, err = run(capsys, "compare", str(THAME), str(SAMPLE_PATHS[0]), "--chart", str(path))
    assert code == 0, err
    assert path.read_bytes().startswith(magic) and f"wrote {path}" in out


def test_compare_json_lists_snapshot_columns_by_slug_at_number(capsys, stored_comparison):
    table, _ = stored_comparison
    db = f"sqlite:///{Path(table).parent / 'locmap.db'}"
    code, out, err = run(capsys, "compare", "thame", "thame@1", "thame@after", "--json", "--db", db)
    assert code == 0, err
    data = json.loads(out)
    assert data["localities"] == ["thame", "thame@1", "thame@2"]
    assert [s["snapshot"] for s in data["provenance"]["sources"]] == [None, 1, 2]
