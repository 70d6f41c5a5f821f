"""The locmap benchmark: one command, every figure, written to bench/RESULTS.md.

    .venv/bin/python -m bench.run                                   # everything (about 25 minutes on 2 idle cores)
    .venv/bin/python -m bench.run --quick --output /tmp/r.md        # every part, briefly: proves the harness
    .venv/bin/python -m bench.run --only startup,commands --output /tmp/r.md

Parts (``--only`` takes a comma-separated subset, in any order):

``startup``   ``locmap --version`` and a sample audit against ``python -c pass``, whole processes.
``scales``    each step at each scale (``bench.measure``, one process per step, merged documents).
``exact``     in process, per county locality: locmap's audit and the NetworkX script, both exact;
              the county as one document, both sampling the same sources.
``commands``  whole command against whole script (largest county locality, both exact);
              ``locmap compare`` of the county against a bare JSON parse of the same files.
``load``      wrk against the cached audit, the locality list and a bare constant endpoint.
``pages``     the locality page, map data and audit under load, anonymous and signed in (``bench.pages``).
``edits``     PATCH and add-member latency at several locality sizes (``bench.edits``).
``mixed``     95% GETs, 5% PATCHes by an editor, 2 workers, 50 connections (``bench.mixedload``).

Medians of ``--repeat`` runs, from this one run; the report says so.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_cache_dir

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Generated data is kept between runs outside the checkout (LOCMAP_BENCH_DATA overrides).
DATA = Path(os.environ.get("LOCMAP_BENCH_DATA") or Path(user_cache_dir("locmap", appauthor=False)) / "bench")
PARTS = ("startup", "scales", "exact", "commands", "load", "pages", "edits", "mixed", "census")


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


def child_json(argv: list[str], timeout: int = 3600) -> dict:
    """Run a benchmark module in its own process and read the JSON object it prints last."""
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    text = done.stdout.strip()
    try:
        return json.loads(text.splitlines()[-1])
    except json.JSONDecodeError:  # printed indented: the whole output is the object
        return json.loads(text)


def measure(step: str, scale: str, data: Path, repeat: int) -> dict:
    print(f"  {scale}: {step} ...", end="", flush=True)
    result = child_json(["-m", "bench.measure", step, scale, str(data), str(repeat)])
    shown = result.get("median") or result.get("bt_b", {}).get("median", 0)
    print(f" {shown:.3f} s, peak {result['peak_mb']:.0f} MB", flush=True)
    return result


def machine() -> dict:
    """CPU, cores, memory and library versions of this machine."""
    import networkx
    import numpy
    import scipy

    def first(path: str, prefix: str) -> str | None:
        try:
            return next((line for line in Path(path).read_text().splitlines() if line.startswith(prefix)), None)
        except OSError:
            return None

    cpu = first("/proc/cpuinfo", "model name")
    memory = first("/proc/meminfo", "MemTotal")
    load = os.getloadavg()
    return {
        "cpu": cpu.split(":", 1)[1].strip() if cpu else "unknown",
        "cores": os.cpu_count(),
        "memory": f"{int(memory.split()[1]) / 2**20:.0f} GiB" if memory else "unknown",
        "load_average_at_start": [round(x, 2) for x in load],
        "python": sys.version.split()[0],
        "platform": sys.platform + " " + os.uname().release,
        "networkx": networkx.__version__,
        "scipy": scipy.__version__,
        "numpy": numpy.__version__,
    }


def county_db(county: Path, folder: Path) -> Path:
    """A SQLite file holding every locality of the county (for the server benchmarks)."""
    from bench.processes import LOCMAP, county_files

    db = folder / "county.db"
    if not db.exists():
        files = [str(p) for p in county_files(county)]
        subprocess.run([LOCMAP, "import", *files, "--db", f"sqlite:///{db}"], check=True, capture_output=True)
    return db


def external(name: str, **available) -> dict:
    """Run ``bench.<name>.run`` (another engineer's module), passing the arguments it names.

    Fails loudly when the module is missing: ``--only`` leaves a part out.
    """
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        raise SystemExit(f"bench/{name}.py is missing ({exc}); leave the part out with --only") from exc
    wanted = inspect.signature(module.run).parameters
    missing = [p for p, spec in wanted.items() if p not in available and spec.default is inspect.Parameter.empty]
    if missing:
        raise SystemExit(f"bench.{name}.run needs {missing}, which bench.run does not provide")
    return module.run(**{p: available[p] for p in wanted if p in available})


class Plan:
    """What one run measures and the data it shares between parts."""

    def __init__(self, args: argparse.Namespace, folder: Path):
        self.args, self.folder = args, folder
        self.repeat = 1 if args.quick and args.repeat is None else (args.repeat or 3)
        self._county: Path | None = None
        self._db: Path | None = None

    @property
    def county(self) -> Path:
        if self._county is None:
            self._county = data_for("county", self.args.seed)
        return self._county

    @property
    def db(self) -> Path:
        if self._db is None:
            self._db = county_db(self.county, self.folder)
        return self._db

    def seconds(self, full: int) -> int:
        return 5 if self.args.quick else full


def part_startup(plan: Plan) -> dict:
    from bench.processes import startup

    return startup(max(plan.repeat, 3) if not plan.args.quick else 2)


def part_scales(plan: Plan) -> dict:
    steps = ["load", "import", "audit", "audit_each", "compare", "map", "kernels"]
    scales = plan.args.scales or (["locality"] if plan.args.quick else ["locality", "county", "national"])
    out = {}
    for scale in scales:
        print(f"  {scale}:", flush=True)
        data = data_for(scale, plan.args.seed)
        chosen = [s for s in steps if not (scale == "national" and s == "map")]  # drawn aggregated only
        out[scale] = {step: measure(step, scale, data, plan.repeat) for step in chosen}
    return out


def part_exact(plan: Plan) -> dict:
    # Quick: the two largest localities, and 32 sources (on both sides) for the county as one document.
    limit = ["2", "32"] if plan.args.quick else []
    return child_json(["-m", "bench.exact", str(plan.county), str(plan.repeat), *limit])


def part_commands(plan: Plan) -> dict:
    from bench.processes import commands

    return commands(plan.county, plan.repeat)


def part_load(plan: Plan) -> dict:
    from bench.loadtest import run as load_test

    return load_test(plan.seconds(10), clients=(50,) if plan.args.quick else (50, 200))


def shared(plan: Plan, seconds: int) -> dict:
    """What another engineer's part may ask for by name (see :func:`external`)."""
    from bench.processes import largest_locality

    return {
        "county": plan.county,
        "db": plan.db,
        "slug": largest_locality(plan.county).stem,
        "seconds": plan.seconds(seconds),
        "connections": 50,
        "source": ROOT,
        "repeat": plan.repeat,
        "quick": plan.args.quick,
        "seed": plan.args.seed,
    }


def part_pages(plan: Plan) -> dict:
    return external("pages", **shared(plan, 20))


def part_edits(plan: Plan) -> dict:
    # bench/edits.py runs as a process (``python -m bench.edits REPEAT``), on its own data.
    return child_json(["-m", "bench.edits", str(3 if plan.args.quick else max(plan.repeat, 9))])


def part_mixed(plan: Plan) -> dict:
    from bench.processes import largest_locality

    # 30 s each: wrk's thread:get corrupted the latency tables of a 60 s run at 1,350 requests a second.
    locality, seconds = str(largest_locality(plan.county)), str(plan.seconds(30))
    return {
        edit: child_json(["-m", "bench.mixedload", locality, seconds, edit], timeout=600) for edit in ("venue", "hours")
    }


def part_census(plan: Plan) -> dict:
    # bench/census.py runs as a process (``python -m bench.census REPEAT``), on the same data as the edits.
    return child_json(["-m", "bench.census", str(3 if plan.args.quick else max(plan.repeat, 9))])


RUNNERS = {name: globals()[f"part_{name}"] for name in PARTS}


def run(plan: Plan, parts: list[str]) -> dict:
    """Measure each chosen part, in order; the results as one JSON-ready dict."""
    results: dict = {
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "repeat": plan.repeat,
        "seed": plan.args.seed,
        "quick": plan.args.quick,
        "parts": {},
        "seconds": {},
    }
    for name in parts:
        print(f"{name} ...", flush=True)
        start = time.perf_counter()
        results["parts"][name] = RUNNERS[name](plan)
        results["seconds"][name] = round(time.perf_counter() - start, 1)
        print(f"{name} done in {results['seconds'][name]:.0f} s", flush=True)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def chosen_parts(text: str | None) -> list[str]:
    if not text:
        return list(PARTS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PARTS))
    if unknown:
        raise SystemExit(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(PARTS)}")
    return [n for n in PARTS if n in names]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the locmap benchmark and write its results.")
    parser.add_argument("--only", help=f"comma-separated parts: {', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="one run each, short loads: proves the harness")
    parser.add_argument("--repeat", type=int, help="runs per figure (default 3; 1 with --quick)")
    parser.add_argument("--scales", type=lambda s: s.split(","), help="for 'scales': locality,county,national")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md", help="Markdown; JSON beside it")
    parser.add_argument("--from-json", type=Path, help="write the report of an earlier run's JSON, measuring nothing")
    args = parser.parse_args(argv)
    parts = chosen_parts(args.only)
    if args.quick and args.output.resolve() == (HERE / "RESULTS.md").resolve():
        raise SystemExit("a --quick run does not write bench/RESULTS.md: give --output")
    from bench.report import report

    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        with tempfile.TemporaryDirectory() as folder:
            results = run(Plan(args, Path(folder)), parts)
        args.output.with_suffix(".json").write_text(
            json.dumps(results, indent=2) + "\n"
        )  # first: kept if the report fails
    args.output.write_text(report(results))
    print(f"wrote {args.output}" + ("" if args.from_json else f" and {args.output.with_suffix('.json')}"))


if __name__ == "__main__":
    main()
