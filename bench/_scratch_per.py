"""Audit every locality of an app.synth scale one by one: medians of total time over runs."""
import resource, statistics, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.synth import synth
from analysis.audit import audit

scale = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
docs = synth(scale, 1)
print(scale, len(docs), "localities;", sum(len(d.groups) for d in docs), "groups;", sum(len(g.members) for d in docs for g in d.groups), "seats")
totals, worst = [], []
for _ in range(runs):
    times = []
    for d in docs:
        t = time.perf_counter(); audit(d); times.append(time.perf_counter() - t)
    totals.append(sum(times)); worst.append(max(times))
print(f"total median {statistics.median(totals):.2f}s, slowest locality {statistics.median(worst):.3f}s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MB")
