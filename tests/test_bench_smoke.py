"""The benchmark's harness works and compares like with like (the full run is `python -m bench.run`).

No timing is asserted: these check what the benchmark computes and writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# A broken benchmark or generator fails here, loudly, never as a skip.
import bench.exact  # noqa: F401
import bench.measure  # noqa: F401
import bench.mixedload
import bench.naive_audit
import bench.report
import bench.run
import bench.targets
from app.synth import write  # noqa: F401  (what bench.run generates its data with)
from tests.conftest import ROOT


@pytest.mark.slow
def test_benchmark_quick_run_writes_every_chosen_part(tmp_path):
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--only", "startup,scales", "--output", str(output)],
        cwd=ROOT,
        env={**os.environ, "LOCMAP_BENCH_DATA": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = output.read_text()
    assert "**one run**" in text and "## Start-up" in text and "## Targets" in text
    assert "`locmap --version` within 10x of `python -c pass`" in text
    assert "scaled up" not in text and "Extrapolated (" not in text  # the old footnote on guessed figures
    results = json.loads(output.with_suffix(".json").read_text())
    locality = results["parts"]["scales"]["locality"]
    assert locality["audit"]["sizes"]["groups"] > 50
    assert results["parts"]["startup"]["version"]["median"] > 0  # a figure, not a timed assertion


def test_a_quick_run_never_writes_the_committed_results():
    with pytest.raises(SystemExit, match="--output"):
        bench.run.main(["--quick"])


def test_unknown_parts_are_refused():
    with pytest.raises(SystemExit, match="unknown part"):
        bench.run.chosen_parts("startup,warp")
    assert bench.run.chosen_parts("mixed,startup") == ["startup", "mixed"]


def test_naive_script_names_the_same_brokers_as_the_exact_audit():
    from analysis.audit import audit
    from models.validation import load_path

    path = ROOT / "sample_localities" / "city.yaml"
    document = load_path(path)
    exact = audit(document, bench.exact.exact_settings())
    naive = bench.naive_audit.naive_audit(document.to_data())
    assert naive["brokers"] == [[b["person"], b["betweenness"]] for b in exact.metrics["brokers"]]
    assert naive["brokers"]


def test_mixed_load_counts_late_and_unfinished_requests_as_errors():
    thread = {"sent": 4, "received": 3, "failed": 1, "statuses": {"200": 2, "503": 1}, "get": [5000, 12_000_000]}
    thread |= {"conflicts": 1, "group": "g", "acks": [], "in_flight_venue": None}
    raw = {"connect": 0, "read": 0, "write": 0, "wrk_timeout": 0, "duration_us": 1_000_000}
    raw["threads"] = [
        {**thread, "pending_us": 11_000_000, "patch": [7000]},  # waited past the timeout: unfinished
        {**thread, "pending_us": 3_000_000, "patch": []},  # cut off by the end of the run: not an error
    ]
    result = bench.mixedload.summarise(raw, 1)
    assert (result["non2xx"], result["late"], result["unfinished"], result["cut_off_at_end"]) == (2, 2, 1, 1)
    assert result["conflicts_told"] == 2
    assert result["errors"] == 5
    assert result["patch_p95_ms"] == 7.0 and result["gets"] == 4


def test_mixed_load_finds_lost_writes_and_silent_overwrites():
    """Acknowledged PATCHes of a group, ordered by time, must chain ETag to ETag and end in the stored venue."""
    chained = [[1, '"t0"', '"t1"', "Room 1-20"], [2, '"t1"', '"t2"', "Room 2-20"]]
    threads = [{"group": "g", "acks": chained[:1], "in_flight_venue": None}]
    threads.append({"group": "g", "acks": chained[1:], "in_flight_venue": "Room 2-40"})
    before = {"g": ('"t0"', "Room 0")}
    check = bench.mixedload.check_writes
    assert check(threads, before, {"g": ('"t2"', "Room 2-20")})["lost_writes"] == 0
    assert check(threads, before, {"g": ('"t3"', "Room 2-40")})["lost_writes"] == 0  # applied as the run ended
    assert check(threads, before, {"g": ('"t1"', "Room 1-20")})["lost_writes"] == 1
    threads[1]["acks"] = [[2, '"t0"', '"t2"', "Room 2-20"]]  # made against the group before the first write
    assert check(threads, before, {"g": ('"t2"', "Room 2-20")})["silent_overwrites"] == 1


def test_every_missed_target_is_explained():
    version = {"median": 2.0, "cpu_median": 1.0}
    startup = {"python_pass": {"median": 0.02, "cpu_median": 0.02}, "version": version, "audit_sample": version}
    found = bench.targets.checks({"parts": {"startup": startup}})
    assert [c.ok for c in found] == [False, False]
    assert all(c.why for c in found)


def test_aggregated_maps(tmp_path):
    from app.cli import main
    from app.maps import aggregate_document
    from models.validation import load_path

    city = load_path(ROOT / "sample_localities" / "city.yaml")
    by_kind = aggregate_document(city, "kind")
    assert {g.type.value for g in by_kind.groups} == {g.type.value for g in city.groups}
    assert any(g.name == "School consultation team (4)" for g in by_kind.groups)
    by_agency = aggregate_document(city, "agency")
    assert len(by_agency.groups) <= len(city.agencies) and by_agency.links
    target = tmp_path / "agg.html"
    assert main(["map", str(ROOT / "sample_localities" / "city.yaml"), "-o", str(target), "--aggregate", "agency"]) == 0
    assert "locmap-map" in target.read_text()
    assert main(["map", str(ROOT / "sample_localities" / "city.yaml"), "-o", str(target), "--aggregate", "colour"]) != 0


def _timing(seconds: float) -> dict:
    return {"median": seconds, "cpu_median": seconds, "times": [seconds] * 3, "cpu_times": [seconds] * 3}


COMMANDS = {
    "locality": "loc-013",
    "python_start": _timing(0.02),
    "anatomy": {
        "libraries": 0.11,
        "locmap_modules": 0.04,
        "read_cold": 0.02,
        "read_warm": 0.015,
        "audit_cold": 0.05,
        "audit_warm": 0.045,
        "print_cold": 0.001,
        "print_warm": 0.001,
    },
    "audit_command": _timing(0.3),
    "naive_script": _timing(2.0),
    "localities": 18,
    "compare_command": _timing(0.6),
    "json_parse": _timing(0.05),
}


def test_the_whole_command_miss_is_explained_from_its_stages():
    whole = bench.targets.checks({"parts": {"commands": COMMANDS}})[0]
    assert not whole.ok and whole.measured.startswith("6.7x")
    # Python and the libraries take 0.13 s: at best 15.4x; 10x leaves 0.07 s for locmap's own 0.11 s.
    assert "0.13 s of it" in whole.why and "more than 15.4x" in whole.why
    assert "within 0.20 s, which leaves 0.07 s" in whole.why and "it takes 0.11 s" in whole.why


def test_the_report_lays_out_the_stages_of_the_command():
    lines = "\n".join(bench.report.commands_section(COMMANDS))
    assert "| read and validate the file | 20.0 ms | 15.0 ms |" in lines
    assert "| the stages together | 241.0 ms | |" in lines  # 0.02 start + 0.221 of stages


def test_the_anatomy_of_an_audit_runs_every_stage_of_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "bench.anatomy", str(ROOT / "sample_localities" / "thame.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    stages = json.loads(done.stdout)
    expected = {"libraries", "locmap_modules"} | {
        f"{s}_{w}" for s in ("read", "audit", "print") for w in ("cold", "warm")
    }
    assert set(stages) == expected and all(seconds > 0 for seconds in stages.values())
