"""One measurement of the benchmark, run in its own process so its peak memory is its own.

``python -m bench.measure STEP SCALE DATA_DIR [REPEAT]`` prints one JSON
object: the median and all run times in seconds, the peak resident memory in
MB, and step-specific details.  ``bench.run`` drives it.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function, repeat: int) -> tuple[float, list[float], object]:
    """Median seconds of ``repeat`` calls, each counting betweenness afresh (none remembered from the last)."""
    times, result = [], None
    for _ in range(repeat):
        forget_remembered_scores()
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def forget_remembered_scores() -> None:
    """Forget the broker scores an audit remembers by graph (:func:`analysis.centrality.recent_betweenness`)."""
    centrality = sys.modules.get("analysis.centrality")  # loaded only by the steps that audit
    if centrality is not None:
        centrality.forget_recent_betweenness()


def load_scale(data: Path):
    """The documents of a scale: a single file or a folder of locality files."""
    from models.validation import load_path

    if data.is_file():
        return [load_path(data)]
    return [load_path(p) for p in sorted(data.glob("*.json")) if p.name != "index.json"]


def merged(documents):
    """All localities of a scale as one document (the worst case: one audit over everything).

    Group and agency ids are prefixed with their locality's id (they repeat
    from locality to locality); people keep theirs, so officers who sit in
    several localities join them up, as they do in life.
    """
    from models.document import LocalityDocument

    if len(documents) == 1:
        return documents[0]
    data = {
        "format": "locmap/1",
        "locality": {**documents[0].locality.model_dump(mode="json"), "id": "merged", "name": "All localities"},
        "agencies": [],
        "people": [],
        "groups": [],
        "links": [],
    }
    data["locality"].pop("note", None)
    people_seen = set()
    for document in documents:
        raw = document.to_data()
        slug = document.locality.id

        def ns(ident, slug=slug):
            return f"{slug}--{ident}"

        for agency in raw.get("agencies", []):
            data["agencies"].append({**agency, "id": ns(agency["id"])})
        for person in raw.get("people", []):
            if person["id"] in people_seen:
                continue
            people_seen.add(person["id"])
            if person.get("agency"):
                person = {**person, "agency": ns(person["agency"])}
            data["people"].append(person)
        for group in raw.get("groups", []):
            group = {**group, "id": ns(group["id"])}
            if group.get("school"):
                group["school"] = ns(group["school"])
            data["groups"].append(group)
        for link in raw.get("links", []):
            data["links"].append(
                {k: v for k, v in {**link, "from": ns(link["from"]), "to": ns(link["to"])}.items() if k != "id"}
            )
    return LocalityDocument.model_validate(data)


def step_load(data: Path, repeat: int) -> dict:
    median, times, documents = timed(lambda: load_scale(data), repeat)
    return {"median": median, "times": times, "localities": len(documents)}


def step_import(data: Path, repeat: int) -> dict:
    from app.storage import store
    from app.storage.db import create_schema, make_engine, session_scope

    documents = load_scale(data)

    def run():
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            create_schema(engine)
            with session_scope(engine) as session:
                for document in documents:
                    store.import_document(session, document)
            engine.dispose()

    median, times, _ = timed(run, repeat)
    return {"median": median, "times": times}


def step_audit(data: Path, repeat: int) -> dict:
    """The full audit of everything as one document, and each analysis inside it."""
    from analysis import audit as audit_module
    from analysis.graphs import build_graphs
    from analysis.settings import DEFAULT_SETTINGS

    document = merged(load_scale(data))
    sizes = {
        "groups": len(document.groups),
        "people": len(document.people),
        "memberships": sum(len(g.members) for g in document.groups),
    }
    median, times, result = timed(lambda: audit_module.audit(document), repeat)
    # Each analysis on its own, on a fresh context (cached properties first, then the checks).
    parts: dict[str, list[float]] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        graphs = build_graphs(document)
        parts.setdefault("build graphs", []).append(time.perf_counter() - start)
        ctx = audit_module.AuditContext(graphs, DEFAULT_SETTINGS)
        for name in ("standings", "parts", "loads", "minder_reach", "centre", "cut_people", "brokers", "feedback_gaps"):
            start = time.perf_counter()
            getattr(ctx, name)
            parts.setdefault(name, []).append(time.perf_counter() - start)
        for check in audit_module.CHECKS:
            start = time.perf_counter()
            check(ctx)
            parts.setdefault(check.__name__, []).append(time.perf_counter() - start)
        start = time.perf_counter()
        audit_module.locality_metrics(ctx)
        parts.setdefault("metrics", []).append(time.perf_counter() - start)
    return {
        "median": median,
        "times": times,
        "sizes": sizes,
        "findings": len(result.findings),
        "parts": {k: statistics.median(v) for k, v in parts.items()},
    }


def step_audit_each(data: Path, repeat: int) -> dict:
    """Every locality audited separately, as the service does."""
    from analysis.audit import audit

    documents = load_scale(data)
    median, times, _ = timed(lambda: [audit(d) for d in documents], repeat)
    return {"median": median, "times": times, "localities": len(documents)}


def step_compare(data: Path, repeat: int) -> dict:
    from analysis.audit import audit
    from analysis.compare import comparison

    documents = load_scale(data)
    median, times, _ = timed(lambda: comparison([audit(d) for d in documents]), repeat)
    return {"median": median, "times": times, "localities": len(documents)}


def step_map(data: Path, repeat: int) -> dict:
    from app.maps import standalone_map_html

    document = merged(load_scale(data))
    median, times, html = timed(lambda: standalone_map_html(document, "people"), repeat)
    out = {"median": median, "times": times, "bytes": len(html)}
    try:
        from app.maps import aggregate_document

        agg_median, agg_times, agg_html = timed(
            lambda: standalone_map_html(aggregate_document(document, "agency"), "groups"), repeat
        )
        out["aggregated"] = {"median": agg_median, "times": agg_times, "bytes": len(agg_html)}
    except ImportError:
        pass
    return out


def _incidence_matrix(graphs):
    """The people x groups incidence matrix ``B`` as a scipy CSR matrix, from the audit's seat arrays."""
    import numpy as np
    import scipy.sparse as sp

    (rows, cols), people, groups = graphs.incidence
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(people), len(groups)))


