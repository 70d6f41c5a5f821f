"""The benchmark runs end to end at locality scale (the full run is `python -m bench.run`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# A broken benchmark or generator fails here, loudly, never as a skip.
import bench.measure  # noqa: F401
import bench.run  # noqa: F401
from app.synth import write  # noqa: F401  (what bench.run generates its data with)
from tests.conftest import ROOT


@pytest.mark.slow
def test_benchmark_smoke_run_at_locality_scale(tmp_path):
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--scales",
            "locality",
            "--repeat",
            "1",
            "--no-load",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env={**os.environ, "LOCMAP_BENCH_DATA": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = output.read_text()
    assert "## Steps" in text and "speed-up" in text and "uncached audit of a sample locality" in text
    results = json.loads(output.with_suffix(".json").read_text())
    locality = results["scales"]["locality"]
    assert locality["audit"]["sizes"]["groups"] > 50
    assert locality["audit"]["median"] > 0 and locality["naive"]["total"] > 0  # figures, not a timed assertion
    assert set(locality["audit"]["parts"]) >= {"build graphs", "brokers", "check_overlapping_groups"}


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
