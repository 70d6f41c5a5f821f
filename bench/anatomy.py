"""Where a whole ``locmap audit FILE --json`` goes: its imports, then reading, auditing and printing, cold and warm.

    python -m bench.anatomy FILE.json     # prints one process's stages as JSON

One fresh process does what the command does, stage by stage, with the
command's own functions and start-up settings: it imports the libraries
every audit command needs (numpy, igraph, pydantic, typer), then locmap's
modules for ``audit``, then reads and validates the file, audits it with
exact betweenness and prints the JSON (to ``/dev/null``), each once, as the
command does them: cold.  Then it does them again (:data:`WARM_REPEAT`
times), warm, as a long-running process would.  The difference between the cold and warm
stages is what a fresh process pays on first use (first calls, memory
taken from the system).  :func:`bench.processes.commands` runs it as a
fresh process ``repeat`` times and keeps each stage's median.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

#: As ``app.cli.main`` and ``app.cli.run`` set them before any command runs.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
EXACT = [f"betweenness_exact_limit={10**9}"]
#: Warm repetitions after the cold one; each warm stage is their median.
WARM_REPEAT = 5


def _import_libraries() -> None:
    """The libraries under every audit command, each as far as the command uses it.

    pydantic and typer load most of themselves on first use (``import
    pydantic`` alone is lazy), so their models, type adapters and command
    machinery are imported here too; igraph as locmap loads it.
    """
    import numpy  # noqa: F401
    from pydantic import BaseModel, Field, TypeAdapter  # noqa: F401
    from typer.main import Typer  # noqa: F401

    from analysis.kernels import _igraph

    _igraph()


def _import_locmap() -> None:
    """The rest of what ``locmap audit FILE --json`` imports before it reads a byte, and the modules it imports then."""
    from app.cli import register_commands

    register_commands(["audit"])
    import analysis.audit  # noqa: F401
    import app.formats.provenance  # noqa: F401
    import app.storage.sources  # noqa: F401
    import models.validation  # noqa: F401


def stages(path: str) -> dict[str, float]:
    """Seconds of each stage of one audit command's work, in this process (call it first, in a fresh one)."""
    clock = [time.perf_counter()]

    def lap() -> float:
        clock.append(time.perf_counter())
        return clock[-1] - clock[-2]

    from app.process import collect_in_batches

    collect_in_batches()
    _import_libraries()
    found = {"libraries": lap()}
    _import_locmap()
    found["locmap_modules"] = lap()
    from analysis.audit import audit
    from analysis.centrality import forget_recent_betweenness
    from app.cli.app import settings_from
    from app.cli.audit import _read_one, _with_provenance

    thresholds = settings_from(EXACT)
    lap()
    laps: dict[str, list[float]] = {}
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for _ in range(1 + WARM_REPEAT):
            forget_recent_betweenness()
            document, source, _ = _read_one(path, None)
            laps.setdefault("read", []).append(lap())
            result = audit(document, thresholds)
            laps.setdefault("audit", []).append(lap())
            json.dump(_with_provenance(result.as_dict(), [source], thresholds), sink, indent=2, ensure_ascii=False)
            laps.setdefault("print", []).append(lap())
    for stage, times in laps.items():
        found[f"{stage}_cold"], found[f"{stage}_warm"] = times[0], statistics.median(times[1:])
    return found


if __name__ == "__main__":
    print(json.dumps(stages(sys.argv[1])))
