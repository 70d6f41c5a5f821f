"""The locmap benchmark: one command, every figure, written to bench/RESULTS.md.

    .venv/bin/python -m bench.run                       # all scales, 3 runs each, load test
    .venv/bin/python -m bench.run --scales locality --repeat 1 --no-load --output /tmp/r.md   # a smoke run

For each scale it generates seeded synthetic data (``locmap synth``), then
measures, each step in its own process (so its peak memory is its own): load
and validate, import into SQLite, the full audit (everything as one document:
the worst case) and each analysis in it, every locality audited separately,
compare, and the map; the straightforward NetworkX approach (pairwise set
Jaccard, ``bipartite.weighted_projected_graph``, exact betweenness on the
whole two-mode graph, extrapolated from samples where a full run would take
minutes); and the bare kernels (``B.T @ B``, scipy's connected components).
Then a load test with wrk on loopback.  Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_cache_dir

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Generated data is kept between runs outside the checkout (LOCMAP_BENCH_DATA overrides).
DATA = Path(os.environ.get("LOCMAP_BENCH_DATA") or Path(user_cache_dir("locmap", appauthor=False)) / "bench")

TARGETS = {
    "county_audit_s": 1.5,
    "national_audit_s": 20.0,
    "national_peak_mb": 4096,
    "speedup_county": 100,
    "overlap_vs_kernel": 5.0,
    "cached_vs_bare": 0.5,
    "uncached_sample_ms": 200,
    "county_map_s": 5.0,
}


def data_for(scale: str, seed: int) -> Path:
    """Generate (once) and return the synthetic data of a scale."""
    from app.synth import write

    target = DATA / (f"{scale}-{seed}.json" if scale == "locality" else f"{scale}-{seed}")
    if not target.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write(scale, seed, target)
        print(f"  generated {scale} data in {time.perf_counter() - start:.1f} s", flush=True)
    return target


def measure(step: str, scale: str, data: Path, repeat: int, timeout: int = 3600) -> dict:
    print(f"  {scale}: {step} ...", end="", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.measure", step, scale, str(data), str(repeat)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        print(" failed")
        raise RuntimeError(f"{step} at {scale} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    shown = result.get("median") or result.get("total") or result.get("bt_b", {}).get("median", 0)
    print(f" {shown:.3f} s, peak {result['peak_mb']:.0f} MB", flush=True)
    return result


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    import networkx
    import numpy
    import scipy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "networkx": networkx.__version__,
        "scipy": scipy.__version__,
        "numpy": numpy.__version__,
    }


def run(scales: list[str], repeat: int, seed: int, load: bool, load_seconds: int) -> dict:
    results: dict = {
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeat": repeat,
        "seed": seed,
        "scales": {},
    }
    for scale in scales:
        print(f"{scale}:", flush=True)
        data = data_for(scale, seed)
        steps = ["load", "import", "audit", "audit_each", "compare", "map", "kernels", "naive"]
        if scale == "national":
            steps.remove("map")  # drawn aggregated only: see the county figures
        results["scales"][scale] = {
            step: measure(step, scale, data, 1 if step == "naive" else repeat) for step in steps
        }
    if load:
        from bench.loadtest import run as load_test

        print("load test ...", flush=True)
        results["load"] = load_test(load_seconds)
    results["uncached_samples_ms"] = uncached_samples(repeat)
    return results


def uncached_samples(repeat: int) -> dict:
    """Uncached audit of each sample locality, in process (median ms)."""
    import statistics

    from analysis.audit import audit
    from models.validation import load_path

    out = {}
    for path in sorted((ROOT / "sample_localities").glob("[a-z]*.yaml")):
        if path.stem == "template":
            continue
        document = load_path(path)
        times = []
        for _ in range(max(repeat, 3)):
            start = time.perf_counter()
            audit(document)
            times.append((time.perf_counter() - start) * 1000)
        out[path.stem] = round(statistics.median(times), 1)
    return out


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# locmap benchmark results",
        "",
        f"Measured {results['when']} with `python -m bench.run` (seed {results['seed']}, median of {results['repeat']} runs"
        " unless noted; each step in its own process).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} memory; Python {m['python']} on {m['platform']};"
        f" NetworkX {m['networkx']}, SciPy {m['scipy']}, NumPy {m['numpy']}. The machine is shared and noisy:"
        " read ratios and orders of magnitude, not the last digit.",
        "",
    ]
    scales = results["scales"]
    lines += [
        "## Sizes",
        "",
        "| scale | localities | groups | people | memberships |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for scale, r in scales.items():
        s = r["audit"]["sizes"]
        lines.append(
            f"| {scale} | {r['load'].get('localities', 1)} | {s['groups']:,} | {s['people']:,} | {s['memberships']:,} |"
        )
    lines += ["", "## Steps", "", "| step | " + " | ".join(scales) + " |", "| --- |" + " ---: |" * len(scales)]
    labels = [
        ("load", "load and validate"),
        ("import", "import into SQLite"),
        ("audit", "full audit, everything as one document"),
        ("audit_each", "every locality audited separately"),
        ("compare", "compare all localities"),
        ("map", "map of everything (people view), written"),
    ]
    for step, label in labels:
        cells = []
        for r in scales.values():
            if step in r:
                cells.append(f"{fmt_s(r[step]['median'])} ({r[step]['peak_mb']:,.0f} MB)")
            else:
                cells.append("–")
        lines.append(f"| {label} (peak memory) | " + " | ".join(cells) + " |")
    agg = [scales[s]["map"].get("aggregated") for s in scales if "map" in scales[s]]
    if any(agg):
        cells = [
            fmt_s(scales[s]["map"]["aggregated"]["median"])
            if "map" in scales[s] and scales[s]["map"].get("aggregated")
            else "–"
            for s in scales
        ]
        lines.append("| aggregated map (by agency), written | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### Each analysis in the full audit",
        "",
        "| analysis | " + " | ".join(scales) + " |",
        "| --- |" + " ---: |" * len(scales),
    ]
    names = list(next(iter(scales.values()))["audit"]["parts"])
    for name in names:
        lines.append(f"| {name} | " + " | ".join(fmt_s(r["audit"]["parts"].get(name)) for r in scales.values()) + " |")
    lines += [
        "",
        "## Against the straightforward NetworkX approach and the bare kernels",
        "",
        "| measure | " + " | ".join(scales) + " |",
        "| --- |" + " ---: |" * len(scales),
    ]
    for key, label in (
        ("jaccard", "naive: pairwise Jaccard with Python sets"),
        ("projection", "naive: `weighted_projected_graph` (people)"),
        ("betweenness", "naive: exact betweenness, two-mode graph"),
        ("components_and_cut_points", "naive: components and articulation points"),
        ("total", "naive: total"),
    ):
        lines.append(f"| {label} | " + " | ".join(fmt_s(r["naive"][key]) for r in scales.values()) + " |")
    lines.append("| locmap: full audit | " + " | ".join(fmt_s(r["audit"]["median"]) for r in scales.values()) + " |")
    lines.append(
        "| **speed-up** (naive total / locmap audit) | "
        + " | ".join(f"{r['naive']['total'] / r['audit']['median']:,.0f}x" for r in scales.values())
        + " |"
    )
    lines.append(
        "| kernel: `B.T @ B` | " + " | ".join(fmt_s(r["kernels"]["bt_b"]["median"]) for r in scales.values()) + " |"
    )
    lines.append(
        "| locmap: overlap detection | "
        + " | ".join(fmt_s(r["kernels"]["overlap"]["median"]) for r in scales.values())
        + " |"
    )
    lines.append(
        "| **overlap / kernel** | "
        + " | ".join(
            f"{r['kernels']['overlap']['median'] / r['kernels']['bt_b']['median']:.1f}x" for r in scales.values()
        )
        + " |"
    )
    lines.append(
        "| kernel: scipy connected components | "
        + " | ".join(fmt_s(r["kernels"]["connected_components"]["median"]) for r in scales.values())
        + " |"
    )
    notes = {k: v for r in scales.values() for k, v in r["naive"].get("extrapolated", {}).items()}
    if notes:
        lines += [
            "",
            "Extrapolated (a full run would take minutes or hours): "
            + "; ".join(f"{k}: {v} per scale, scaled up" for k, v in notes.items())
            + ".",
        ]
    if "load" in results:
        load = results["load"]
        lines += [
            "",
            f"## Under load (wrk on loopback, {load['seconds']} s per run, one uvicorn worker each)",
            "",
            "| endpoint | clients | requests/s | p50 | p95 | p99 | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, runs in load["results"].items():
            for r in runs:
                lines.append(
                    f"| {name} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['errors']} |"
                )
    lines += ["", "## Targets", "", "| target | measured | |", "| --- | --- | --- |"]
    checks = targets_table(results)
    for label, measured, ok in checks:
        lines.append(f"| {label} | {measured} | {verdict(ok)} |")
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


def targets_table(results: dict) -> list[tuple[str, str, bool]]:
    scales = results["scales"]
    out = []
    if "county" in scales:
        c = scales["county"]
        out.append(
            (
                "county full audit ≤ 1.5 s",
                fmt_s(c["audit"]["median"]),
                c["audit"]["median"] <= TARGETS["county_audit_s"],
            )
        )
        speedup = c["naive"]["total"] / c["audit"]["median"]
        out.append(
            (
                "≥ 100x faster than the straightforward NetworkX approach (county)",
                f"{speedup:,.0f}x",
                speedup >= TARGETS["speedup_county"],
            )
        )
        ratio = c["kernels"]["overlap"]["median"] / c["kernels"]["bt_b"]["median"]
        out.append(
            (
                "overlap detection within 5x of `B.T @ B` (county)",
                f"{ratio:.1f}x",
                ratio <= TARGETS["overlap_vs_kernel"],
            )
        )
        if "map" in c:
            out.append(
                (
                    "map of a county written ≤ 5 s",
                    fmt_s(c["map"]["median"]),
                    c["map"]["median"] <= TARGETS["county_map_s"],
                )
            )
    if "national" in scales:
        n = scales["national"]
        out.append(
            (
                "national full audit ≤ 20 s",
                fmt_s(n["audit"]["median"]),
                n["audit"]["median"] <= TARGETS["national_audit_s"],
            )
        )
        out.append(
            (
                "national peak memory ≤ 4 GB",
                f"{n['audit']['peak_mb']:,.0f} MB",
                n["audit"]["peak_mb"] <= TARGETS["national_peak_mb"],
            )
        )
        ratio = n["kernels"]["overlap"]["median"] / n["kernels"]["bt_b"]["median"]
        out.append(
            (
                "overlap detection within 5x of `B.T @ B` (national)",
                f"{ratio:.1f}x",
                ratio <= TARGETS["overlap_vs_kernel"],
            )
        )
    if "load" in results:
        runs = results["load"]["results"]
        cached = next(r for r in runs["cached audit"] if r["connections"] == 50)
        bare = next(r for r in runs["bare constant"] if r["connections"] == 50)
        ratio = cached["rps"] / bare["rps"]
        out.append(
            (
                "cached audit ≥ half the requests/s of a bare constant endpoint (50 clients)",
                f"{ratio:.2f}",
                ratio >= TARGETS["cached_vs_bare"],
            )
        )
        errors = sum(r["errors"] for rs in runs.values() for r in rs)
        out.append(("zero errors under load", str(errors), errors == 0))
    worst = max(results["uncached_samples_ms"].values())
    out.append(
        (
            "uncached audit of a sample locality ≤ 200 ms",
            f"{worst:.0f} ms (slowest sample, in process)",
            worst <= TARGETS["uncached_sample_ms"],
        )
    )
    if "load" in results:
        first = results["load"]["uncached_audit_http_ms"]
        out.append(
            (
                "uncached audit of a sample locality over HTTP ≤ 200 ms",
                f"{first:.0f} ms (slowest first request of five samples)",
                first <= TARGETS["uncached_sample_ms"],
            )
        )
    return out


NOTES = """## Notes

