"""Top-20 agreement of sampled (k=256) and exact betweenness of people on a county-size locality."""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent)); sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np
import _scratch_data
from analysis.graphs import build_graphs
from analysis.centrality import broker_scores, top_brokers
from analysis.settings import DEFAULT_SETTINGS

for which in sys.argv[1:]:
    g = build_graphs(getattr(_scratch_data, which)())
    t = time.perf_counter(); sampled = broker_scores(g, DEFAULT_SETTINGS); ts = time.perf_counter() - t
    t = time.perf_counter(); exact = broker_scores(g, DEFAULT_SETTINGS.with_values(betweenness_exact_limit=10**9)); te = time.perf_counter() - t
    n = int((np.diff(g.local_adjacency.indptr) > 0).sum())
    people = sorted(exact)
    x = np.array([exact[p] for p in people]); y = np.array([sampled[p] for p in people])
    rank = lambda a: np.argsort(np.argsort(-a))
    rho = np.corrcoef(rank(x), rank(y))[0, 1]
    for top in (5, 10, 20, 50):
        a = {p for p, _ in top_brokers(exact, top)}; b = {p for p, _ in top_brokers(sampled, top)}
        print(f"{which}: top-{top} overlap {len(a & b)}/{top}")
    e20 = [p for p, _ in top_brokers(exact, 20)]
    rel = [abs(sampled[p] - exact[p]) / exact[p] for p in e20]
    print(f"{which}: n={n} nodes; sampled {ts:.2f}s, exact {te:.1f}s; Spearman rho (all people) {rho:.3f}; "
          f"median rel. error of top-20 scores {np.median(rel):.3f}, max {max(rel):.3f}; "
          f"top-5 rounded metric equal: {[round(s,3) for _, s in top_brokers(exact,5)] == [round(s,3) for _, s in top_brokers(sampled,5)]}")
