import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent)); sys.path.insert(0, str(Path(__file__).resolve().parent))
import _scratch_data
from analysis.graphs import build_graphs
from analysis.centrality import broker_scores, top_brokers
from analysis.settings import DEFAULT_SETTINGS
for which in sys.argv[1:]:
    g = build_graphs(getattr(_scratch_data, which)())
    exact = broker_scores(g, DEFAULT_SETTINGS.with_values(betweenness_exact_limit=10**9))
    e20 = {p for p, _ in top_brokers(exact, 20)}
    for k in (256, 512, 1024, 2048):
        for seed in (20051101, 1, 2):
            t = time.perf_counter(); s = broker_scores(g, DEFAULT_SETTINGS.with_values(betweenness_samples=k, seed=seed)); dt = time.perf_counter() - t
            print(f"{which} k={k} seed={seed}: top-20 overlap {len(e20 & {p for p, _ in top_brokers(s, 20)})}/20 ({dt:.2f}s)")