- Synthetic data: `locmap synth --scale SCALE --seed 1` (see `app/synth.py` for how it is made and which defects are planted).
- "Full audit, everything as one document" audits a whole county or nation as if it were one locality: the worst case. The service audits one locality at a time ("every locality audited separately").
- Betweenness (brokers) is exact up to `betweenness_exact_limit` nodes and estimated from a seeded sample of sources above it (see docs/analysis.md for its accuracy).
- Several uvicorn workers: `locmap serve --workers 4` (file or server database). The load test uses one worker for the service and one for the bare endpoint, so their ratio compares like with like.
- At 200 clients on one worker the cached endpoints keep their throughput but show a long tail (p95 and p99 over a second, no errors): they answer on the event loop, and with wrk competing for the same 2 cores some connections wait several rounds. More workers, or a proxy queueing connections in front, shorten the tail; the bare endpoint, answered from the thread pool, queues more evenly.
- "Naive" figures time the straightforward NetworkX code on a sample (of pairs, people or betweenness sources) and scale up where a full run would take minutes to hours; the table's footnote says which.
"""


def remeasure(steps: list[str], repeat: int, output: Path) -> None:
    """Measure some steps again into an existing results file and rewrite the report."""
    results = json.loads(output.with_suffix(".json").read_text())
    for scale in results["scales"]:
        data = data_for(scale, results["seed"])
        for step in steps:
            if step != "load":
                results["scales"][scale][step] = measure(step, scale, data, repeat)
    if "load" in steps:
        from bench.loadtest import run as load_test

        results["load"] = load_test(10)
    output.write_text(report(results))
    output.with_suffix(".json").write_text(json.dumps(results, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="locality,county,national")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-load", action="store_true", help="Skip the load test.")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--only", help="Measure only these steps again (comma-separated) into the existing results.")
    args = parser.parse_args(argv)
    if args.only:
        remeasure([s.strip() for s in args.only.split(",")], args.repeat, args.output)
        print(f"wrote {args.output}")
        return 0
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    results = run(scales, args.repeat, args.seed, not args.no_load, args.load_seconds)
    args.output.write_text(report(results))
    args.output.with_suffix(".json").write_text(json.dumps(results, indent=2))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
