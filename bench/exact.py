"""In process against in process, like for like: locmap's audit and the straightforward NetworkX one.

``python -m bench.exact COUNTY_DIR REPEAT [LIMIT [SOURCES]]`` (0: all) prints one JSON object.

Per locality of a synthetic county, both sides start from what they read
(locmap a validated document, the script ``json.load``'s dict) and both
compute betweenness exactly; whether they name the same brokers is reported
beside the times.  For the whole county as one document (where locmap
samples), both sides sample the same sources (256, as locmap does): NetworkX
on the same integer graph with the same seed picks the same ones.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from bench.measure import load_scale, merged, peak_mb, timed
from bench.naive_audit import naive_audit, system_graph
from bench.processes import ROOT, county_files


def exact_settings():
    from analysis.settings import DEFAULT_SETTINGS

    return DEFAULT_SETTINGS.with_values(betweenness_exact_limit=10**9)


def one_locality(path: Path, repeat: int) -> dict:
    """The audit, locmap against NetworkX, both exact, on one locality file (and locmap's betweenness alone)."""
    from analysis.audit import audit
    from analysis.centrality import broker_scores
    from analysis.graphs import build_graphs
    from models.validation import load_path

    settings = exact_settings()
    document = load_path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    audit_s, _, result = timed(lambda: audit(document, settings), repeat)
    naive_s, _, naive = timed(lambda: naive_audit(data), repeat)
    ours = [[b["person"], b["betweenness"]] for b in result.metrics["brokers"]]
    graph = system_graph(data)
    ours_bc, _, _ = timed(lambda: broker_scores(build_graphs(document), settings), repeat)
    return {
        "locality": path.stem,
        "seats": sum(len(g.members) for g in document.groups),
        "nodes": graph.number_of_nodes(),
        "audit_s": audit_s,
        "naive_s": naive_s,
        "betweenness_s": ours_bc,
        "brokers_agree": ours == naive["brokers"],
    }


def sampled_county(county: Path, repeat: int, sources: int | None = None) -> dict:
    """The county as one document: locmap's sampled brokers against NetworkX with the same sources."""
    import networkx as nx
    import numpy as np
    import scipy.sparse as sp

    from analysis.centrality import broker_scores
    from analysis.graphs import build_graphs
    from analysis.settings import DEFAULT_SETTINGS

    settings = DEFAULT_SETTINGS.with_values(betweenness_samples=sources) if sources else DEFAULT_SETTINGS
    document = merged(load_scale(county))
    graphs = build_graphs(document)
    adjacency = graphs.local_adjacency.to_scipy()
    nodes = np.flatnonzero(np.diff(adjacency.indptr) > 0)  # as broker_scores orders them
    upper = sp.triu(adjacency[nodes][:, nodes], k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(nodes)))
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist(), strict=True))
    k = min(settings.betweenness_samples, len(nodes))
    ours_s, _, ours = timed(lambda: broker_scores(build_graphs(document), settings), repeat)
    # One run: NetworkX takes about a minute here on 2 cores.
    theirs_s, _, theirs = timed(lambda: nx.betweenness_centrality(graph, k=k, seed=settings.seed), 1)
    n_people = len(document.people)
    gap = max(abs(ours[document.people[i].id] - theirs[j]) for j, i in enumerate(nodes.tolist()) if i < n_people)
    return {
        "nodes": len(nodes),
        "sources": k,
        "locmap_s": ours_s,
        "nx_s": theirs_s,
        "nx_runs": 1,
        "largest_difference": gap,
    }


def warm_up() -> None:
    """One audit of a sample first, so no timed run pays for first imports (igraph, scipy.sparse.csgraph)."""
    from analysis.audit import audit
    from models.validation import load_path

    audit(load_path(ROOT / "sample_localities" / "thame.yaml"), exact_settings())


def run(county: Path, repeat: int, limit: int | None = None, sources: int | None = None) -> dict:
    """Every locality of the county (the ``limit`` largest files when given), then the merged county.

    ``sources`` (default: locmap's ``betweenness_samples``) is how many sources both sides sample there.
    """
    warm_up()
    files = county_files(county)
    if limit:
        files = sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:limit]
    rows = [one_locality(path, repeat) for path in files]
    ratios = [r["naive_s"] / r["audit_s"] for r in rows]
    return {
        "localities": rows,
        "median_speedup": statistics.median(ratios),
        "smallest_speedup": min(ratios),
        "sampled_county": sampled_county(county, repeat, sources),
    }


def main(argv: list[str]) -> None:
    start = time.perf_counter()
    limit, sources = (int(a) or None for a in [*argv[2:4], "0", "0"][:2])
    result = run(Path(argv[0]), int(argv[1]), limit, sources)
    result.update(peak_mb=round(peak_mb(), 1), seconds=round(time.perf_counter() - start, 1))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