def step_kernels(data: Path, repeat: int) -> dict:
    """The bare kernels that bound what is possible: B.T @ B and scipy's connected components."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from analysis.graphs import build_graphs
    from analysis.overlap import membership_overlaps
    from analysis.settings import DEFAULT_SETTINGS

    document = merged(load_scale(data))
    graphs = build_graphs(document)
    matrix = _incidence_matrix(graphs)
    product, product_times, _ = timed(lambda: matrix.T @ matrix, max(repeat, 5))
    people, groups = matrix.shape
    square = sp.bmat([[None, matrix], [matrix.T, None]]).tocsr()
    components, component_times, _ = timed(lambda: connected_components(square, directed=False), repeat)
    settings = DEFAULT_SETTINGS

    def detect():
        # As the audit does it, from the incidence matrix: the product, the
        # similarities, and the pairs at or above the threshold.
        graphs.__dict__.pop("co_membership", None)
        return membership_overlaps(
            graphs, min_shared=settings.overlap_min_shared, min_jaccard=settings.overlap_threshold
        )

    overlaps, overlap_times, found = timed(detect, max(repeat, 5))
    return {
        "bt_b": {"median": product, "times": product_times},
        "connected_components": {"median": components, "times": component_times},
        "overlap": {"median": overlaps, "times": overlap_times, "pairs": len(found)},
        "shape": [people, groups],
    }


STEPS = {
    "load": step_load,
    "import": step_import,
    "audit": step_audit,
    "audit_each": step_audit_each,
    "compare": step_compare,
    "map": step_map,
    "kernels": step_kernels,
}


def main(argv: list[str]) -> None:
    step, scale, data = argv[0], argv[1], Path(argv[2])
    repeat = int(argv[3]) if len(argv) > 3 else 3
    result = STEPS[step](data, repeat)
    result.update(step=step, scale=scale, peak_mb=round(peak_mb(), 1))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
