"""Whole processes timed as users run them: start-up, a whole command against a whole script.

Each figure is the median wall time of ``repeat`` runs of a fresh process,
with its CPU time (user + system, from ``wait4``) beside it: on a shared
machine the CPU time moves less than the wall time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
LOCMAP = str(Path(sys.executable).parent / "locmap")
#: Exact betweenness however large the locality (the default samples above 2,000 nodes).
EXACT = ["--set", f"betweenness_exact_limit={10**9}"]
#: The bare floor for reading a county: parse each file, nothing else.
JSON_PARSE = "import json, sys\nfor name in sys.argv[1:]:\n    with open(name) as f:\n        json.load(f)"
#: Processes run as an installed package runs: with its bytecode cached.  pip
#: compiles an installed package's modules; an editable checkout under
#: PYTHONDONTWRITEBYTECODE (as CI and some sandboxes set) would compile every
#: module of locmap afresh at each start, a cost no user pays.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed_process(argv: list[str], repeat: int) -> dict:
    """Median wall and CPU seconds of ``repeat`` runs of ``argv``, after one untimed run; fails loudly on a non-zero exit.

    The untimed run writes the bytecode of any module not yet compiled.
    """
    walls, cpus = [], []
    subprocess.run(argv, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _ in range(repeat):
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        child.returncode = os.waitstatus_to_exitcode(status)
        error = child.stderr.read().decode(errors="replace") if child.stderr else ""
        if child.stderr:
            child.stderr.close()
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {child.returncode}:\n{error[-2000:]}")
    return {
        "median": statistics.median(walls),
        "cpu_median": statistics.median(cpus),
        "times": walls,
        "cpu_times": cpus,
        "argv": [Path(a).name if os.sep in a else a for a in argv],
    }


def startup(repeat: int) -> dict:
    """``python -c pass``, ``locmap --version`` and the audit of a sample file as JSON."""
    thame = str(ROOT / "sample_localities" / "thame.yaml")
    return {
        "python_pass": timed_process([PYTHON, "-c", "pass"], repeat),
        "version": timed_process([LOCMAP, "--version"], repeat),
        "audit_sample": timed_process([LOCMAP, "audit", thame, "--json"], repeat),
    }


def county_files(county: Path) -> list[Path]:
    """The locality files of a synthetic county (its index left out)."""
    return sorted(p for p in county.glob("*.json") if p.name != "index.json")


def largest_locality(county: Path) -> Path:
    """The county's locality with the most seats (memberships), from the generator's index."""
    index = json.loads((county / "index.json").read_text())
    best = max(index["localities"], key=lambda entry: entry["counts"]["memberships"])
    return county / best["file"]


def anatomy(path: Path, repeat: int) -> dict:
    """Each stage of ``locmap audit FILE --json`` (:mod:`bench.anatomy`): its median over ``repeat`` fresh processes."""
    argv = [PYTHON, "-m", "bench.anatomy", str(path)]
    subprocess.run(argv, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.DEVNULL, check=True)  # writes bytecode
    runs = [
        json.loads(subprocess.run(argv, cwd=ROOT, env=ENVIRONMENT, capture_output=True, check=True, text=True).stdout)
        for _ in range(repeat)
    ]
    return {stage: statistics.median(run[stage] for run in runs) for stage in runs[0]}


def commands(county: Path, repeat: int) -> dict:
    """Whole command against whole script, both exact, where the command's time goes, and compare against a bare JSON parse."""
    largest = largest_locality(county)
    files = [str(p) for p in county_files(county)]
    return {
        "locality": largest.stem,
        "python_start": timed_process([PYTHON, "-c", "pass"], repeat),
        "anatomy": anatomy(largest, repeat),
        "audit_command": timed_process([LOCMAP, "audit", str(largest), "--json", *EXACT], repeat),
        "naive_script": timed_process([PYTHON, str(HERE / "naive_audit.py"), str(largest)], repeat),
        "localities": len(files),
        "compare_command": timed_process([LOCMAP, "compare", *files, "--json", *EXACT], repeat),
        "json_parse": timed_process([PYTHON, "-c", JSON_PARSE, *files], repeat),
    }
